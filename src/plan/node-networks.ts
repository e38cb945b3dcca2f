import { nthAddress, prefixLengthOf } from '../config/address.js';
import type { NetConf } from '../config/types.js';
import { sameGuid } from '../hns/guid.js';
import type { EndpointPolicy, HostComputeEndpoint, HostComputeNetwork } from '../hns/types.js';
import { isDelegatedIpam } from '../ipam/config.js';
import { endpointDocument } from './endpoint.js';
import { networkGatewayFor, podGatewayFor } from './gateway.js';
import { HNS_CNI_UUID_NAMESPACE, networkIdFor, uuidV5 } from './identity.js';
import { macFromIPv4 } from './mac.js';
import {
  isDisruptiveToCreate,
  natNetworkDocument,
  podNetworkDocument,
  providerAddressOf,
  usableNetworkId,
} from './network.js';
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

/**
 * bridge (l2bridge): the pods' gateway .2, as flannel host-gw's cbr0_ep. gateway (transparent): the network gateway
 * .1. overlay: the `sourceVip` slot (.2), see overlayHostEndpointAddress.
 */
export type HostEndpointRole = 'bridge' | 'gateway' | 'overlay';

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

export function hostEndpointRoleOf(config: Pick<NetConf, 'mode' | 'sourceVip' | 'ipam'>): HostEndpointRole | undefined {
  if (config.mode === 'l2bridge') return 'bridge';
  if (config.mode === 'transparent') return 'gateway';
  // `sourceVip: false` (or the built-in IPAM's `hostEndpoint: false`) gives the slot to the pods: no host endpoint.
  const ipam = config.ipam;
  const slotFreed =
    config.sourceVip === false || (ipam !== undefined && !isDelegatedIpam(ipam) && ipam.hostEndpoint === false);
  if (config.mode === 'overlay' && !slotFreed) return 'overlay';
  return undefined;
}

export function hostEndpointNameFor(network: string, role: HostEndpointRole): string {
  return role === 'gateway' ? `${network}_gw` : `${network}_ep`;
}

/**
 * Overlay: the subnet's .1 is HNS's distributed router (the pods' gateway, reserved by the network), so the host
 * endpoint takes the address the IPAM already keeps out of the pool for kube-proxy's source VIP (`sourceVip`,
 * default .2). That is what the real world puts there: kube-proxy's winkernel proxier, on an Overlay network, looks
 * up an endpoint with the source VIP's address and creates one (newSourceVIP: that IP, the host's MAC,
 * ProviderAddress = the node IP) only when there is none (kubernetes pkg/proxy/winkernel/proxier.go syncProxyRules),
 * so it re-uses this one rather than making a second. Attached to the host's default compartment as microsoft/SDN's
 * Attach-HnsHostEndpoint does (hns.psm1: SystemType Host, CompartmentId), like the l2bridge one.
 */
export function overlayHostEndpointAddress(config: NetConf, podSubnet: string): string {
  if (typeof config.sourceVip === 'string') return config.sourceVip;
  const ipam = config.ipam;
  if (ipam !== undefined && !isDelegatedIpam(ipam) && typeof ipam.hostEndpoint === 'string') return ipam.hostEndpoint;
  return nthAddress(podSubnet, 2);
}

/** Overlay: the endpoint's ProviderAddress policy, as win-overlay gives every endpoint (the network's ManagementIP). */
function providerAddressPolicies(config: NetConf, network: HostComputeNetwork | null): EndpointPolicy[] {
  const pa = providerAddressOf(network) ?? config.nodeIP;
  return pa === undefined ? [] : [{ Type: 'ProviderAddress', Settings: { ProviderAddress: pa } }];
}

const providerAddressOfEndpoint = (e: HostComputeEndpoint) =>
  (e.Policies ?? [])
    .filter((p) => p.Type.toLowerCase() === 'provideraddress')
    .map((p) => (p.Settings as { ProviderAddress?: string } | undefined)?.ProviderAddress)[0];

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

  const role = hostEndpointRoleOf(config);
  if (role === undefined) return { createNetworks, podNetworkId, podNetworkOwned, notes };
  // Overlay: the slot is free only where hns-cni's own IPAM keeps it out of the pool. On another agent's network
  // (flanneld's: its host-local hands out .2 first) or with an IPAM plugin, a pod may hold it: no host endpoint.
  const ipam = config.ipam;
  if (role === 'overlay' && (!podNetworkOwned || ipam === undefined || isDelegatedIpam(ipam))) {
    notes.push(
      `no host endpoint on overlay network ${config.network}: ` +
        (podNetworkOwned ? 'its addresses come from an IPAM plugin' : 'another agent created it') +
        ', so the source VIP slot may be a pod address',
    );
    return { createNetworks, podNetworkId, podNetworkOwned, notes };
  }
  const address =
    role === 'bridge'
      ? podGatewayFor(config, facts.subnet, hint)
      : role === 'overlay'
        ? overlayHostEndpointAddress(config, facts.subnet)
        : networkGatewayFor(config, facts.subnet, hint);
  const name = hostEndpointNameFor(config.network, role);
  const id = hostEndpointIdFor(config.network);
  // Overlay: the provider address is HNS's, known once the network exists (prepare plans again after creating it).
  const policies = role === 'overlay' ? providerAddressPolicies(config, view.podNetwork) : [];
  if (role === 'overlay' && policies.length === 0 && view.podNetwork !== null) {
    notes.push(`host endpoint ${name}: network ${config.network} reports no provider address and "nodeIP" is not set`);
  }
  const document = endpointDocument({
    name,
    networkId: podNetworkId,
    mac: role === 'overlay' ? macFromIPv4(address, config.macPrefix) : macFromIPv4(address),
    ips: [{ address, prefixLength: prefixLengthOf(facts.subnet) }],
    routes: [],
    policies,
  });
  const wantedPa = policies.length > 0 ? providerAddressOfEndpoint(document) : undefined;
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
    const paRight = wantedPa === undefined || providerAddressOfEndpoint(own) === wantedPa;
    const right = addressOf(own) === address && sameGuid(own.HostComputeNetwork ?? '', podNetworkId) && paRight;
    action = right ? 'keep' : 'replace';
    if (!right) {
      const had = paRight ? addressOf(own) : `provider address ${providerAddressOfEndpoint(own) ?? 'none'}`;
      notes.push(`host endpoint ${name} has ${had}; replacing it with ${paRight ? address : wantedPa}`);
    }
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
