// HCN network documents per mode, and the comparison that decides whether an existing network can be used.
//
// Overlay (VXLAN, flannel's vxlan backend and hcsshim's CreateTestOverlayNetwork, E2): every subnet carries the VSID
// policy with the VNI; the network carries the VxlanPort policy (HNS ≥ 10.3: on older builds the port is 4789 and
// cannot be set) and, when configured, the DrMacAddress (HNS assigns one otherwise; flannel reads it back). HNS adds
// the provider address. Remote subnets are the node agent's (RemoteSubnetRoute policies, plan/node-routes.ts).
// A dual-stack network has one subnet per family, each with its gateway as the default route's next hop.
import { CNI_CODE, CniError } from '../cni/errors.js';
import { defaultDestination, familyOf, subnetCovers } from '../config/address.js';
import { DEFAULT_VXLAN_PORT, MODE_NETWORK_TYPES } from '../config/schema.js';
import type { NetConf, NetworkMode } from '../config/types.js';
import { normalizeGuid } from '../hns/guid.js';
import {
  type DrMacAddressPolicy,
  type HnsVersion,
  type HostComputeNetwork,
  type NetAdapterNamePolicy,
  type NetworkPolicy,
  type NetworkType,
  networkType,
  SCHEMA_V2,
  type Subnet,
  type VxlanPortPolicy,
} from '../hns/types.js';
import { formatHnsVersion, hnsSupports } from './features.js';

export const POD_NETWORK_TYPES: Readonly<Record<NetworkMode, NetworkType>> = MODE_NETWORK_TYPES;

/** Network types that bind an external vSwitch to a physical adapter (creating one blips the node's network). */
const EXTERNAL_SWITCH_TYPES: ReadonlySet<NetworkType> = new Set(['Transparent', 'L2Bridge', 'L2Tunnel', 'Overlay']);

export function isDisruptiveToCreate(type: NetworkType): boolean {
  return EXTERNAL_SWITCH_TYPES.has(type);
}

/** One static subnet of a network and its gateway (the NextHop of its default route). */
export interface SubnetSpec {
  subnet: string;
  gateway: string;
}

/** Static subnets whose default route names the gateway (hcsshim requires that route), one per family. */
function staticNetwork(
  name: string,
  type: NetworkType,
  subnets: readonly SubnetSpec[],
  policies: NetworkPolicy[],
  subnetPolicies: Subnet['Policies'] = [],
) {
  const doc: HostComputeNetwork = { Name: name, Type: type };
  if (policies.length > 0) doc.Policies = policies;
  doc.Ipams = [
    {
      Type: 'Static',
      Subnets: subnets.map((s) => ({
        IpAddressPrefix: s.subnet,
        ...(subnetPolicies.length > 0 && { Policies: subnetPolicies.map((p) => ({ ...p })) }),
        Routes: [{ NextHop: s.gateway, DestinationPrefix: defaultDestination(familyOf(s.subnet) ?? 4) }],
      })),
    },
  ];
  doc.SchemaVersion = { ...SCHEMA_V2 };
  return doc;
}

/**
 * The pod network (`config.network`). `subnets` are the pod subnets (nat mode without IPAM: the NAT subnet), IPv4
 * first, with their gateways (gateway.ts networkGatewayFor). The adapter only applies to external-switch types.
 * `hnsVersion`: known when an Overlay network is about to be created (the VxlanPort policy needs HNS ≥ 10.3).
 */
export function podNetworkDocument(
  config: NetConf,
  subnets: readonly SubnetSpec[],
  hnsVersion?: HnsVersion,
): HostComputeNetwork {
  const type = POD_NETWORK_TYPES[config.mode];
  const policies: NetworkPolicy[] = [];
  if (isDisruptiveToCreate(type) && config.adapter !== undefined) {
    const adapter: NetAdapterNamePolicy = {
      Type: 'NetAdapterName',
      Settings: { NetworkAdapterName: config.adapter },
    };
    policies.push(adapter);
  }
  if (type !== 'Overlay') return staticNetwork(config.network, type, subnets, policies);
  policies.push(...overlayNetworkPolicies(config, hnsVersion));
  const vsid = { Type: 'VSID' as const, Settings: { IsolationId: config.vxlan.vni } };
  return staticNetwork(config.network, type, subnets, policies, [vsid]);
}

