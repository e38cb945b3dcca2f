// Network name → HNS network ID (and the network's document), remembered on disk so the hot path can open the
// network by ID (1 HCN call) instead of enumerating by name and querying (3 calls). The cache is only a hint: an ID
// that no longer opens is dropped and the network is looked up by name again; a network recreated under the same
// name gets a new GUID, so a stale entry can never point at the wrong network. Names are operator input: they key a
// Map, never a plain object, so "constructor" or "__proto__" is a network like any other.
import * as path from 'node:path';
import type { HostComputeNetwork } from '../hns/types.js';
import { readFileIfExists, writeFileAtomic } from '../store/atomic-file.js';

interface CacheFile {
  version: 1;
  networks: Record<string, HostComputeNetwork>;
}

type Networks = Map<string, HostComputeNetwork>;

export class NetworkCache {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'networks.json');
  }

  get(name: string): HostComputeNetwork | undefined {
    return this.read().get(name);
  }

  set(name: string, network: HostComputeNetwork): void {
    const networks = this.read();
    networks.set(name, network);
    this.write(networks);
  }

  forget(name: string): void {
    const networks = this.read();
    if (networks.delete(name)) this.write(networks);
  }

  private read(): Networks {
    const text = readFileIfExists(this.file);
    if (text === undefined) return new Map();
    try {
      // JSON.parse makes every key an own property ("__proto__" included); Object.entries reads only those.
      const parsed = JSON.parse(text) as CacheFile;
      if (parsed.version === 1 && isObject(parsed.networks)) {
        return new Map(Object.entries(parsed.networks).filter(([, n]) => isObject(n)));
      }
    } catch {
      // A damaged hint is worth nothing; the next lookup by name rewrites it.
    }
    return new Map();
  }

  private write(networks: Networks): void {
    // Object.fromEntries defines own properties, so a network named "__proto__" is written like any other.
    const file: CacheFile = { version: 1, networks: Object.fromEntries(networks) };
    writeFileAtomic(this.file, JSON.stringify(file));
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
