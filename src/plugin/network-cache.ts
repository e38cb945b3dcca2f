// Network name → HNS network ID (and the network's document), remembered on disk so the hot path can open the
// network by ID (1 HCN call) instead of enumerating by name and querying (3 calls). The cache is only a hint: an ID
// that no longer opens is dropped and the network is looked up by name again; a network recreated under the same
// name gets a new GUID, so a stale entry can never point at the wrong network. Names are operator input: they key a
// Map, never a plain object, so "constructor" or "__proto__" is a network like any other.
import * as path from 'node:path';
import type { HnsVersion, HostComputeNetwork } from '../hns/types.js';
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

/**
 * The HNS version, learnt once: it changes only with an OS update, which means a reboot, and the only decision taken
 * from it on the hot path (a dual-stack pod's IPv6DualStack gate) is re-checked after HNS_VERSION_TTL_MS.
 */
export const HNS_VERSION_TTL_MS = 60 * 60_000;

interface HnsVersionEntry {
  version: HnsVersion;
  at: number;
}

interface CacheFile {
  version: 1;
  networks: Record<string, HostComputeNetwork>;
  /** Network ID (lower case) → route support. */
  routes?: Record<string, RouteSupportEntry>;
  hns?: HnsVersionEntry;
}

/** The file's content in memory: both tables keyed by Maps, since names and IDs come from outside. */
interface Cache {
  networks: Map<string, HostComputeNetwork>;
  routes: Map<string, RouteSupportEntry>;
  hns?: HnsVersionEntry;
}

export class NetworkCache {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'networks.json');
  }

  get(name: string): HostComputeNetwork | undefined {
    return this.read().networks.get(name);
  }

  set(name: string, network: HostComputeNetwork): void {
    const cache = this.read();
    cache.networks.set(name, network);
    this.write(cache);
  }

  forget(name: string): void {
    const cache = this.read();
    if (cache.networks.delete(name)) this.write(cache);
  }

  routeSupport(networkId: string, now = Date.now()): RouteSupport | undefined {
    const entry = this.read().routes.get(networkId.toLowerCase());
    if (entry === undefined) return undefined;
    if (entry.support === 'dropped' && !(now - entry.at < DROPPED_ROUTES_TTL_MS)) return undefined;
    return entry.support;
  }

  setRouteSupport(networkId: string, support: RouteSupport, now = Date.now()): void {
    const cache = this.read();
    cache.routes.set(networkId.toLowerCase(), { support, at: now });
    this.write(cache);
  }

  /** The HNS version learnt within HNS_VERSION_TTL_MS, else undefined. */
  hnsVersion(now = Date.now()): HnsVersion | undefined {
    const entry = this.read().hns;
    return entry !== undefined && now - entry.at < HNS_VERSION_TTL_MS ? entry.version : undefined;
  }

  setHnsVersion(version: HnsVersion, now = Date.now()): void {
    const cache = this.read();
    cache.hns = { version: { Major: version.Major, Minor: version.Minor }, at: now };
    this.write(cache);
  }

  private read(): Cache {
    const cache: Cache = { networks: new Map(), routes: new Map() };
    const text = readFileIfExists(this.file);
    if (text === undefined) return cache;
    try {
      // JSON.parse makes every key an own property ("__proto__" included); Object.entries reads only those.
      const parsed = JSON.parse(text) as CacheFile;
      if (parsed.version !== 1 || !isObject(parsed.networks)) return cache;
      for (const [name, network] of Object.entries(parsed.networks))
        if (isObject(network)) cache.networks.set(name, network);
      for (const [id, entry] of Object.entries(isObject(parsed.routes) ? parsed.routes : {})) {
        if (
          isObject(entry) &&
          (entry.support === 'kept' || entry.support === 'dropped') &&
          typeof entry.at === 'number'
        ) {
          cache.routes.set(id, entry);
        }
      }
      const hns = parsed.hns as unknown;
      if (isObject(hns) && typeof hns.at === 'number' && isObject(hns.version)) {
        const { Major, Minor } = hns.version;
        if (typeof Major === 'number' && typeof Minor === 'number')
          cache.hns = { version: { Major, Minor }, at: hns.at };
      }
    } catch {
      // A damaged hint is worth nothing; the next lookup by name rewrites it.
    }
    return cache;
  }

  private write(cache: Cache): void {
    // Object.fromEntries defines own properties, so a network named "__proto__" is written like any other.
    const file: CacheFile = {
      version: 1,
      networks: Object.fromEntries(cache.networks),
      ...(cache.routes.size > 0 && { routes: Object.fromEntries(cache.routes) }),
      ...(cache.hns !== undefined && { hns: cache.hns }),
    };
    writeFileAtomic(this.file, JSON.stringify(file));
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
