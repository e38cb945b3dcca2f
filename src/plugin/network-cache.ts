// Network name → HNS network ID (and the network's document), remembered on disk so the hot path can open the
// network by ID (1 HCN call) instead of enumerating by name and querying (3 calls). The cache is only a hint: an ID
// that no longer opens is dropped and the network is looked up by name again; a network recreated under the same
// name gets a new GUID, so a stale entry can never point at the wrong network.
import * as path from 'node:path';
import type { HostComputeNetwork } from '../hns/types.js';
import { readFileIfExists, writeFileAtomic } from '../store/atomic-file.js';

/** Whether HNS kept an endpoint's non-default routes on a network (issue 10 F2), learnt by reading one back. */
export type RouteSupport = 'kept' | 'dropped';

/**
 * A build that keeps routes does not lose the feature, so 'kept' is kept. 'dropped' is trusted for ten minutes and
 * then probed again: kubelet's retries are refused cheaply, and after an OS update (a reboot) the node is re-checked.
 */
export const DROPPED_ROUTES_TTL_MS = 10 * 60_000;

interface RouteSupportEntry {
  support: RouteSupport;
  /** When it was learnt (ms since the epoch). */
  at: number;
}

interface CacheFile {
  version: 1;
  networks: Record<string, HostComputeNetwork>;
  /** Network ID (lower case) → route support. */
  routes?: Record<string, RouteSupportEntry>;
}

export class NetworkCache {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'networks.json');
  }

  get(name: string): HostComputeNetwork | undefined {
    return this.read().networks[name];
  }

  set(name: string, network: HostComputeNetwork): void {
    const cache = this.read();
    cache.networks[name] = network;
    writeFileAtomic(this.file, JSON.stringify(cache));
  }

  forget(name: string): void {
    const cache = this.read();
    if (!(name in cache.networks)) return;
    delete cache.networks[name];
    writeFileAtomic(this.file, JSON.stringify(cache));
  }

  routeSupport(networkId: string, now = Date.now()): RouteSupport | undefined {
    const entry = this.read().routes?.[networkId.toLowerCase()];
    if (entry === undefined || typeof entry !== 'object') return undefined;
    if (entry.support === 'dropped' && !(now - entry.at < DROPPED_ROUTES_TTL_MS)) return undefined;
    return entry.support;
  }

  setRouteSupport(networkId: string, support: RouteSupport, now = Date.now()): void {
    const cache = this.read();
    cache.routes = { ...cache.routes, [networkId.toLowerCase()]: { support, at: now } };
    writeFileAtomic(this.file, JSON.stringify(cache));
  }

  private read(): CacheFile {
    const text = readFileIfExists(this.file);
    if (text === undefined) return { version: 1, networks: {} };
    try {
      const parsed = JSON.parse(text) as CacheFile;
      if (parsed.version === 1 && parsed.networks && typeof parsed.networks === 'object') return parsed;
    } catch {
      // A damaged hint is worth nothing; the next lookup by name rewrites it.
    }
    return { version: 1, networks: {} };
  }
}
