// Network name → HNS network ID (and the network's document), remembered on disk so the hot path can open the
// network by ID (1 HCN call) instead of enumerating by name and querying (3 calls). The cache is only a hint: an ID
// that no longer opens is dropped and the network is looked up by name again; a network recreated under the same
// name gets a new GUID, so a stale entry can never point at the wrong network. Names are operator input: they key a
// Map, never a plain object, so "constructor" or "__proto__" is a network like any other.
import * as os from 'node:os';
import * as path from 'node:path';
import type { HnsVersion, HostComputeNetwork } from '../hns/types.js';
import { log } from '../log/logger.js';
import { readFileIfExists, writeFileAtomic } from '../store/atomic-file.js';

/** Whether HNS kept an endpoint's non-default routes on a network (issue 10 F2), learnt by reading one back. */
export type RouteSupport = 'kept' | 'dropped';

/**
 * A build that keeps routes does not lose the feature, so 'kept' is kept. 'dropped' is trusted for ten minutes and
 * then probed again: kubelet's retries are refused cheaply, and after an OS update (a reboot) the node is re-checked.
 */
export const DROPPED_ROUTES_TTL_MS = 10 * 60_000;

/**
 * HNS's version is the OS's (HNS ships with Windows and is updated with it; an update that changes it needs a
 * restart of the host), so the version read once holds for the rest of the boot: remembering it spares each ADD
 * with loopbackDSR its HNSCall (issue 14), and a dual-stack pod its IPv6DualStack gate check (issue 12). Trusted only for the boot it was read in, and at most an hour, in case a
 * hotpatch ever changes HNS without a restart.
 */
export const HNS_VERSION_TTL_MS = 60 * 60_000;
/** Two readings of the boot time (now - uptime) within this are the same boot. */
const SAME_BOOT_MS = 120_000;

interface HnsVersionEntry {
  version: HnsVersion;
  /** When it was read, and when the host had booted then (ms since the epoch). */
  at: number;
  bootedAt: number;
}

/** When the host booted, as far as this process can tell. */
export function bootTime(now = Date.now()): number {
  return now - os.uptime() * 1000;
}

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
  hnsVersion?: HnsVersionEntry;
}

/** The file's content in memory: both tables keyed by Maps, since names and IDs come from outside. */
interface Cache {
  networks: Map<string, HostComputeNetwork>;
  routes: Map<string, RouteSupportEntry>;
  hnsVersion?: HnsVersionEntry;
}

export class NetworkCache {
  private readonly file: string;
  /** The file as this verb read it (or last wrote it): one read per verb for its questions, not one per question. */
  private loaded: Cache | undefined;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'networks.json');
  }

  get(name: string): HostComputeNetwork | undefined {
    return this.read().networks.get(name);
  }

  set(name: string, network: HostComputeNetwork): void {
    const cache = this.readFile();
    cache.networks.set(name, network);
    this.write(cache);
  }

  forget(name: string): void {
    const cache = this.readFile();
    if (cache.networks.delete(name)) this.write(cache);
  }

  routeSupport(networkId: string, now = Date.now()): RouteSupport | undefined {
    const entry = this.read().routes.get(networkId.toLowerCase());
    if (entry === undefined) return undefined;
    if (entry.support === 'dropped' && !(now - entry.at < DROPPED_ROUTES_TTL_MS)) return undefined;
    return entry.support;
  }

  setRouteSupport(networkId: string, support: RouteSupport, now = Date.now()): void {
    const cache = this.readFile();
    cache.routes.set(networkId.toLowerCase(), { support, at: now });
    this.write(cache);
  }

  /** The HNS version read earlier in this boot (and this hour), if any. */
  hnsVersion(now = Date.now(), bootedAt = bootTime(now)): HnsVersion | undefined {
    const entry = this.read().hnsVersion;
    if (entry === undefined || !(now - entry.at >= 0 && now - entry.at < HNS_VERSION_TTL_MS)) return undefined;
    return Math.abs(entry.bootedAt - bootedAt) < SAME_BOOT_MS ? entry.version : undefined;
  }

  setHnsVersion(version: HnsVersion, now = Date.now(), bootedAt = bootTime(now)): void {
    const cache = this.readFile();
    cache.hnsVersion = { version: { Major: version.Major, Minor: version.Minor }, at: now, bootedAt };
    this.write(cache);
  }

  private read(): Cache {
    this.loaded ??= this.readFile();
    return this.loaded;
  }

  /** The file as it is now: every change starts from it (another process may have added to it since read()). */
  private readFile(): Cache {
    const cache: Cache = { networks: new Map(), routes: new Map() };
    let text: string | undefined;
    try {
      text = readFileIfExists(this.file);
    } catch (error) {
      // Windows: another process may be renaming its copy over the file right now. No hint is no harm.
      log.debug('network cache unreadable; looking networks up instead', { error: (error as Error).message });
    }
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
      const v = parsed.hnsVersion;
      if (
        isObject(v) &&
        isObject(v.version) &&
        Number.isInteger(v.version.Major) &&
        Number.isInteger(v.version.Minor) &&
        typeof v.at === 'number' &&
        typeof v.bootedAt === 'number'
      ) {
        cache.hnsVersion = v;
      }
    } catch {
      // A damaged hint is worth nothing; the next lookup by name rewrites it.
    }
    return cache;
  }

  private write(cache: Cache): void {
    this.loaded = undefined; // what the file holds after this, written or not
    // Object.fromEntries defines own properties, so a network named "__proto__" is written like any other.
    const file: CacheFile = {
      version: 1,
      networks: Object.fromEntries(cache.networks),
      ...(cache.routes.size > 0 && { routes: Object.fromEntries(cache.routes) }),
      ...(cache.hnsVersion !== undefined && { hnsVersion: cache.hnsVersion }),
    };
    try {
      writeFileAtomic(this.file, JSON.stringify(file));
      this.loaded = cache;
    } catch (error) {
      // A hint that could not be written costs the next ADD a lookup, nothing more; it must never fail this pod.
      // Under a burst on Windows the rename over the file fails (EPERM) while another process has it open.
      log.info('network cache not written; the next ADD looks the network up again', {
        error: (error as Error).message,
      });
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
