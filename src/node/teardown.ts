// Undoing the node: every route and RemoteSubnetRoute policy in the record, every host endpoint hns-cni made, and
// every HNS network hns-cni created (its GUID is hns-cni's: by the agent or by a pod's ADD). While those networks
// still carry other endpoints (pods) nothing at all is removed unless forced: their pods would lose their network. Foreign objects —
// routes, policies, endpoints and networks of other agents — are never touched. Each step tolerates "already gone",
// so an interrupted teardown can simply be run again.
import type { HcnClient } from '../hns/client.js';
import { isNotFound } from '../hns/errors.js';
import { sameGuid } from '../hns/guid.js';
import type { HostComputeEndpoint } from '../hns/types.js';
import type { IphlpClient } from '../iphlp/client.js';
import { isRouteNotFound } from '../iphlp/errors.js';
import { log } from '../log/logger.js';
import { isHnsCniEndpoint } from '../plan/identity.js';
import { hostEndpointIdFor, isOwnNetwork } from '../plan/node-networks.js';
import { remoteSubnetRequest } from '../plan/node-routes.js';
import { restoreHostForwarding } from './forwarding.js';
import { emptyRecord, type NodeRecord, readRecord, writeRecord } from './record.js';

export interface TeardownReport {
  routes: string[];
  remoteSubnets: string[];
  hostEndpoints: string[];
  /** Interfaces whose IPv4 forwarding hns-cni had turned on, off again. */
  forwarding: string[];
  networks: string[];
  /** Why something was left (pods still attached), or a failure. */
  problems: string[];
}

async function gone(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export async function teardownNode(opts: {
  hcn: HcnClient;
  iphlp: IphlpClient;
  dataDir: string;
  force: boolean;
}): Promise<TeardownReport> {
  const { hcn, iphlp } = opts;
  const record: NodeRecord = readRecord(opts.dataDir);
  const report: TeardownReport = {
    routes: [],
    remoteSubnets: [],
    hostEndpoints: [],
    forwarding: [],
    networks: [],
    problems: [],
  };
  const save = () => writeRecord(record, opts.dataDir);

  // Refuse before touching anything: pods on hns-cni's networks would lose their network (and the node its routes).
  const networks = (await hcn.listNetworks()).filter(isOwnNetwork);
  const hostEndpointIds = new Set([
    ...record.hostEndpoints.map((h) => h.id.toLowerCase()),
    ...networks.map((n) => hostEndpointIdFor(n.Name!)),
  ]);
  const endpointsOf = new Map<string, HostComputeEndpoint[]>();
  for (const network of networks) {
    const all = await hcn.listEndpoints({ VirtualNetwork: network.ID! });
    const rest = all.filter((e) => !hostEndpointIds.has((e.ID ?? '').toLowerCase()));
    endpointsOf.set(network.ID!, rest);
    const pods = rest.filter(isHnsCniEndpoint).length;
    if (rest.length > 0 && !opts.force) {
      report.problems.push(
        `network ${network.Name} still has ${pods} pod endpoint(s) and ${rest.length - pods} other endpoint(s): ` +
          'drain the node first, or use --force',
      );
    }
  }
  if (report.problems.length > 0) return report;

  const table = record.routes.length > 0 ? await iphlp.listRoutes('all') : [];
  for (const r of [...record.routes]) {
    const row = table.find((t) => t.destinationPrefix === r.destinationPrefix && t.nextHop === r.nextHop);
    try {
      if (row !== undefined) await iphlp.deleteRoute(row);
    } catch (error) {
      if (!isRouteNotFound(error)) {
        report.problems.push(`route ${r.destinationPrefix} via ${r.nextHop}: ${(error as Error).message}`);
        continue;
      }
    }
    report.routes.push(`${r.destinationPrefix} via ${r.nextHop}`);
    record.routes = record.routes.filter((x) => x !== r);
    save();
  }

  for (const s of [...record.remoteSubnets]) {
    try {
      await hcn.modifyNetwork(s.networkId, remoteSubnetRequest('Remove', [s]));
    } catch (error) {
      // The policy or the whole network may be gone already; anything else is a problem to report.
      if (!isNotFound(error) && !/POLICY_NOT_FOUND/.test((error as Error).message)) {
        report.problems.push(`RemoteSubnetRoute ${s.settings.DestinationPrefix}: ${(error as Error).message}`);
        continue;
      }
    }
    report.remoteSubnets.push(s.settings.DestinationPrefix);
    record.remoteSubnets = record.remoteSubnets.filter((x) => x !== s);
    save();
  }

  // Before the host endpoints go: the interface of one disappears with it, the management vNIC stays.
  const forwarding = await restoreHostForwarding(iphlp, record, save);
  report.forwarding = forwarding.restored;
  report.problems.push(...forwarding.problems);

  for (const id of hostEndpointIds) {
    try {
      await hcn.detachEndpointFromHost(id).catch(() => {});
      await gone(hcn.deleteEndpoint(id));
    } catch (error) {
      report.problems.push(`host endpoint ${id}: ${(error as Error).message}`);
      continue;
    }
    const recorded = record.hostEndpoints.find((h) => sameGuid(h.id, id));
    if (recorded !== undefined) report.hostEndpoints.push(`${recorded.name} (${recorded.address})`);
    record.hostEndpoints = record.hostEndpoints.filter((h) => !sameGuid(h.id, id));
    save();
  }

  for (const network of networks) {
    try {
      for (const e of endpointsOf.get(network.ID!) ?? []) await gone(hcn.deleteEndpoint(e.ID!));
      await gone(hcn.deleteNetwork(network.ID!));
      report.networks.push(`${network.Name} (${network.ID})`);
      log.info('node: network removed', { network: network.Name });
    } catch (error) {
      report.problems.push(`network ${network.Name}: ${(error as Error).message}`);
    }
  }
  record.networks = record.networks.filter((n) => !report.networks.some((r) => r.startsWith(`${n.name} (`)));
  save();
  if (report.problems.length === 0) writeRecord(emptyRecord(), opts.dataDir);
  return report;
}
