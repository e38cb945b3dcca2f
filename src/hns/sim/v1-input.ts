// Documents without SchemaVersion are parsed with the v1 schema (§1.7, §2): hcsshim's v1 tests and WSL send v1
// networks and endpoints to the v2 API. We translate the v1 members into their v2 equivalents and keep any v2
// members the document also has, so the rest of the model only knows v2.
import type { JsonObject } from './schema-check.js';

function split(list: unknown): string[] | undefined {
  if (typeof list !== 'string' || list === '') return undefined;
  return list.split(',').map((s) => s.trim());
}

/** v1 flat policies ({"Type":"NAT","InternalPort":..}) → v2 {Type, Settings} (containernetworking/plugins rules, §4.2). */
function v1Policy(p: unknown): unknown {
  if (typeof p !== 'object' || p === null || 'Settings' in p) return p;
  const { Type, ...rest } = p as JsonObject;
  switch (String(Type).toUpperCase()) {
    case 'NAT':
      return {
        Type: 'PortMapping',
        Settings: { ...rest, Protocol: rest.Protocol === 'UDP' ? 17 : 6, VIP: '' },
      };
    case 'PA':
      return { Type: 'ProviderAddress', Settings: { ProviderAddress: rest.PA } };
    case 'ROUTE':
      return { Type: 'SDNRoute', Settings: rest };
    case 'OUTBOUNDNAT': {
      const { ExceptionList, ...others } = rest;
      return {
        Type: 'OutBoundNAT',
        Settings: ExceptionList === undefined ? others : { ...others, Exceptions: ExceptionList },
      };
    }
    default:
      return Object.keys(rest).length === 0 ? { Type } : { Type, Settings: rest };
  }
}

export function v1Network(doc: JsonObject): JsonObject {
  const { NetworkAdapterName, MacPools, Subnets, DNSSuffix, DNSServerList, Policies, ...rest } = doc;
  const out: JsonObject = { ...rest };
  const policies = Array.isArray(Policies) ? Policies.map(v1Policy) : [];
  if (typeof NetworkAdapterName === 'string' && NetworkAdapterName !== '') {
    policies.push({ Type: 'NetAdapterName', Settings: { NetworkAdapterName } });
  }
  if (policies.length > 0) out.Policies = policies;
  if (Array.isArray(MacPools) && out.MacPool === undefined) out.MacPool = { Ranges: MacPools };
  if (Array.isArray(Subnets) && out.Ipams === undefined) {
    out.Ipams = [
      {
        Type: 'Static',
        Subnets: Subnets.map((s: JsonObject) => ({
          IpAddressPrefix: s.AddressPrefix,
          ...(typeof s.GatewayAddress === 'string' && s.GatewayAddress !== ''
            ? {
                Routes: [
                  {
                    NextHop: s.GatewayAddress,
                    DestinationPrefix: String(s.GatewayAddress).includes(':') ? '::/0' : '0.0.0.0/0',
                  },
                ],
              }
            : {}),
        })),
      },
    ];
  }
  const servers = split(DNSServerList);
  if ((servers || DNSSuffix) && out.Dns === undefined) {
    out.Dns = { ...(DNSSuffix ? { Domain: DNSSuffix } : {}), ...(servers ? { ServerList: servers } : {}) };
  }
  return out;
}

export function v1Endpoint(doc: JsonObject): JsonObject {
  const {
    VirtualNetwork,
    VirtualNetworkName: _name,
    IPAddress,
    PrefixLength,
    IPv6Address,
    IPv6PrefixLength,
    GatewayAddress,
    GatewayAddressV6,
    DNSServerList,
    DNSSuffix,
    DNSDomain,
    Policies,
    IsRemoteEndpoint,
    EnableLowMetric,
    DisableICC,
    ...rest
  } = doc;
  const out: JsonObject = { ...rest };
  if (typeof VirtualNetwork === 'string' && out.HostComputeNetwork === undefined)
    out.HostComputeNetwork = VirtualNetwork;
  const ipconfigs: JsonObject[] = [];
  if (typeof IPAddress === 'string' && IPAddress !== '') {
    ipconfigs.push({
      IpAddress: IPAddress,
      ...(typeof PrefixLength === 'number' && PrefixLength ? { PrefixLength } : {}),
    });
  }
  if (typeof IPv6Address === 'string' && IPv6Address !== '') {
    ipconfigs.push({
      IpAddress: IPv6Address,
      ...(typeof IPv6PrefixLength === 'number' && IPv6PrefixLength ? { PrefixLength: IPv6PrefixLength } : {}),
    });
  }
  if (ipconfigs.length > 0 && out.IpConfigurations === undefined) out.IpConfigurations = ipconfigs;
  const routes: JsonObject[] = [];
  if (typeof GatewayAddress === 'string' && GatewayAddress !== '') {
    routes.push({ NextHop: GatewayAddress, DestinationPrefix: '0.0.0.0/0' });
  }
  if (typeof GatewayAddressV6 === 'string' && GatewayAddressV6 !== '') {
    routes.push({ NextHop: GatewayAddressV6, DestinationPrefix: '::/0' });
  }
  if (routes.length > 0 && out.Routes === undefined) out.Routes = routes;
  const servers = split(DNSServerList);
  const domain = DNSDomain ?? DNSSuffix;
  if ((servers || domain) && out.Dns === undefined) {
    out.Dns = { ...(domain ? { Domain: domain } : {}), ...(servers ? { ServerList: servers } : {}) };
  }
  if (Array.isArray(Policies)) out.Policies = Policies.map(v1Policy);
  let flags = typeof out.Flags === 'number' ? out.Flags : 0;
  if (IsRemoteEndpoint === true) flags |= 1;
  if (DisableICC === true) flags |= 2;
  if (EnableLowMetric === true) flags |= 8;
  if (flags !== 0) out.Flags = flags;
  return out;
}

export function v1Namespace(doc: JsonObject): JsonObject {
  const { IsDefault, ResourceList: _resources, CompartmentId, ...rest } = doc;
  const out: JsonObject = { ...rest };
  if (typeof CompartmentId === 'number' && out.NamespaceId === undefined) out.NamespaceId = CompartmentId;
  if (IsDefault === true && out.Type === undefined) out.Type = 'HostDefault';
  return out;
}
