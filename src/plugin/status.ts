// STATUS (CNI 1.1): could an ADD succeed now? containerd polls it for NetworkReady, so it is cheap (one HCN call,
// plus a query the first time the network is seen) and read-only.
//   50 unavailable: HNS unreachable, the pod network incompatible with the config, missing while another
//                   component owns it (networkOwner external, the anchors' flanneld networks), or the pool exhausted.
//   51 degraded:    the pod network is gone while pods still hold addresses (their connectivity is lost).
//   0 otherwise — including a nearly full pool and a missing network that the next ADD creates.
import { CNI_CODE, CniError } from '../cni/errors.js';
import { isRetryable } from '../hns/errors.js';
import { sameGuid } from '../hns/guid.js';
import type { HostComputeNetwork } from '../hns/types.js';
import type { PoolUsage } from '../ipam/ipam.js';
import { log } from '../log/logger.js';
import { networkGatewayFor } from '../plan/gateway.js';
import { networkCompatibility, podNetworkDocument } from '../plan/network.js';
import type { VerbContext } from './context.js';

export async function status(ctx: VerbContext): Promise<void> {
  const { conf, hcn } = ctx;
  let ids: string[];
  try {
    ids = await hcn.enumerateNetworks({ Name: conf.network });
  } catch (error) {
    const why = isRetryable(error) ? 'HNS is unreachable' : 'HNS refused to list networks';
    throw new CniError(CNI_CODE.PLUGIN_UNAVAILABLE, `${why}: ${(error as Error).message}`);
  }
  await ctx.addressing.forward?.('STATUS');

  let usage: PoolUsage | undefined;
  let pools: PoolUsage[] = [];
  if (ctx.addressing.builtin) {
    const ipam = await ctx.addressing.builtin();
    pools = await ipam.status();
    usage = pools[0];
    if (usage && usage.held >= usage.usable) {
      throw new CniError(
        CNI_CODE.PLUGIN_UNAVAILABLE,
        `no free pod address: ${usage.held} of ${usage.usable} addresses of ${usage.subnet} are held`,
      );
    }
  }
  const [id] = ids;
  if (id === undefined && conf.networkOwner === 'external') {
    // ADD would answer 11 until the owner (flanneld, the node's setup) creates it: the network is not ready yet.
    throw new CniError(
      CNI_CODE.PLUGIN_UNAVAILABLE,
      `HNS network "${conf.network}" does not exist yet: another component creates it, hns-cni does not`,
    );
  }
  if (id === undefined) {
    if (usage && usage.held > 0) {
      throw new CniError(
        CNI_CODE.PLUGIN_DEGRADED,
        `HNS network "${conf.network}" is gone while ${usage.held} pod(s) hold addresses in ${usage.subnet}`,
      );
    }
    log.debug('STATUS: the pod network does not exist yet; the first ADD creates it');
    return;
  }
  if (usage === undefined) return;
  const network = await knownNetwork(ctx, id);
  const subnets = pools.map((p) => ({ subnet: p.subnet, gateway: networkGatewayFor(conf, p.subnet) }));
  const desired = podNetworkDocument(conf, subnets);
  const adopted = conf.networkOwner === 'external' || conf.family !== 'hns-cni';
  const differences = networkCompatibility(network, desired, {
    ignoreSubnet: adopted,
    types: conf.acceptedNetworkTypes,
  });
  if (differences.length > 0) {
    throw new CniError(
      CNI_CODE.PLUGIN_UNAVAILABLE,
      `HNS network "${conf.network}" cannot be used: ${differences.join('; ')}`,
      JSON.stringify(differences),
    );
  }
}

/** The cached document when it is of this very network (same GUID), else one query, remembered. */
async function knownNetwork(ctx: VerbContext, id: string): Promise<HostComputeNetwork> {
  const cached = ctx.cache.get(ctx.conf.network);
  if (cached !== undefined && sameGuid(cached.ID, id)) return cached;
  const network = await ctx.hcn.getNetwork(id);
  ctx.cache.set(ctx.conf.network, network);
  return network;
}
