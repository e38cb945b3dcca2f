// Performs planNodeNetworks for one configured network: creates what is missing (networks under ADD's own lock, so
// a pod starting at the same moment never makes a second one), the host endpoint with hns-cni's GUID, and attaches
// it to the host's default compartment (compartment 1, through HNSCall as SDN's Attach-HnsHostEndpoint). Re-running
// it changes nothing: every object has a derived identity and every call tolerates "already there".
import type { NetConf } from '../config/types.js';
import type { HcnClient } from '../hns/client.js';
import { isAlreadyAttached, isAlreadyExists, isHcnError, isNotFound } from '../hns/errors.js';
import type { HostComputeEndpoint, HostComputeNetwork } from '../hns/types.js';
import { log } from '../log/logger.js';
import {
  hostEndpointIdFor,
  hostEndpointNameFor,
  hostEndpointRoleOf,
  type NodeNetworkPlan,
  type PodSubnetFacts,
  planNodeNetworks,
} from '../plan/node-networks.js';
import { NetworkCache } from '../plugin/network-cache.js';
import { createNetworks } from '../plugin/networks.js';
import type { NodeRecord } from './record.js';
import { podSubnetFacts } from './subnet.js';

export interface PreparedNetwork {
  conf: NetConf;
  plan: NodeNetworkPlan;
  /** The pod network as HNS has it now. */
  network: HostComputeNetwork;
}

async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

function firstSubnet(network: HostComputeNetwork | null): PodSubnetFacts | undefined {
  const s = network?.Ipams?.flatMap((i) => i.Subnets ?? []).find((x) => x.IpAddressPrefix !== undefined);
  if (s === undefined) return undefined;
  const gateway = s.Routes?.find((r) => r.DestinationPrefix === '0.0.0.0/0')?.NextHop;
  return { subnet: s.IpAddressPrefix!, ...(gateway !== undefined && { gateway }) };
}

/** Attaches; false when HNS refuses an overlay host endpoint (UNCONFIRMED behaviour, simulator `overlayHostAttach`). */
async function attachToHost(hcn: HcnClient, id: string, overlay: boolean): Promise<boolean> {
  try {
    await hcn.attachEndpointToHost(id);
  } catch (error) {
    if (isAlreadyAttached(error)) return true;
    if (!overlay || !isHcnError(error)) throw error;
    log.warn('node: HNS refused to attach the overlay host endpoint to the host; kept unattached', {
      endpoint: id,
      error: (error as Error).message,
    });
    return false;
  }
  return true;
}

export async function prepareNetwork(
  hcn: HcnClient,
  dataDir: string,
  conf: NetConf,
  record: NodeRecord,
  save: () => void,
): Promise<PreparedNetwork> {
  const [podNetwork = null] = await hcn.listNetworks({ Name: conf.network });
  const natNetwork =
    conf.mode === 'transparent' ? ((await hcn.listNetworks({ Name: conf.natNetwork.name }))[0] ?? null) : null;
  const facts = (await podSubnetFacts(conf)) ?? firstSubnet(podNetwork);
  if (facts === undefined) {
    throw new Error(
      `network "${conf.network}": no pod subnet is known (configure ipam with the node's subnet, or create the network)`,
    );
  }
  const role = hostEndpointRoleOf(conf);
  let ownHostEndpoint: HostComputeEndpoint | null = null;
  let namesakes: HostComputeEndpoint[] = [];
  if (role !== undefined) {
    ownHostEndpoint = await orNull(hcn.getEndpoint(hostEndpointIdFor(conf.network)));
    namesakes = await hcn.listEndpoints({ Name: hostEndpointNameFor(conf.network, role) });
  }
  let plan = planNodeNetworks(conf, facts, { podNetwork, natNetwork, ownHostEndpoint, namesakes });
  for (const note of plan.notes) log.info(`node: ${note}`);

  if (plan.createNetworks.length > 0) {
    for (const step of plan.createNetworks) {
      if (!record.networks.some((n) => n.name === step.name)) record.networks.push({ name: step.name, id: step.id });
    }
    save();
    await createNetworks({ conf, hcn, cache: new NetworkCache(dataDir), dataDir }, plan.createNetworks);
    if (role === 'overlay') {
      // The overlay host endpoint's ProviderAddress is the one HNS gave the network it just made: plan it again.
      const created = await hcn.getNetwork(plan.podNetworkId);
      const again = planNodeNetworks(conf, facts, { podNetwork: created, natNetwork, ownHostEndpoint, namesakes });
      for (const note of again.notes.filter((n) => !plan.notes.includes(n))) log.info(`node: ${note}`);
      plan = {
        ...again,
        createNetworks: plan.createNetworks,
        notes: [...new Set([...plan.notes, ...again.notes])],
      };
    }
  }

  const ep = plan.hostEndpoint;
  if (ep !== undefined && ep.action !== 'foreign' && ep.action !== 'unavailable') {
    if (!record.hostEndpoints.some((h) => h.id === ep.id)) {
      record.hostEndpoints.push({ network: conf.network, id: ep.id, name: ep.name, address: ep.address });
      save();
    }
    if (ep.action === 'replace') {
      await hcn.detachEndpointFromHost(ep.id).catch(() => {});
      await orNull(hcn.deleteEndpoint(ep.id));
    }
    if (ep.action === 'create' || ep.action === 'replace') {
      try {
        await hcn.createEndpoint(plan.podNetworkId, ep.document, { id: ep.id, query: false });
        log.info('node: host endpoint created', { name: ep.name, address: ep.address, network: conf.network });
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
    }
    if (!(await attachToHost(hcn, ep.id, ep.role === 'overlay'))) {
      plan.notes.push(
        `host endpoint ${ep.name}: HNS refused to attach it to the host; kept unattached (kube-proxy can still use ` +
          'it as its source VIP, the node reaches pods through the provider address)',
      );
    }
    const recorded = record.hostEndpoints.find((h) => h.id === ep.id)!;
    if (recorded.address !== ep.address) {
      recorded.address = ep.address;
      save();
    }
  }
  const network = await hcn.getNetwork(plan.podNetworkId);
  return { conf, plan, network };
}
