// planAdd: (config, request, IPAM allocation, HNS view) → the ordered HCN operations of an ADD and the result to
// return. Every rule about which HNS objects a pod needs lives here or in the modules it composes; the executor
// only performs the steps. Pure and deterministic: the same input always gives the same plan.

import { CNI_CODE, CniError } from '../cni/errors.js';
import { familyOf } from '../config/address.js';
import type { NetConf } from '../config/types.js';
import type { EndpointPolicy, HostComputeNetwork, ModifyNamespaceRequest } from '../hns/types.js';
import { podDns, toHcnDns } from './dns.js';
import {
  DEFAULT_ROUTE,
  defaultGatewayRoutes,
  endpointDocument,
  nonDefaultRoutes,
  routesDroppedError,
  transparentPodRoutes,
} from './endpoint.js';
import { formatHnsVersion, hnsSupports } from './features.js';
import { applyHostNetworkRules, isHostNetworkPod } from './host-network.js';
import { endpointIdFor, endpointNameFor, networkIdFor } from './identity.js';
import { macFromAddress, macFromGuid } from './mac.js';
import {
  type CompatibilityOptions,
  isDisruptiveToCreate,
  natNetworkDocument,
  podNetworkDocument,
  providerAddressOf,
  usableNetworkId,
} from './network.js';
import { networkSubnetOf, podFamilies } from './pod-addresses.js';
import { podEndpointPolicies, withPortMappingExtras } from './policies.js';
import { portMappingPolicies, readPortMappings } from './ports.js';
import { buildResult, natIfNameFor } from './result.js';
import type { AddPlan, AddPlanInput, AddStep, NetworkRole, PlannedEndpoint } from './types.js';

/** The HNS version is one more HCN call; loopback DSR needs it on every ADD (native configs: l2bridge, overlay). */
export function planNeedsHnsVersion(config: NetConf): boolean {
  return config.loopbackDSR;
}

