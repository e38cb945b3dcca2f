import { prefixLengthOf } from '../config/address.js';
import type { NetConf } from '../config/types.js';
import { sameGuid } from '../hns/guid.js';
import type { HostComputeEndpoint, HostComputeNetwork } from '../hns/types.js';
import { endpointDocument } from './endpoint.js';
import { networkGatewayFor, podGatewayFor } from './gateway.js';
import { HNS_CNI_UUID_NAMESPACE, networkIdFor, uuidV5 } from './identity.js';
import { macFromIPv4 } from './mac.js';
import { isDisruptiveToCreate, natNetworkDocument, podNetworkDocument, usableNetworkId } from './network.js';
import type { CreateNetworkStep, NetworkRole } from './types.js';

/** The pod subnet as the node knows it (the IPAM's pool, or a delegated IPAM's configured subnet). */
export interface PodSubnetFacts {
  subnet: string;
  /** The gateway the IPAM reports for the subnet, when it reports one. */
  gateway?: string;
}

export interface NodeNetworkView {
  podNetwork: HostComputeNetwork | null;
  /** Transparent mode only. */
  natNetwork?: HostComputeNetwork | null;
  /** The host endpoint with hns-cni's GUID for this network, if HNS has it. */
  ownHostEndpoint: HostComputeEndpoint | null;
  /** Endpoints named like the host endpoint but with another GUID (someone else's), on any network. */
  namesakes: HostComputeEndpoint[];
}

export type HostEndpointRole = 'bridge' | 'gateway';

export interface HostEndpointPlan {
  role: HostEndpointRole;
  id: string;
  name: string;
  address: string;
  /**
   * create: make it and attach it; keep: ours and right, (re)attach; replace: ours with another address; foreign:
   * another agent's, used as is; unavailable: the network reserves the gateway address (see the header).
   */
  action: 'create' | 'keep' | 'replace' | 'foreign' | 'unavailable';
  document: HostComputeEndpoint;
}

export interface NodeNetworkPlan {
  createNetworks: CreateNetworkStep[];
  podNetworkId: string;
  /** Created by hns-cni (its GUID is hns-cni's): then hns-cni also owns the network's routes and policies. */
  podNetworkOwned: boolean;
  hostEndpoint?: HostEndpointPlan;
  notes: string[];
}

export function hostEndpointRoleOf(mode: NetConf['mode']): HostEndpointRole | undefined {
  if (mode === 'l2bridge') return 'bridge';
  if (mode === 'transparent') return 'gateway';
  return undefined;
}

export function hostEndpointNameFor(network: string, role: HostEndpointRole): string {
  return role === 'bridge' ? `${network}_ep` : `${network}_gw`;
}

/** hns-cni's GUID for a network's host endpoint. Not endpointIdForName(name): GC must not take it for a pod's. */
export function hostEndpointIdFor(network: string): string {
  return uuidV5(HNS_CNI_UUID_NAMESPACE, `host-endpoint:${network}`);
}

/** A network hns-cni created: its GUID is the one hns-cni gives networks of that name. */
export function isOwnNetwork(network: HostComputeNetwork): boolean {
  return network.ID !== undefined && network.Name !== undefined && sameGuid(network.ID, networkIdFor(network.Name));
}

function resolve(
  role: NetworkRole,
  existing: HostComputeNetwork | null,
  desired: HostComputeNetwork,
  ignoreSubnet: boolean,
  steps: CreateNetworkStep[],
): string {
  const name = desired.Name!;
  if (existing === null) {
    const id = networkIdFor(name);
    steps.push({
      kind: 'createNetwork',
      role,
      name,
      id,
      document: desired,
      disruptive: isDisruptiveToCreate(desired.Type ?? 'NAT'),
    });
    return id;
  }
  return usableNetworkId(existing, desired, { ignoreSubnet });
}

const addressOf = (e: HostComputeEndpoint) => e.IpConfigurations?.[0]?.IpAddress;

