// The v1 views HNS returns for queries with SchemaVersion 1.x or no query at all, and for the v1 API (§1.5, §2):
// VirtualNetwork, IPAddress, Subnets[].AddressPrefix, flat policies... rendered from the stored v2 objects, so v1
// and v2 clients see one HNS. Fields we do not model are absent, as HNS omits empty members.
import type { HostComputeEndpoint, HostComputeNamespace, HostComputeNetwork } from '../types.js';
import { attachmentsOf } from './attachments.js';
import { endpointsOfNetwork } from './lookup.js';
import { resourceEndpointId } from './namespace-membership.js';
import { formatGuid } from './output.js';
import { providerAddressOf } from './overlay.js';
import type { SimState } from './state.js';
import { v2PolicyToV1 } from './v1-policies.js';

/** v2 network policies that v1 shows as members of the network instead of in its Policies. */
const MEMBER_POLICY_TYPES = new Set([
  'NetAdapterName',
  'SourceMacAddress',
  'DrMacAddress',
  'AutomaticDNS',
  'VSwitchExtension',
  'ProviderAddress',
]);

type AnyPolicy = { Type: string; Settings?: unknown };

function setting<T>(policies: AnyPolicy[] | undefined, type: string, key: string): T | undefined {
  const p = policies?.find((x) => x.Type === type);
  return (p?.Settings as Record<string, T> | undefined)?.[key];
}

const isDefaultRoute = (prefix: string | undefined) => prefix === '0.0.0.0/0' || prefix === '::/0';

export function v1NetworkView(state: SimState, n: HostComputeNetwork): Record<string, unknown> {
  const subnets = (n.Ipams ?? []).flatMap((i) => i.Subnets ?? []);
  return {
    ID: formatGuid(state, 'network', n.ID!),
    Name: n.Name,
    Type: n.Type ?? 'NAT',
    NetworkAdapterName: setting<string>(n.Policies, 'NetAdapterName', 'NetworkAdapterName'),
    SourceMac: setting<string>(n.Policies, 'SourceMacAddress', 'SourceMacAddress'),
    Policies: (n.Policies ?? []).filter((p) => !MEMBER_POLICY_TYPES.has(p.Type)).map(v2PolicyToV1),
    Subnets: subnets.map((s) => ({
      AddressPrefix: s.IpAddressPrefix,
      GatewayAddress: s.Routes?.find((r) => isDefaultRoute(r.DestinationPrefix))?.NextHop,
      Policies: (s.Policies ?? []).map(v2PolicyToV1),
    })),
    MacPools: n.MacPool?.Ranges,
    DNSServerList: n.Dns?.ServerList?.join(','),
    DNSSuffix: n.Dns?.Domain,
    // The host's address on the network: an Overlay network's provider address (win-overlay's PA policy uses it).
    ManagementIP: providerAddressOf(n) ?? state.options.hostAddress,
    DrMacAddress: setting<string>(n.Policies, 'DrMacAddress', 'Address'),
    AutomaticDNS: setting<boolean>(n.Policies, 'AutomaticDNS', 'Enable'),
    Extensions: (n.Policies ?? [])
      .filter((p) => p.Type === 'VSwitchExtension')
      .map((p) => {
        const x = (p.Settings ?? {}) as { ExtensionID?: string; Enable?: boolean };
        return { Id: x.ExtensionID, IsEnabled: x.Enable === true };
      }),
    Flags: n.Flags,
    CurrentEndpointCount: endpointsOfNetwork(state, n.ID!).length,
  };
}

/** v1 endpoint State (hcsshim internal/hns EndpointState): Created 1, Attached 2, AttachedSharing 3. */
function endpointState(e: HostComputeEndpoint): number {
  const attached = attachmentsOf(e).length + (e.HostComputeNamespace === undefined ? 0 : 1);
  return attached === 0 ? 1 : attached === 1 ? 2 : 3;
}

export function v1EndpointView(state: SimState, e: HostComputeEndpoint): Record<string, unknown> {
  const v4 = e.IpConfigurations?.find((c) => !c.IpAddress.includes(':'));
  const v6 = e.IpConfigurations?.find((c) => c.IpAddress.includes(':'));
  const network = e.HostComputeNetwork === undefined ? undefined : state.networks[e.HostComputeNetwork];
  const flags = e.Flags ?? 0;
  const containers = attachmentsOf(e).filter((a) => a.SystemType === 'Container');
  return {
    ID: formatGuid(state, 'endpoint', e.ID!),
    Name: e.Name,
    VirtualNetwork: e.HostComputeNetwork && formatGuid(state, 'network', e.HostComputeNetwork),
    VirtualNetworkName: network?.Name,
    Policies: (e.Policies ?? []).filter((p) => p.Type !== 'EncapOverhead').map(v2PolicyToV1),
    MacAddress: e.MacAddress,
    IPAddress: v4?.IpAddress,
    PrefixLength: v4?.PrefixLength,
    IPv6Address: v6?.IpAddress,
    IPv6PrefixLength: v6?.PrefixLength,
    GatewayAddress: e.Routes?.find((r) => r.DestinationPrefix === '0.0.0.0/0')?.NextHop,
    GatewayAddressV6: e.Routes?.find((r) => r.DestinationPrefix === '::/0')?.NextHop,
    DNSServerList: e.Dns?.ServerList?.join(','),
    DNSSuffix: e.Dns?.Search?.join(','),
    DNSDomain: e.Dns?.Domain,
    IsRemoteEndpoint: (flags & 1) !== 0,
    DisableICC: (flags & 2) !== 0,
    EnableLowMetric: (flags & 8) !== 0,
    EncapOverhead: setting<number>(e.Policies, 'EncapOverhead', 'Overhead'),
    SharedContainers: containers.map((a) => a.ContainerId),
    Namespace: e.HostComputeNamespace && { ID: formatGuid(state, 'namespace', e.HostComputeNamespace) },
    State: endpointState(e),
  };
}

export function v1NamespaceView(state: SimState, ns: HostComputeNamespace): Record<string, unknown> {
  return {
    ID: formatGuid(state, 'namespace', ns.ID!),
    IsDefault: ns.Type === 'HostDefault',
    CompartmentId: ns.NamespaceId,
    ResourceList: (ns.Resources ?? []).map((r) => {
      const id = resourceEndpointId(r);
      return id === undefined ? r : { Type: 'Endpoint', Data: { Id: formatGuid(state, 'endpoint', id) } };
    }),
  };
}