export function planAdd(input: AddPlanInput): AddPlan {
  const { config, request, allocation, hns } = input;
  const notes: string[] = [];
  const steps: AddStep[] = [];

  const mappings = readPortMappings(config.runtimeConfig.portMappings);
  const podDnsPlan = podDns(config, config.runtimeConfig.dns, request.podNamespace);
  let dns = podDnsPlan.dns;
  notes.push(...podDnsPlan.notes);
  const facts = input.hostNetwork;
  if (isHostNetworkPod(config.runtimeConfig) || facts?.apiSaysHostNetwork === true) {
    const decision = applyHostNetworkRules(config.hostNetwork, mappings, dns, facts);
    dns = decision.dns;
    notes.push(...decision.notes);
  }

  // ---- the pod network ----
  requireOwnedOrExisting(config, hns.podNetwork);
  if (config.mode === 'transparent' && allocation === undefined) {
    throw new CniError(CNI_CODE.INVALID_CONFIG, 'transparent mode needs the pod IP from the IPAM (configure "ipam")');
  }
  const families = podFamilies({
    config,
    ...(allocation !== undefined && { allocation }),
    podNetwork: hns.podNetwork,
    ...(hns.hnsVersion !== undefined && { hnsVersion: hns.hnsVersion }),
    notes,
  });
  const podGateway = families.gateway;
  // The version is known here when the network is about to be created (networks.ts readHnsView).
  const creating = hns.podNetwork === null ? hns.hnsVersion : undefined;
  const desiredPodNetwork = podNetworkDocument(config, families.subnets, creating);
  const podNetworkId = resolvePodNetwork(config, hns.podNetwork, desiredPodNetwork, steps, notes);

  // ---- transparent mode's NAT network ----
  let nat: { id: string; gateway: string } | undefined;
  if (config.mode === 'transparent') {
    const existing = hns.natNetwork ?? null;
    const natAuto = config.natNetwork.subnetSource === 'auto';
    const id = resolveNetwork('nat', existing, natNetworkDocument(config), { ignoreSubnet: natAuto }, steps, notes);
    const gateway = networkSubnetOf(existing, 4)?.gateway ?? config.natNetwork.gateway;
    nat = { id, gateway };
  }

  // ---- endpoints ----
  const podIp = families.ips[0]?.address;
  const podName = endpointNameFor(request.containerId, config.network, request.ifName);
  const podId = endpointIdFor(request.containerId, config.network, request.ifName);
  const pod: PlannedEndpoint = {
    role: 'pod',
    name: podName,
    id: podId,
    networkName: config.network,
    networkId: podNetworkId,
    mac: podIp === undefined ? macFromGuid(podId) : macFromAddress(podIp, config.macPrefix),
    ifName: request.ifName,
    ...(allocation !== undefined && { address: allocation.address }),
    gateway: podGateway,
    ...(allocation?.ipv6 !== undefined && { address6: allocation.ipv6.address }),
    ...(families.gateway6 !== undefined && { gateway6: families.gateway6 }),
  };
  const hostPorts = portMappingPolicies(mappings);
  const hcnDns = toHcnDns(dns);

  const podIpv4 = podIp !== undefined && familyOf(podIp) === 4 ? podIp : undefined;
  const dsrDestination = loopbackDsrDestination(config, podIpv4, allocation !== undefined, hns.hnsVersion, notes);
  // HNS's own provider address first (win-overlay's ManagementIP rule); `nodeIP` when the network reports none.
  const providerAddress = providerAddressOf(hns.podNetwork) ?? config.nodeIP;
  if (
    config.mode === 'overlay' &&
    config.policyLayout === 'generated' &&
    providerAddress === undefined &&
    hns.podNetwork !== null
  ) {
    notes.push(`no provider address: network "${config.network}" reports none and "nodeIP" is not set`);
  }
  const podPolicies: EndpointPolicy[] = podEndpointPolicies({
    config,
    hostPorts,
    ipv6: families.ipv6,
    podNetwork: hns.podNetwork,
    ...(dsrDestination && { dsrDestination }),
    ...(providerAddress !== undefined && { providerAddress }),
  });
  const primary6 = podIp !== undefined && familyOf(podIp) === 6;
  const podRoutes =
    config.mode === 'transparent'
      ? transparentPodRoutes(config, podGateway)
      : primary6
        ? defaultGatewayRoutes(config, undefined, podGateway)
        : defaultGatewayRoutes(config, podGateway, families.gateway6);
  if (hns.podNetworkDropsRoutes && nonDefaultRoutes(podRoutes).length > 0) {
    throw routesDroppedError(config.network, nonDefaultRoutes(podRoutes));
  }
  const endpoints: PlannedEndpoint[] = [pod];
  steps.push({
    kind: 'createEndpoint',
    role: 'pod',
    name: podName,
    id: podId,
    networkId: podNetworkId,
    document: endpointDocument({
      name: podName,
      networkId: podNetworkId,
      mac: pod.mac,
      ips: families.ips,
      routes: podRoutes,
      policies: podPolicies,
      dns: hcnDns,
    }),
  });

  if (nat !== undefined) {
    const name = endpointNameFor(request.containerId, config.natNetwork.name, request.ifName);
    const id = endpointIdFor(request.containerId, config.natNetwork.name, request.ifName);
    const natEndpoint: PlannedEndpoint = {
      role: 'nat',
      name,
      id,
      networkName: config.natNetwork.name,
      networkId: nat.id,
      mac: macFromGuid(id),
      ifName: natIfNameFor(request.ifName),
      gateway: nat.gateway,
    };
    endpoints.push(natEndpoint);
    steps.push({
      kind: 'createEndpoint',
      role: 'nat',
      name,
      id,
      networkId: nat.id,
      document: endpointDocument({
        name,
        networkId: nat.id,
        mac: natEndpoint.mac,
        ips: [],
        routes: [{ NextHop: nat.gateway, DestinationPrefix: DEFAULT_ROUTE }],
        policies: withPortMappingExtras(config, hostPorts),
      }),
    });
  }

  steps.push({
    kind: 'attachEndpoints',
    namespaceId: request.netns,
    requests: endpoints.map((e) => attachRequest(e.id, 'Add')),
  });

  return {
    mode: config.mode,
    steps,
    endpoints,
    result: buildResult({ config, netns: request.netns, endpoints, dns }),
    podAddressFromHns: allocation === undefined,
    notes,
  };
}

