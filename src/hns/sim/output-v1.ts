// The v1 views HNS returns for queries with SchemaVersion 1.x or no query at all (§1.5, §2): VirtualNetwork,
// IPAddress, Subnets[].AddressPrefix... Enough for the SDN scripts' and WSL's readers; fields we do not model are
// absent, as HNS omits empty members.
import type { HostComputeEndpoint, HostComputeNamespace, HostComputeNetwork } from '../types.js';
import { resourceEndpointId } from './namespace-membership.js';
import { formatGuid } from './output.js';
import type { SimState } from './state.js';

export function v1NetworkView(state: SimState, n: HostComputeNetwork): Record<string, unknown> {
  const subnets = (n.Ipams ?? []).flatMap((i) => i.Subnets ?? []);
  const adapter = (n.Policies?.find((p) => p.Type === 'NetAdapterName')?.Settings as { NetworkAdapterName?: string })
    ?.NetworkAdapterName;
  return {
    ID: formatGuid(state, 'network', n.ID!),
    Name: n.Name,
    Type: n.Type ?? 'NAT',
    NetworkAdapterName: adapter,
    Subnets: subnets.map((s) => ({
      AddressPrefix: s.IpAddressPrefix,
      GatewayAddress: s.Routes?.find((r) => r.DestinationPrefix === '0.0.0.0/0' || r.DestinationPrefix === '::/0')
        ?.NextHop,
    })),
    MacPools: n.MacPool?.Ranges,
    DNSServerList: n.Dns?.ServerList?.join(','),
    DNSSuffix: n.Dns?.Domain,
    Flags: n.Flags,
    Policies: [],
    ManagementIP: state.options.hostAddress,
  };
}

export function v1EndpointView(state: SimState, e: HostComputeEndpoint): Record<string, unknown> {
  const v4 = e.IpConfigurations?.find((c) => !c.IpAddress.includes(':'));
  const v6 = e.IpConfigurations?.find((c) => c.IpAddress.includes(':'));
  const network = e.HostComputeNetwork === undefined ? undefined : state.networks[e.HostComputeNetwork];
  return {
    ID: formatGuid(state, 'endpoint', e.ID!),
    Name: e.Name,
    VirtualNetwork: e.HostComputeNetwork && formatGuid(state, 'network', e.HostComputeNetwork),
    VirtualNetworkName: network?.Name,
    MacAddress: e.MacAddress,
    IPAddress: v4?.IpAddress,
    PrefixLength: v4?.PrefixLength,
    IPv6Address: v6?.IpAddress,
    IPv6PrefixLength: v6?.PrefixLength,
    GatewayAddress: e.Routes?.find((r) => r.DestinationPrefix === '0.0.0.0/0')?.NextHop,
    GatewayAddressV6: e.Routes?.find((r) => r.DestinationPrefix === '::/0')?.NextHop,
    DNSServerList: e.Dns?.ServerList?.join(','),
    DNSSuffix: e.Dns?.Domain,
    IsRemoteEndpoint: ((e.Flags ?? 0) & 1) !== 0,
    Namespace: e.HostComputeNamespace && { ID: formatGuid(state, 'namespace', e.HostComputeNamespace) },
    State: e.HostComputeNamespace ? 2 : 1,
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
