// Documents without SchemaVersion are parsed with the v1 schema (§1.7, §2): hcsshim's v1 tests and WSL send v1
// networks and endpoints to the v2 API. We translate the v1 members into their v2 equivalents and keep any v2
// members the document also has, so the rest of the model only knows v2.
import type { JsonObject } from './schema-check.js';
import { v1PolicyToV2 } from './v1-policies.js';

function split(list: unknown): string[] | undefined {
  if (typeof list !== 'string' || list === '') return undefined;
  return list.split(',').map((s) => s.trim());
}

/** v1 network members that are v2 network policies: [v1 member, v2 policy Type, Settings key]. */
const MEMBER_POLICIES: [string, string, string][] = [
  ['NetworkAdapterName', 'NetAdapterName', 'NetworkAdapterName'],
  ['SourceMac', 'SourceMacAddress', 'SourceMacAddress'],
  ['DrMacAddress', 'DrMacAddress', 'Address'],
];

export function v1Network(doc: JsonObject): JsonObject {
  const { MacPools, Subnets, DNSSuffix, DNSServerList, Policies, AutomaticDNS, Extensions, ...rest } = doc;
  const out: JsonObject = { ...rest };
  const policies = Array.isArray(Policies) ? Policies.map(v1PolicyToV2) : [];
  for (const [member, type, key] of MEMBER_POLICIES) {
    const value = out[member];
    delete out[member];
    if (typeof value === 'string' && value !== '') policies.push({ Type: type, Settings: { [key]: value } });
  }
  if (AutomaticDNS === true) policies.push({ Type: 'AutomaticDNS', Settings: { Enable: true } });
  if (Array.isArray(Extensions)) policies.push(...Extensions.map(v1Extension));
  // Output-only members a client round-trips (ManagementIP, CurrentEndpointCount...) are not settings.
  for (const k of ['ManagementIP', 'CurrentEndpointCount', 'TotalEndpoints', 'Health', 'State', 'Version']) {
    delete out[k];
  }
  if (policies.length > 0) out.Policies = policies;
  if (Array.isArray(MacPools) && out.MacPool === undefined) out.MacPool = { Ranges: MacPools };
  if (Array.isArray(Subnets) && out.Ipams === undefined) {
    out.Ipams = [
      {
        Type: 'Static',
        Subnets: Subnets.map((s: JsonObject) => ({
          IpAddressPrefix: s.AddressPrefix,
          ...(Array.isArray(s.Policies) && s.Policies.length > 0 ? { Policies: s.Policies.map(v1PolicyToV2) } : {}),
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

/** A v1 switch extension ({"Id","IsEnabled"}) is the v2 VSwitchExtension network policy. */
function v1Extension(e: unknown): unknown {
  const x = (e ?? {}) as JsonObject;
  return { Type: 'VSwitchExtension', Settings: { ExtensionID: x.Id, Enable: x.IsEnabled === true } };
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
    EncapOverhead,
    ...rest
  } = doc;
  // Output-only members a client round-trips (hcsshim's Update sends the whole endpoint back).
  for (const k of ['SharedContainers', 'State', 'Namespace', 'Resources', 'Health', 'Version', 'ActivityId']) {
    delete rest[k];
  }
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
  // DNSSuffix is the comma-separated search list (win-bridge joins its search domains into it), DNSDomain the domain.
  const servers = split(DNSServerList);
  const search = split(DNSSuffix);
  const domain = typeof DNSDomain === 'string' && DNSDomain !== '' ? DNSDomain : undefined;
  if ((servers || search || domain) && out.Dns === undefined) {
    out.Dns = {
      ...(domain ? { Domain: domain } : {}),
      ...(search ? { Search: search } : {}),
      ...(servers ? { ServerList: servers } : {}),
    };
  }
  const policies = Array.isArray(Policies) ? Policies.map(v1PolicyToV2) : [];
  if (typeof EncapOverhead === 'number' && EncapOverhead > 0) {
    policies.push({ Type: 'EncapOverhead', Settings: { Overhead: EncapOverhead } });
  }
  if (policies.length > 0) out.Policies = policies;
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