/** VxlanPort (when HNS takes it) and DrMacAddress (when configured). */
function overlayNetworkPolicies(config: NetConf, hnsVersion: HnsVersion | undefined): NetworkPolicy[] {
  const out: NetworkPolicy[] = [];
  const { port, drMac } = config.vxlan;
  const portSettable = hnsVersion === undefined || hnsSupports(hnsVersion, 'VxlanPort');
  if (portSettable) {
    const vxlanPort: VxlanPortPolicy = { Type: 'VxlanPort', Settings: { Port: port } };
    out.push(vxlanPort);
  } else if (port !== DEFAULT_VXLAN_PORT) {
    throw new CniError(
      CNI_CODE.UNSUPPORTED_FIELD,
      `vxlan.port ${port}: HNS ${formatHnsVersion(hnsVersion!)} on this node cannot set the VXLAN port (VxlanPort needs HNS 10.3 or later) and uses ${DEFAULT_VXLAN_PORT}; remove vxlan.port`,
    );
  }
  if (drMac !== undefined) {
    const mac: DrMacAddressPolicy = { Type: 'DrMacAddress', Settings: { Address: drMac } };
    out.push(mac);
  }
  return out;
}

/** Transparent mode's outbound network: WinNAT on an internal switch, HNS assigns the endpoints' addresses. */
export function natNetworkDocument(config: NetConf): HostComputeNetwork {
  const subnet = { subnet: config.natNetwork.subnet, gateway: config.natNetwork.gateway };
  return staticNetwork(config.natNetwork.name, 'NAT', [subnet], []);
}

/**
 * The adapter a new external-switch network should name when the config names none (issue 10 F8). Which adapter
 * HNS picks by itself is unknown: the first one even when another network's vSwitch holds it, or the first one no
 * vSwitch holds (on a node with a second, maybe unplugged, NIC: the wrong one). When the node's existing
 * external-switch networks all sit on one adapter, that adapter is the node's uplink in use and the new network
 * names it; otherwise (none, or several) the choice stays with HNS.
 */
export function adapterInUse(networks: readonly HostComputeNetwork[]): string | undefined {
  const adapters = new Set<string>();
  for (const n of networks) {
    if (!isDisruptiveToCreate(networkType(n))) continue;
    const name = adapterOf(n);
    if (name !== undefined) adapters.add(name);
  }
  return adapters.size === 1 ? [...adapters][0] : undefined;
}

/** The network document with a NetAdapterName policy naming `adapter` (for external-switch types only). */
export function withAdapter(doc: HostComputeNetwork, adapter: string): HostComputeNetwork {
  if (!isDisruptiveToCreate(doc.Type ?? 'NAT') || adapterOf(doc) !== undefined) return doc;
  const policy: NetAdapterNamePolicy = { Type: 'NetAdapterName', Settings: { NetworkAdapterName: adapter } };
  return { ...doc, Policies: [policy, ...(doc.Policies ?? [])] };
}

export interface CompatibilityOptions {
  /**
   * Any subnet of an existing network will do: hns-cni chose the subnet (NAT network, subnet "auto"), or the
   * network is adopted (another component owns it, or the config came from an anchor, which never checks it).
   */
  ignoreSubnet?: boolean;
  /** Types the existing network may have (default: the desired document's type). */
  types?: readonly NetworkType[];
}

function subnetsOf(network: HostComputeNetwork): string[] {
  return (network.Ipams ?? []).flatMap((ipam) =>
    (ipam.Subnets ?? []).map((s) => s.IpAddressPrefix).filter((p): p is string => typeof p === 'string'),
  );
}

function adapterOf(network: HostComputeNetwork): string | undefined {
  for (const p of network.Policies ?? []) {
    if (p.Type.toLowerCase() !== 'netadaptername') continue;
    const name = (p.Settings as { NetworkAdapterName?: unknown } | undefined)?.NetworkAdapterName;
    if (typeof name === 'string') return name;
  }
  return undefined;
}

