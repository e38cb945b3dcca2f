// The built-in IPAM, as the plugin uses it.
//
//   const ipam = await openIpam(conf.ipam, { network: conf.name, hostEndpoint: mode === 'L2Bridge', recover });
//   ADD    const a = await ipam.allocate({ containerId, ifName });   // idempotent: same key → same addresses
//          → a.ips (CNI ips: "10.244.1.7/24" + gateway), a.routes, a.since, a.reused
//   DEL    await ipam.release({ containerId, ifName });              // AFTER the endpoint is gone; idempotent
//   CHECK  await ipam.lookup({ containerId, ifName });               // undefined when nothing is held
//
// DEL and CHECK need no node subnet: `openIpamStore(conf.ipam, { network })` gives `release` and `lookup` from the
// store alone, so a DEL succeeds with flannel's subnet.env gone or the API server unreachable.
//   GC     await ipam.gc(validAttachments)                           // → { released, errors }; carries on after errors
//   STATUS await ipam.status()                                       // held / usable per pool
//   list   await ipam.list()                                         // every allocation (operator command)
//
// `openIpam` resolves the node subnet (config, the Node object, or flannel's subnet.env), applies the allocation
// rules (pool.ts) and opens the network's store (store.ts, allocator.ts). `recover` is called when the store is
// missing or damaged and must list the attachments HNS still has, so a rebuilt store never hands out an address
// a running pod holds. Errors are CniErrors: 7 bad config or source, 11 source or lock unavailable for now,
// 101 pool exhausted, 104 store unusable.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CNI_CODE, CniError } from '../cni/errors.js';
import type { Attachment, CniIpConfig, CniRoute } from '../cni/types.js';
import { ensureTrustedFile, UnsafePathError } from '../store/private-dir.js';
import { Allocator, type GcOutcome, type RecoveryHook } from './allocator.js';
import { type Cidr, cidrContains, formatAddress, formatCidr, parseAddress, parseCidr } from './cidr.js';
import {
  type BuiltinIpamConfig,
  DEFAULT_NODE_CACHE_TTL_SECONDS,
  defaultFlannelSubnetFile,
  defaultIpamDataDir,
  defaultKubeconfig,
  defaultNodeName,
} from './config.js';
import { type AllocationKey, keyStem, validateKey } from './keys.js';
import { addressOf, bitmapBytes, buildPool, countBits, nextFreeSlot, type Pool } from './pool.js';
import { readFlannelSubnets } from './sources/flannel.js';
import type { NodeSubnets } from './sources/types.js';
import { type AllocationEntry, IpamStore } from './store.js';

export type { RecoveredAttachment, RecoveryHook } from './allocator.js';
export type { NodeSubnets } from './sources/types.js';

export interface IpamOpenOptions {
  /** The CNI network name: one store per network. */
  network: string;
  /**
   * Whether the network mode keeps a host endpoint inside the pod subnet (L2Bridge, flannel host-gw), or overlay's
   * kube-proxy source VIP in its place. When true (the default), `ipam.hostEndpoint` (default: the subnet's second
   * address, .2) is never handed out.
   */
  hostEndpoint?: boolean;
  /** The same for the IPv6 subnet (its ::2); default: as `hostEndpoint`. */
  hostEndpoint6?: boolean;
  /** Lists the attachments HNS still has; called only when the store must be rebuilt. */
  recover?: RecoveryHook;
  /** Re-read the Node object now (STATUS, GC) instead of trusting the cache's TTL. */
  refreshSource?: boolean;
  lockTimeoutMs?: number;
  lockStaleMs?: number;
  /** Test seam for crash injection: called at every durable write step. */
  onWriteStep?: (step: string) => void;
}

export interface IpamPoolInfo {
  family: 4 | 6;
  subnet: string;
  gateway: string;
  hostEndpoint?: string;
  rangeStart: string;
  rangeEnd: string;
  /** The first address the pool ever hands out (the range's first address that is not blocked); absent if none. */
  firstAssignable?: string;
  usable: number;
}

export interface IpamAllocation extends AllocationKey {
  ips: CniIpConfig[];
  routes: CniRoute[];
  since: string;
  /** True when the key already held these addresses (a repeated ADD). */
  reused: boolean;
  recovered?: boolean;
}

export interface PoolUsage {
  subnet: string;
  held: number;
  usable: number;
}

export interface Ipam {
  readonly network: string;
  readonly dataDir: string;
  readonly subnets: NodeSubnets;
  readonly pools: IpamPoolInfo[];
  allocate(key: AllocationKey): Promise<IpamAllocation>;
  release(key: AllocationKey): Promise<IpamAllocation | undefined>;
  lookup(key: AllocationKey): Promise<IpamAllocation | undefined>;
  gc(valid: Attachment[]): Promise<GcOutcome>;
  status(): Promise<PoolUsage[]>;
  list(): Promise<IpamAllocation[]>;
}