/** SubnetFlags.DoNotReserveGatewayAddress (hcsshim hcn, schema 2.7). */
export const DO_NOT_RESERVE_GATEWAY = 1;

function withUnreservedGateway(doc: HostComputeNetwork): HostComputeNetwork {
  return {
    ...doc,
    Ipams: (doc.Ipams ?? []).map((ipam) => ({
      ...ipam,
      Subnets: (ipam.Subnets ?? []).map((subnet) => ({ ...subnet, Flags: DO_NOT_RESERVE_GATEWAY })),
    })),
  };
}

function reservesGateway(network: HostComputeNetwork): boolean {
  const subnets = (network.Ipams ?? []).flatMap((i) => i.Subnets ?? []);
  return subnets.some((s) => ((s.Flags ?? 0) & DO_NOT_RESERVE_GATEWAY) === 0);
}

export function planNodeNetworks(config: NetConf, facts: PodSubnetFacts, view: NodeNetworkView): NodeNetworkPlan {
  const notes: string[] = [];
  const createNetworks: CreateNetworkStep[] = [];
  const hint = facts.gateway === undefined ? {} : { gateway: facts.gateway };
  const networkGateway = networkGatewayFor(config, facts.subnet, hint);
  const podDocument = podNetworkDocument(config, [{ subnet: facts.subnet, gateway: networkGateway }]);
  const podNetworkId = resolve(
    'pod',
    view.podNetwork,
    config.mode === 'transparent' ? withUnreservedGateway(podDocument) : podDocument,
    false,
    createNetworks,
  );
  if (config.mode === 'transparent') {
    const auto = config.natNetwork.subnetSource === 'auto';
    resolve('nat', view.natNetwork ?? null, natNetworkDocument(config), auto, createNetworks);
  }
  for (const step of createNetworks) {
    if (step.disruptive)
      notes.push(`creating ${step.document.Type} network "${step.name}" now: the node blips briefly`);
  }
  const podNetworkOwned = view.podNetwork === null || isOwnNetwork(view.podNetwork);

  const role = hostEndpointRoleOf(config.mode);
  if (role === undefined) return { createNetworks, podNetworkId, podNetworkOwned, notes };
  const address =
    role === 'bridge' ? podGatewayFor(config, facts.subnet, hint) : networkGatewayFor(config, facts.subnet, hint);
  const name = hostEndpointNameFor(config.network, role);
  const id = hostEndpointIdFor(config.network);
  const document = endpointDocument({
    name,
    networkId: podNetworkId,
    mac: macFromIPv4(address),
    ips: [{ address, prefixLength: prefixLengthOf(facts.subnet) }],
    routes: [],
    policies: [],
  });
  let action: HostEndpointPlan['action'];
  const own = view.ownHostEndpoint;
  const namesake = view.namesakes.find((e) => !sameGuid(e.ID ?? '', id));
  if (role === 'gateway' && view.podNetwork !== null && reservesGateway(view.podNetwork)) {
    action = 'unavailable';
    notes.push(
      `network ${config.network} reserves its gateway ${address} (created without DoNotReserveGatewayAddress): ` +
        'the node cannot hold it through an HNS endpoint; give the node that address on the network another way',
    );
  } else if (own !== null) {
    const right = addressOf(own) === address && sameGuid(own.HostComputeNetwork ?? '', podNetworkId);
    action = right ? 'keep' : 'replace';
    if (!right) notes.push(`host endpoint ${name} has ${addressOf(own)}; replacing it with ${address}`);
  } else if (namesake !== undefined) {
    action = 'foreign';
    notes.push(
      `host endpoint ${name} (${namesake.ID}, ${addressOf(namesake) ?? 'no address'}) belongs to another agent: used as is`,
    );
  } else {
    action = 'create';
  }
  return {
    createNetworks,
    podNetworkId,
    podNetworkOwned,
    hostEndpoint: { role, id, name, address, action, document },
    notes,
  };
}