function safeCovers(outer: string, inner: string): boolean {
  try {
    return subnetCovers(outer, inner);
  } catch {
    return false; // a malformed prefix HNS reports cannot hold our subnet
  }
}

/** The VXLAN network id of an Overlay network: its first subnet's VSID policy. */
export function vsidOf(network: HostComputeNetwork): number | undefined {
  for (const ipam of network.Ipams ?? []) {
    for (const subnet of ipam.Subnets ?? []) {
      const vsid = subnet.Policies?.find((p) => p.Type.toLowerCase() === 'vsid');
      const id = (vsid?.Settings as { IsolationId?: unknown } | undefined)?.IsolationId;
      if (typeof id === 'number') return id;
    }
  }
  return undefined;
}

/** The provider address HNS gives an Overlay network (the node's IP, what flannel reads as ManagementIP). */
export function providerAddressOf(network: HostComputeNetwork | null): string | undefined {
  const policy = network?.Policies?.find((p) => p.Type.toLowerCase() === 'provideraddress');
  const address = (policy?.Settings as { ProviderAddress?: unknown } | undefined)?.ProviderAddress;
  return typeof address === 'string' && address !== '' ? address : undefined;
}

/**
 * Every way `existing` differs from what the config needs (`desired`), as sentences for the NETWORK_CONFLICT
 * error; [] means the network can be used as is. HNS omits Type for NAT networks (networkType() restores it). An
 * adapter is compared only when HNS reports one: not every build echoes the NetAdapterName policy.
 */
export function networkCompatibility(
  existing: HostComputeNetwork,
  desired: HostComputeNetwork,
  options: CompatibilityOptions = {},
): string[] {
  const differences: string[] = [];
  const haveType = networkType(existing);
  const wantTypes = options.types ?? [desired.Type ?? 'NAT'];
  if (!wantTypes.some((t) => t.toLowerCase() === haveType.toLowerCase())) {
    differences.push(`type is ${haveType}, the config needs ${wantTypes.join(' or ')}`);
  }
  if (!options.ignoreSubnet) {
    const have = subnetsOf(existing);
    for (const want of subnetsOf(desired)) {
      if (have.some((h) => safeCovers(h, want))) continue;
      differences.push(
        have.length === 0
          ? `it has no subnet, the config needs ${want}`
          : `its subnet${have.length > 1 ? 's' : ''} ${have.join(', ')} ${have.length > 1 ? 'do' : 'does'} not contain ${want}`,
      );
    }
  }
  const wantVsid = networkType(desired) === 'Overlay' ? vsidOf(desired) : undefined;
  const haveVsid = vsidOf(existing);
  if (!options.ignoreSubnet && wantVsid !== undefined && haveVsid !== undefined && haveVsid !== wantVsid) {
    differences.push(`its VXLAN network id (VSID) is ${haveVsid}, the config says ${wantVsid}`);
  }
  const wantAdapter = adapterOf(desired);
  const haveAdapter = adapterOf(existing);
  if (
    wantAdapter !== undefined &&
    haveAdapter !== undefined &&
    haveAdapter.toLowerCase() !== wantAdapter.toLowerCase()
  ) {
    differences.push(`it is bound to adapter "${haveAdapter}", the config names "${wantAdapter}"`);
  }
  return differences;
}

/**
 * The GUID of an existing network the config can use as is, else NETWORK_CONFLICT with every difference: hns-cni
 * never recreates a network that exists (pods of other plugins or of an older config may be on it).
 */
export function usableNetworkId(
  existing: HostComputeNetwork,
  desired: HostComputeNetwork,
  options: CompatibilityOptions = {},
): string {
  const name = desired.Name!;
  const differences = networkCompatibility(existing, desired, options);
  if (differences.length > 0) {
    throw new CniError(
      CNI_CODE.NETWORK_CONFLICT,
      `HNS network "${name}" exists with settings this config cannot use: ${differences.join('; ')}. ` +
        'hns-cni never recreates an existing network: remove it or change "network"/"mode" in the config',
      JSON.stringify({ network: name, id: existing.ID, differences }),
    );
  }
  return normalizeGuid(existing.ID ?? '');
}
