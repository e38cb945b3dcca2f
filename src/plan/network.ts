// HCN network documents per mode, and the comparison that decides whether an existing network can be used.
//
// Room for Overlay: its builder would return Type "Overlay" with a VSID subnet policy (E2), a VxlanPort network
// policy (HNS ≥ 10.3, features.ts), and the per-node RemoteSubnetRoute policies added later through
// HcnModifyNetwork (E15); its endpoints would carry a ProviderAddress policy. Adding it means one more entry in
// POD_NETWORK_TYPES and one builder case, nothing else here.
import { subnetCovers } from '../config/address.js';
import { MODE_NETWORK_TYPES } from '../config/schema.js';
import type { NetConf, NetworkMode } from '../config/types.js';
import {
  type HostComputeNetwork,
  type NetAdapterNamePolicy,
  type NetworkType,
  networkType,
  SCHEMA_V2,
} from '../hns/types.js';

export const POD_NETWORK_TYPES: Readonly<Record<NetworkMode, NetworkType>> = MODE_NETWORK_TYPES;

/** Network types that bind an external vSwitch to a physical adapter (creating one blips the node's network). */
const EXTERNAL_SWITCH_TYPES: ReadonlySet<NetworkType> = new Set(['Transparent', 'L2Bridge', 'L2Tunnel', 'Overlay']);

export function isDisruptiveToCreate(type: NetworkType): boolean {
  return EXTERNAL_SWITCH_TYPES.has(type);
}

/** A network with one static IPv4 subnet whose default route names the gateway (hcsshim requires that route). */
function staticNetwork(name: string, type: NetworkType, subnet: string, gateway: string, adapter?: string) {
  const doc: HostComputeNetwork = { Name: name, Type: type };
  if (adapter !== undefined) {
    const policy: NetAdapterNamePolicy = { Type: 'NetAdapterName', Settings: { NetworkAdapterName: adapter } };
    doc.Policies = [policy];
  }
  doc.Ipams = [
    {
      Type: 'Static',
      Subnets: [{ IpAddressPrefix: subnet, Routes: [{ NextHop: gateway, DestinationPrefix: '0.0.0.0/0' }] }],
    },
  ];
  doc.SchemaVersion = { ...SCHEMA_V2 };
  return doc;
}

/**
 * The pod network (`config.network`). `subnet` is the pod subnet (nat mode without IPAM: the NAT subnet) and
 * `gateway` the subnet's gateway (gateway.ts networkGatewayFor). The adapter only applies to external-switch types.
 */
export function podNetworkDocument(config: NetConf, subnet: string, gateway: string): HostComputeNetwork {
  const type = POD_NETWORK_TYPES[config.mode];
  const adapter = isDisruptiveToCreate(type) ? config.adapter : undefined;
  return staticNetwork(config.network, type, subnet, gateway, adapter);
}

/** Transparent mode's outbound network: WinNAT on an internal switch, HNS assigns the endpoints' addresses. */
export function natNetworkDocument(config: NetConf): HostComputeNetwork {
  return staticNetwork(config.natNetwork.name, 'NAT', config.natNetwork.subnet, config.natNetwork.gateway);
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
    return false; // an IPv6 or malformed prefix HNS reports cannot hold our IPv4 subnet
  }
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
