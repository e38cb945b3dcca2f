// The invariant of issue 11, read straight from the simulated HNS's state file and the IPAM store's files (the
// truth, with no client in between and no process per look): every endpoint on the network holds only addresses
// that the IPAM holds for that endpoint's own attachment, and the store is consistent.
import * as path from 'node:path';
import { readState } from '../../src/hns/sim/state-file.js';
import { IpamStore } from '../../src/ipam/store.js';
import { endpointIdFor } from '../../src/plan/identity.js';
import { storeProblems } from '../fixtures/ipam/consistency.js';
import type { SimNode } from './plugin-harness.js';

export interface HeldAddress {
  containerId: string;
  ifName: string;
  /** Bare address. */
  address: string;
}

export function endpointsInHns(node: SimNode): Array<Record<string, unknown>> {
  return Object.values(readState(node.env.HNS_CNI_SIM_STATE!).endpoints) as Array<Record<string, unknown>>;
}

export function heldAddresses(node: SimNode, network: string): HeldAddress[] {
  const store = new IpamStore({ dataDir: path.join(node.env.HNS_CNI_DATA_DIR!, 'ipam'), network });
  return store.listEntries(false).map((e) => ({
    containerId: e.containerId,
    ifName: e.ifName,
    address: e.ips[0]!.address.split('/')[0]!,
  }));
}

/** One line per endpoint holding an address its attachment does not hold, plus the store's own problems. */
export function addressProblems(node: SimNode, network: string): string[] {
  const held = heldAddresses(node, network);
  const networkIds = Object.values(readState(node.env.HNS_CNI_SIM_STATE!).networks)
    .filter((n) => n.Name === network)
    .map((n) => String(n.ID).toLowerCase());
  const problems: string[] = [];
  for (const e of endpointsInHns(node)) {
    if (!networkIds.includes(String(e.HostComputeNetwork).toLowerCase())) continue;
    for (const { IpAddress } of (e.IpConfigurations as Array<{ IpAddress: string }> | undefined) ?? []) {
      const holder = held.find((h) => h.address === IpAddress);
      const own =
        holder !== undefined &&
        endpointIdFor(holder.containerId, network, holder.ifName).toLowerCase() === String(e.ID).toLowerCase();
      if (!own) {
        problems.push(
          `endpoint ${String(e.Name)} holds ${IpAddress}, which the IPAM ${holder ? `gives to ${holder.containerId}` : 'does not hold'}`,
        );
      }
    }
  }
  problems.push(...storeProblems(path.join(node.env.HNS_CNI_DATA_DIR!, 'ipam'), network));
  return problems;
}