export async function openIpam(config: BuiltinIpamConfig, opts: IpamOpenOptions): Promise<Ipam> {
  const dataDir = config.dataDir ?? defaultIpamDataDir();
  const subnets = await resolveSubnets(config, dataDir, opts.refreshSource ?? false);
  const pools = [buildPool(v4Rules(config, subnets.v4, opts.hostEndpoint ?? true))];
  if (subnets.v6) pools.push(buildPool(v6Rules(config, subnets.v6, opts.hostEndpoint6 ?? opts.hostEndpoint ?? true)));
  const store = new IpamStore({
    dataDir,
    network: opts.network,
    lockTimeoutMs: opts.lockTimeoutMs,
    lockStaleMs: opts.lockStaleMs,
    onWriteStep: opts.onWriteStep,
  });
  const allocator = new Allocator(store, pools, opts.recover);
  const routes: CniRoute[] = (config.routes ?? []).map((r) => (r.gw ? { dst: r.dst, gw: r.gw } : { dst: r.dst }));
  const view = (e: AllocationEntry, reused: boolean): IpamAllocation => ({
    containerId: e.containerId,
    ifName: e.ifName,
    ips: e.ips.map((ip) => ({ ...ip })),
    routes: routes.map((r) => ({ ...r })),
    since: e.since,
    reused,
    ...(e.recovered ? { recovered: true } : {}),
  });
  const releasing = () => pendingReleases(store);

  return {
    network: opts.network,
    dataDir,
    subnets,
    pools: pools.map(poolInfo),
    async allocate(key) {
      const { entry, reused } = await allocator.allocate(key);
      return view(entry, reused);
    },
    async release(key) {
      const entry = await allocator.release(key);
      return entry && view(entry, false);
    },
    async lookup(key) {
      const entry = lookupEntry(store, key);
      return entry && view(entry, true);
    },
    gc: (valid) => allocator.gc(valid.map((a) => ({ containerId: a.containerID, ifName: a.ifname }))),
    async status() {
      const load = store.loadState();
      return pools.map((p, i) => ({
        subnet: formatCidr(p.subnet),
        held: load.kind === 'ok' && load.state.pools[i] ? countBits(load.state.pools[i].held) : 0,
        usable: p.usable,
      }));
    },
    async list() {
      const gone = releasing();
      return store
        .listEntries(false)
        .filter((e) => !gone.has(keyStem(e)))
        .map((e) => view(e, true));
    },
  };
}

/** The store alone: what DEL (release) and CHECK (lookup) need. No subnet source is read. */
export interface IpamStoreAccess {
  release(key: AllocationKey): Promise<AllocationEntry | undefined>;
  lookup(key: AllocationKey): Promise<AllocationEntry | undefined>;
}

export function openIpamStore(
  config: BuiltinIpamConfig,
  opts: Pick<IpamOpenOptions, 'network' | 'lockTimeoutMs' | 'lockStaleMs'>,
): IpamStoreAccess {
  const store = new IpamStore({
    dataDir: config.dataDir ?? defaultIpamDataDir(),
    network: opts.network,
    lockTimeoutMs: opts.lockTimeoutMs,
    lockStaleMs: opts.lockStaleMs,
  });
  return {
    release: (key) => Allocator.releaseFromStore(store, key),
    lookup: async (key) => lookupEntry(store, key),
  };
}

// Readers take no lock: files are replaced atomically, and a pending release means "already gone".
function pendingReleases(store: IpamStore): Set<string> {
  const load = store.loadState();
  return new Set(load.kind === 'ok' ? load.state.pending.filter((p) => p.op === 'release').map((p) => p.stem) : []);
}

function lookupEntry(store: IpamStore, key: AllocationKey): AllocationEntry | undefined {
  validateKey(key);
  const entry = store.readEntry(key, false);
  return entry && !pendingReleases(store).has(keyStem(key)) ? entry : undefined;
}

// subnet.env files found trusted in this process (the agent checks each once).
const trustedFlannelFiles = new Set<string>();

/**
 * flanneld (SYSTEM) writes subnet.env; whoever else could write it, or replace it through a directory above it
 * (`C:\run` does not exist before flannel's first start, and Users may create folders in `C:\`), would choose this
 * node's pod subnet. A missing file is left to readFlannelSubnets (flannel has no lease yet).
 */