/** E13: attach (Add) or detach (Remove) one endpoint to/from a namespace. */
export function attachRequest(endpointId: string, requestType: 'Add' | 'Remove'): ModifyNamespaceRequest {
  return { ResourceType: 'Endpoint', RequestType: requestType, Settings: { EndpointId: endpointId } };
}

/** A network another component owns is never created: until it exists, ADD is "try again later" (code 11). */
function requireOwnedOrExisting(config: NetConf, existing: HostComputeNetwork | null): void {
  if (existing !== null || config.networkOwner !== 'external') return;
  const rule = config.family === 'hns-cni' ? '"networkOwner": "external"' : `${config.family}'s rule`;
  const guessed =
    config.familySource === 'shape'
      ? `; this config was read with ${config.family}'s rules because ${config.familyReason}: if it was written for another plugin, set "type" to that plugin's name`
      : '';
  throw new CniError(
    CNI_CODE.TRY_AGAIN_LATER,
    `HNS network "${config.network}" does not exist yet: another component creates it (flanneld, or the node's ` +
      `setup) and hns-cni never creates it for this config (${rule}); try again later${guessed}`,
    JSON.stringify({ network: config.network, owner: 'external' }),
  );
}

/**
 * The pod network: adopted as is when another component owns it or the config came from an anchor (which never
 * checks a network's subnet), refused only for a type the config cannot use; a missing network that another
 * component owns is "try again later" (flanneld may be restarting), never created under that name.
 */
function resolvePodNetwork(
  config: NetConf,
  existing: HostComputeNetwork | null,
  desired: HostComputeNetwork,
  steps: AddStep[],
  notes: string[],
): string {
  requireOwnedOrExisting(config, existing);
  const adopt = config.networkOwner === 'external' || config.family !== 'hns-cni';
  return resolveNetwork(
    'pod',
    existing,
    desired,
    { ignoreSubnet: adopt, types: config.acceptedNetworkTypes },
    steps,
    notes,
  );
}

/**
 * Uses the existing network when compatible (its own ID), plans its creation (with hns-cni's GUID) when missing,
 * and refuses an incompatible one: hns-cni never recreates a network (pods on it would lose their endpoints).
 */
function resolveNetwork(
  role: NetworkRole,
  existing: HostComputeNetwork | null,
  desired: HostComputeNetwork,
  compatibility: CompatibilityOptions,
  steps: AddStep[],
  notes: string[],
): string {
  const name = desired.Name!;
  if (existing !== null) {
    return usableNetworkId(existing, desired, compatibility);
  }
  const id = networkIdFor(name);
  const disruptive = isDisruptiveToCreate(desired.Type ?? 'NAT');
  steps.push({ kind: 'createNetwork', role, name, id, document: desired, disruptive });
  if (disruptive) {
    notes.push(`creating ${desired.Type} network "${name}" binds an external vSwitch: node connectivity blips briefly`);
  }
  return id;
}

function loopbackDsrDestination(
  config: NetConf,
  podIp: string | undefined,
  fromIpam: boolean,
  version: AddPlanInput['hns']['hnsVersion'],
  notes: string[],
): string | undefined {
  if (!config.loopbackDSR) return undefined;
  if (!fromIpam) {
    notes.push('loopbackDSR skipped: the pod IP is assigned by HNS, unknown when the endpoint is created');
    return undefined;
  }
  if (podIp === undefined) {
    notes.push('loopbackDSR skipped: the pod has no IPv4 address (DSR applies to IPv4)');
    return undefined;
  }
  if (version === undefined) {
    notes.push('loopbackDSR skipped: HNS version unknown');
    return undefined;
  }
  if (!hnsSupports(version, 'DSR')) {
    notes.push(`loopbackDSR skipped: HNS ${formatHnsVersion(version)} does not support DSR (needs 9.3-9.x or 10.2+)`);
    return undefined;
  }
  return podIp;
}
