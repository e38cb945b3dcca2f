// IP forwarding on the host's interfaces for l2bridge and overlay: the host endpoint's interface and the one holding
// the node's management address (the network's provider address, else `nodeIP`) must forward, or traffic between
// pods, the node and other nodes stops at the host. flannel's host-gw backend and Calico for Windows do exactly this
// after attaching their host endpoint ("enable forwarding on the host interface and endpoint": for the network's
// ManagementIP and the endpoint's IP, `netsh interface ipv4 set interface <idx> forwarding=enabled`); microsoft/SDN's
// scripts do it with Set-NetIPInterface -Forwarding Enabled. Here through IP Helper (GetIpInterfaceEntry /
// SetIpInterfaceEntry), on the interface whose on-link subnet holds the address. Only a change hns-cni made is
// recorded, so teardown turns forwarding off again only where it was off before.
import type { IphlpClient } from '../iphlp/client.js';
import { isInterfaceNotFound } from '../iphlp/errors.js';
import { log } from '../log/logger.js';
import { providerAddressOf } from '../plan/network.js';
import { onLinkInterfaceFor } from '../plan/node-routes.js';
import type { PreparedNetwork } from './prepare.js';
import type { NodeRecord } from './record.js';

/** Where forwarding goes on: the host endpoint's address and the management address (deduplicated). */
export function forwardingAddressesOf(p: PreparedNetwork): string[] {
  const ep = p.plan.hostEndpoint;
  if (ep === undefined || ep.role === 'gateway' || ep.action === 'unavailable') return [];
  const management = providerAddressOf(p.network) ?? p.conf.nodeIP;
  return [...new Set([ep.address, ...(management !== undefined && !management.includes(':') ? [management] : [])])];
}

/** Turns IPv4 forwarding on where it is off; returns one line per interface for the status. */
export async function enableHostForwarding(
  iphlp: IphlpClient,
  p: PreparedNetwork,
  record: NodeRecord,
  save: () => void,
): Promise<string[]> {
  const addresses = forwardingAddressesOf(p);
  if (addresses.length === 0) return [];
  const table = await iphlp.listRoutes(4);
  const lines: string[] = [];
  for (const address of addresses) {
    const via = onLinkInterfaceFor(table, address);
    if (via === undefined) {
      lines.push(`${address}: no interface holds it yet`);
      continue;
    }
    const row = await iphlp.getInterface({
      family: 4,
      interfaceIndex: via.interfaceIndex,
      interfaceLuid: via.interfaceLuid,
    });
    const luid = row.interfaceLuid.toString();
    if (row.forwardingEnabled) {
      const ours = record.forwarding.some((f) => f.interfaceLuid === luid);
      lines.push(`${address} (if ${row.interfaceIndex}): enabled${ours ? ' by hns-cni' : ' already'}`);
      continue;
    }
    // Intent first: a crash after the call still leaves the record that says teardown must turn it off again.
    if (!record.forwarding.some((f) => f.interfaceLuid === luid)) {
      record.forwarding.push({ network: p.conf.network, address, interfaceLuid: luid, family: 4 });
      save();
    }
    await iphlp.setInterface({ ...row, forwardingEnabled: true });
    log.info('node: IP forwarding enabled', { address, interfaceIndex: row.interfaceIndex });
    lines.push(`${address} (if ${row.interfaceIndex}): enabled by hns-cni (was off)`);
  }
  return lines;
}

/** Teardown: forwarding off again where hns-cni turned it on; an interface that is gone is forgotten. */
export async function restoreHostForwarding(
  iphlp: IphlpClient,
  record: NodeRecord,
  save: () => void,
): Promise<{ restored: string[]; problems: string[] }> {
  const restored: string[] = [];
  const problems: string[] = [];
  for (const f of [...record.forwarding]) {
    try {
      const row = await iphlp.getInterface({
        family: f.family,
        interfaceIndex: 0,
        interfaceLuid: BigInt(f.interfaceLuid),
      });
      if (row.forwardingEnabled) await iphlp.setInterface({ ...row, forwardingEnabled: false });
      restored.push(`${f.address} (if ${row.interfaceIndex})`);
    } catch (error) {
      if (!isInterfaceNotFound(error)) {
        problems.push(`forwarding on ${f.address}: ${(error as Error).message}`);
        continue;
      }
    }
    record.forwarding = record.forwarding.filter((x) => x !== f);
    save();
  }
  return { restored, problems };
}
