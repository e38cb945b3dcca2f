// A read-only view of the stores in a data dir, for the operator command: no lock is taken (files are replaced
// atomically, so each one read is a whole version) and nothing is repaired, so it is safe while pods start.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatCidr, parseCidr } from './cidr.js';
import { keyStem } from './keys.js';
import { countBits } from './pool.js';
import { IpamStore } from './store.js';

export interface PoolSnapshot {
  subnet: string;
  rangeStart: string;
  size: number;
  held: number;
  usable: number;
}

export interface AllocationRow {
  network: string;
  subnet: string;
  address: string;
  containerId: string;
  ifName: string;
  since: string;
  recovered: boolean;
}

export interface NetworkSnapshot {
  network: string;
  /** Why the pools could not be read (the next write transaction rebuilds them); undefined when fine. */
  problem?: string;
  pools: PoolSnapshot[];
  allocations: AllocationRow[];
}

/** Networks that have a store in `dataDir` (directories, sorted). */
export function listNetworks(dataDir: string): string[] {
  try {
    return fs
      .readdirSync(dataDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(dataDir, d.name, 'state.json')))
      .map((d) => d.name)
      .sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export function readNetworkSnapshot(dataDir: string, network: string): NetworkSnapshot {
  const store = new IpamStore({ dataDir, network });
  const load = store.loadState();
  const snapshot: NetworkSnapshot = { network, pools: [], allocations: [] };
  const releasing = new Set<string>();
  if (load.kind === 'ok') {
    for (const p of load.state.pending) if (p.op === 'release') releasing.add(p.stem);
    snapshot.pools = load.state.pools.map((p) => ({
      subnet: p.subnet,
      rangeStart: p.first,
      size: p.size,
      held: countBits(p.held),
      usable: p.usable,
    }));
  } else {
    snapshot.problem = load.kind === 'missing' ? 'no state.json' : `state.json damaged: ${load.reason}`;
  }
  for (const e of store.listEntries(false)) {
    if (releasing.has(keyStem(e))) continue;
    for (const ip of e.ips) {
      const cidr = parseCidr(ip.address);
      snapshot.allocations.push({
        network,
        subnet: cidr ? formatCidr(cidr) : ip.address,
        address: ip.address.split('/')[0]!,
        containerId: e.containerId,
        ifName: e.ifName,
        since: e.since,
        recovered: e.recovered === true,
      });
    }
  }
  snapshot.allocations.sort((a, b) => a.since.localeCompare(b.since) || a.address.localeCompare(b.address));
  return snapshot;
}