async function trustFlannelFile(file: string): Promise<void> {
  if (trustedFlannelFiles.has(file) || !fs.existsSync(file)) return;
  try {
    await ensureTrustedFile(file);
  } catch (e) {
    if (!(e instanceof UnsafePathError)) throw e;
    throw new CniError(
      CNI_CODE.INVALID_CONFIG,
      `flannel subnet file ${file} is not safe: ${e.problems.join('; ')}; whoever can change it chooses this node's ` +
        `pod subnet. Fix it as an administrator: ${e.fix[0]}`,
      JSON.stringify({ problems: e.problems, fix: e.fix }),
    );
  }
  trustedFlannelFiles.add(file);
}

async function resolveSubnets(config: BuiltinIpamConfig, dataDir: string, refresh: boolean): Promise<NodeSubnets> {
  if (config.subnetFrom === 'flannel') {
    const file = config.subnetFile ?? defaultFlannelSubnetFile();
    await trustFlannelFile(file);
    const s = readFlannelSubnets(file);
    const v6 = config.subnet6 === undefined ? s.v6 : parseCidr(config.subnet6);
    return v6 ? { ...s, v6 } : s;
  }
  if (config.subnetFrom === 'node') {
    // Loaded lazily: only nodes configured this way pay for the Kubernetes client, and only on a cache miss.
    const { nodeSubnets } = await import('./sources/node.js');
    const nodeName = config.nodeName ?? defaultNodeName();
    return nodeSubnets({
      kubeconfig: config.kubeconfig ?? defaultKubeconfig(),
      nodeName,
      cacheFile: path.join(dataDir, `node-${nodeName}.json`),
      ttlSeconds: config.nodeCacheTtlSeconds ?? DEFAULT_NODE_CACHE_TTL_SECONDS,
      refresh,
    });
  }
  if (config.subnet === undefined) throw new CniError(CNI_CODE.INVALID_CONFIG, 'ipam: no subnet configured');
  const v4 = parseCidr(config.subnet)!;
  const v6 = config.subnet6 === undefined ? undefined : parseCidr(config.subnet6);
  return v6 ? { v4, v6, origin: 'config' } : { v4, origin: 'config' };
}

/** An address from the config, checked against a subnet that may only be known now (node, flannel). */
function addressIn(subnet: Cidr, key: string, text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  const a = parseAddress(text);
  if (!a || !cidrContains(subnet, a)) {
    throw new CniError(CNI_CODE.INVALID_CONFIG, `ipam.${key} ${text} is outside the node subnet ${formatCidr(subnet)}`);
  }
  return a.value;
}

function v4Rules(config: BuiltinIpamConfig, subnet: Cidr, modeHasHostEndpoint: boolean) {
  const hostEndpoint =
    config.hostEndpoint === false || !modeHasHostEndpoint
      ? undefined
      : (addressIn(subnet, 'hostEndpoint', config.hostEndpoint) ?? subnet.network + 2n);
  return {
    subnet,
    rangeStart: addressIn(subnet, 'rangeStart', config.rangeStart),
    rangeEnd: addressIn(subnet, 'rangeEnd', config.rangeEnd),
    gateway: addressIn(subnet, 'gateway', config.gateway) ?? subnet.network + 1n,
    hostEndpoint,
    reserved: config.reserved ?? [],
  };
}

function v6Rules(config: BuiltinIpamConfig, subnet: Cidr, modeHasHostEndpoint: boolean) {
  // The host endpoint's IPv6 address: the subnet's ::2, as .2 is the IPv4 one (`hostEndpoint: false` turns both off).
  const hostEndpoint = config.hostEndpoint === false || !modeHasHostEndpoint ? undefined : subnet.network + 2n;
  return {
    subnet,
    rangeStart: addressIn(subnet, 'rangeStart6', config.rangeStart6),
    rangeEnd: addressIn(subnet, 'rangeEnd6', config.rangeEnd6),
    gateway: addressIn(subnet, 'gateway6', config.gateway6) ?? subnet.network + 1n,
    hostEndpoint,
    reserved: config.reserved ?? [],
  };
}

function poolInfo(p: Pool): IpamPoolInfo {
  const info: IpamPoolInfo = {
    family: p.family,
    subnet: formatCidr(p.subnet),
    gateway: formatAddress(p.family, p.gateway),
    rangeStart: formatAddress(p.family, p.first),
    rangeEnd: formatAddress(p.family, p.first + BigInt(Math.max(p.size - 1, 0))),
    usable: p.usable,
  };
  if (p.hostEndpoint !== undefined) info.hostEndpoint = formatAddress(p.family, p.hostEndpoint);
  const first = nextFreeSlot(p, new Uint8Array(bitmapBytes(p.size)), -1);
  if (first !== undefined) info.firstAssignable = formatAddress(p.family, addressOf(p, first));
  return info;
}
