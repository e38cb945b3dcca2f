// The HNS networks a pod needs, found cheaply and created at most once.
// Lookup: the on-disk cache (0 calls; the endpoint create's HcnOpenNetwork validates the ID), else by name
// (enumerate + open/query: 3 calls). Creation: under a cross-process lock per network, re-checked by name inside
// the lock, tolerating the race with another node agent (HCN_E_NETWORK_ALREADY_EXISTS → read it back).
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { DUAL_STACK_MODES } from '../config/schema.js';
import type { NetConf } from '../config/types.js';
import type { HcnClient } from '../hns/client.js';
import { isAlreadyExists } from '../hns/errors.js';
import type { HnsVersion, HostComputeNetwork } from '../hns/types.js';
import { log } from '../log/logger.js';
import { planNeedsHnsVersion } from '../plan/add.js';
import { adapterInUse, isDisruptiveToCreate, withAdapter } from '../plan/network.js';
import type { CreateNetworkStep, HnsView, PodAddress } from '../plan/types.js';
import { withFileLock } from '../store/lock.js';
import type { NetworkCache } from './network-cache.js';

export interface NetworkContext {
  conf: NetConf;
  hcn: HcnClient;
  cache: NetworkCache;
  dataDir: string;
}

/** The networks this config's mode uses, pod network first. */
export function networkNamesOf(conf: NetConf): string[] {
  return conf.mode === 'transparent' ? [conf.network, conf.natNetwork.name] : [conf.network];
}

async function findByName(ctx: NetworkContext, name: string, useCache: boolean): Promise<HostComputeNetwork | null> {
  if (useCache) {
    const cached = ctx.cache.get(name);
    if (cached !== undefined) return cached;
  }
  const [found] = await ctx.hcn.listNetworks({ Name: name });
  if (found === undefined) {
    ctx.cache.forget(name);
    return null;
  }
  ctx.cache.set(name, found);
  return found;
}

/**
 * What the planner needs to know about HNS. `fresh` bypasses the cache (after a stale ID was detected). The pod's
 * address (or, when HNS assigns it, the network's subnets) says whether the IPv6DualStack gate matters; the HNS
 * version for it, and for creating an Overlay network, comes from the cache, else one query that is remembered.
 */
export async function readHnsView(ctx: NetworkContext, fresh = false, address?: PodAddress): Promise<HnsView> {
  const view: HnsView = { podNetwork: await findByName(ctx, ctx.conf.network, !fresh) };
  if (ctx.conf.mode === 'transparent') view.natNetwork = await findByName(ctx, ctx.conf.natNetwork.name, !fresh);
  if (view.podNetwork?.ID !== undefined && ctx.cache.routeSupport(view.podNetwork.ID) === 'dropped') {
    view.podNetworkDropsRoutes = true;
  }
  const ipv6 =
    address !== undefined
      ? address.ipv6 !== undefined || address.address.includes(':')
      : (view.podNetwork?.Ipams ?? []).some((i) => (i.Subnets ?? []).some((s) => s.IpAddressPrefix?.includes(':')));
  const creatingOverlay = view.podNetwork === null && ctx.conf.mode === 'overlay';
  const dualStackGate = ipv6 && DUAL_STACK_MODES.includes(ctx.conf.mode);
  if (dualStackGate || creatingOverlay || planNeedsHnsVersion(ctx.conf)) {
    // Like win-bridge (hcn.DSRSupported() failing means "no DSR"): a version HNS will not tell is an unknown
    // version, and the plan skips loopback DSR with a note instead of failing the pod (issue 10 F9).
    const version = await rememberedHnsVersion(ctx);
    if (version !== undefined) view.hnsVersion = version;
  }
  return view;
}

/**
 * The HNS version read once per boot (network-cache.ts: it changes only with the OS), else one query, remembered;
 * undefined when HNS will not tell (the plan notes it).
 */
async function rememberedHnsVersion(ctx: NetworkContext): Promise<HnsVersion | undefined> {
  const cached = ctx.cache.hnsVersion();
  if (cached !== undefined) return cached;
  try {
    const version = await ctx.hcn.hnsVersion();
    ctx.cache.setHnsVersion(version);
    return version;
  } catch (error) {
    log.warn('HNS version query failed', { error: (error as Error).message });
    return undefined;
  }
}

export function forgetNetworks(ctx: NetworkContext): void {
  for (const name of networkNamesOf(ctx.conf)) ctx.cache.forget(name);
}

/**
 * Performs the plan's createNetwork steps. Inside the lock the name is looked up again: a concurrent first pod may
 * have created it meanwhile. Never recreates or deletes an existing network.
 */
export async function createNetworks(ctx: NetworkContext, steps: CreateNetworkStep[]): Promise<void> {
  for (const step of steps) {
    const lockTarget = path.join(ctx.dataDir, 'locks', networkLockName(step.name));
    await withFileLock(lockTarget, async () => {
      if ((await findByName(ctx, step.name, false)) !== null) return;
      if (step.disruptive) {
        log.warn(
          `creating ${step.document.Type} network "${step.name}": the node's connectivity blips while HNS binds the external vSwitch`,
        );
      } else {
        log.info(`creating ${step.document.Type ?? 'NAT'} network "${step.name}"`);
      }
      const document = await withHostAdapter(ctx, step.document);
      try {
        const created = await ctx.hcn.createNetwork(document, { id: step.id });
        ctx.cache.set(step.name, created);
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        log.info(`network "${step.name}" was created concurrently; using it`);
        await findByName(ctx, step.name, false);
      }
    });
  }
}

/**
 * The lock file of a network's creation: `network-<name in hex>`, or for a name whose hex would not fit a file name
 * (over 100 bytes of UTF-8), `network-sha256-<digest>`. Short names keep the form earlier versions used, so an
 * upgrade in the middle of a creation still serialises with them.
 */
export function networkLockName(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length <= 100) return `network-${bytes.toString('hex')}`;
  return `network-sha256-${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * An external-switch network the config gives no adapter binds the adapter the node's other external-switch
 * networks use, rather than whichever HNS picks (issue 10 F8). Costs a listing, only when a network is created.
 */
async function withHostAdapter(ctx: NetworkContext, document: HostComputeNetwork): Promise<HostComputeNetwork> {
  if (ctx.conf.adapter !== undefined || !isDisruptiveToCreate(document.Type ?? 'NAT')) return document;
  const adapter = adapterInUse(await ctx.hcn.listNetworks({}));
  if (adapter === undefined) return document;
  log.info(`network "${document.Name}" binds adapter "${adapter}", which the node's external networks use`);
  return withAdapter(document, adapter);
}
