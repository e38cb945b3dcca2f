// HCN endpoint documents per mode: addresses, static routes, policies, DNS.
//
// transparent: the pod endpoint (Transparent network, pod IP) routes clusterCIDR, serviceCIDR and `routes` via the
//   pod gateway; the NAT endpoint (NAT network, address from HNS) carries the default route via WinNAT and the
//   host-port mappings (WinNAT publishes node-IP ports; the pod IP needs none). The pod endpoint also carries a
//   default route of last resort (metric LAST_RESORT_METRIC): an endpoint given no default route may get one from
//   HNS anyway, through its subnet's gateway at metric 0 (Azure CNI #4136/#4213 saw Windows add it), which would tie
//   with the NAT endpoint's and send outbound traffic either way. With an explicit one HNS adds none, and the NAT
//   endpoint's (metric 0) always wins.
// nat: one endpoint, default route via the NAT gateway, host ports as PortMapping policies.
// l2bridge: one endpoint, default route via the host endpoint (.2); OutBoundNAT with exceptions (cluster, service,
//   node subnet, configured); SDNRoute NeedEncap for the service CIDR and the node IP /32 so that traffic is
//   load-balanced in VFP (kube-proxy); optional loopback DSR.
// overlay: one endpoint, default route via the distributed router (.1); the same OutBoundNAT; SDNRoute NeedEncap
//   for the service CIDR only (node traffic leaves through the VXLAN provider address, as win-overlay's and
//   sdnoverlay's configs have it); ProviderAddress = the node's IP (win-overlay's PA policy); optional loopback DSR.
// A dual-stack pod (l2bridge, overlay) gets both addresses, a default route per family, and the IPv6 half of each
// rule: a second OutBoundNAT with the IPv6 exceptions (Azure CNI's dual-stack overlay does the same), SDN routes for
// the IPv6 service CIDR (and node IP). Loopback DSR stays IPv4 (Azure CNI: "only for ipv4").
import { CNI_CODE, CniError } from '../cni/errors.js';
import { defaultDestination, familyOf, hostRoute } from '../config/address.js';
import type { NetConf } from '../config/types.js';
import type { EndpointPolicy, HostComputeEndpoint, OutBoundNatPolicy, Route, SdnRoutePolicy } from '../hns/types.js';
import { SCHEMA_V2 } from '../hns/types.js';

export interface EndpointFacts {
  name: string;
  networkId: string;
  mac: string;
  /** Pod IPs (IPv4 first) and prefix lengths; empty when HNS assigns the addresses. */
  ips: { address: string; prefixLength: number }[];
  routes: Route[];
  policies: EndpointPolicy[];
  dns?: HostComputeEndpoint['Dns'];
}

/** Members in a fixed order, empty ones left out, so golden documents compare exactly. */
export function endpointDocument(f: EndpointFacts): HostComputeEndpoint {
  const doc: HostComputeEndpoint = { Name: f.name, HostComputeNetwork: f.networkId };
  if (f.ips.length > 0)
    doc.IpConfigurations = f.ips.map((ip) => ({ IpAddress: ip.address, PrefixLength: ip.prefixLength }));
  doc.MacAddress = f.mac;
  if (f.routes.length > 0) doc.Routes = f.routes;
  if (f.dns !== undefined && Object.keys(f.dns).length > 0) doc.Dns = f.dns;
  if (f.policies.length > 0) doc.Policies = f.policies;
  doc.SchemaVersion = { ...SCHEMA_V2 };
  return doc;
}

export const DEFAULT_ROUTE = '0.0.0.0/0';

/** Metric of the transparent pod endpoint's default route: the highest route.exe accepts, so any other wins. */
export const LAST_RESORT_METRIC = 9999;

/**
 * transparent: cluster and service CIDRs, then configured routes, all via the pod gateway unless a route says so,
 * then the default route of last resort (a configured default route takes its place).
 */
export function transparentPodRoutes(config: NetConf, podGateway: string): Route[] {
  const routes: Route[] = [];
  for (const dst of [config.clusterCIDR, config.serviceCIDR]) {
    if (dst !== undefined) routes.push({ NextHop: podGateway, DestinationPrefix: dst });
  }
  const lastResort: Route = { NextHop: podGateway, DestinationPrefix: DEFAULT_ROUTE, Metric: LAST_RESORT_METRIC };
  return dedupeRoutes([...routes, ...configuredRoutes(config, podGateway), lastResort]);
}

/** Routes other than the default: what a build that keeps only default routes drops (issue 10 F2). */
export function nonDefaultRoutes(routes: readonly Route[] | undefined): Route[] {
  return (routes ?? []).filter((r) => r.DestinationPrefix !== DEFAULT_ROUTE && r.DestinationPrefix !== '::/0');
}

/**
 * The refusal when this node's HNS keeps only default routes (builds before endpoint route support, WCN#116): a pod
 * whose endpoint needs other routes would be attached without them, its cluster traffic leaving the wrong way.
 */
export function routesDroppedError(network: string, routes: readonly Route[]): CniError {
  const list = routes.map((r) => `${r.DestinationPrefix} via ${r.NextHop}`).join(', ');
  return new CniError(
    CNI_CODE.INVALID_CONFIG,
    `HNS on this node keeps only default routes on endpoints of network "${network}", so the pod would lack ${list}: ` +
      'transparent mode (and configured "routes") need a Windows build whose HNS keeps endpoint routes; use nat or l2bridge mode here',
    JSON.stringify({ network, dropped: routes }),
  );
}

/**
 * nat / l2bridge / overlay: a default route per family the pod has an address (or gateway) of, then configured
 * routes of those families.
 */
export function defaultGatewayRoutes(config: NetConf, gateway: string | undefined, gateway6?: string): Route[] {
  const routes: Route[] = [];
  if (gateway !== undefined) routes.push({ NextHop: gateway, DestinationPrefix: DEFAULT_ROUTE });
  if (gateway6 !== undefined) routes.push({ NextHop: gateway6, DestinationPrefix: defaultDestination(6) });
  return dedupeRoutes([...routes, ...configuredRoutes(config, gateway, gateway6)]);
}

/** `routes`, each via its own gw or the pod gateway of its family; a family the pod lacks is left out. */
function configuredRoutes(config: NetConf, gateway: string | undefined, gateway6?: string): Route[] {
  return config.routes.flatMap((r) => {
    const hop = r.gw ?? (familyOf(r.dst) === 6 ? gateway6 : gateway);
    return hop === undefined ? [] : [{ NextHop: hop, DestinationPrefix: r.dst }];
  });
}

/** The first route to a destination wins: a configured duplicate of the cluster CIDR adds nothing. */
function dedupeRoutes(routes: Route[]): Route[] {
  const seen = new Set<string>();
  return routes.filter((r) => {
    const key = r.DestinationPrefix ?? '';
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const isType = (p: EndpointPolicy, type: string) => p.Type.toLowerCase() === type.toLowerCase();

/** An OutBoundNAT policy that only lists exceptions (not DSR's Destinations, not a VirtualIP): mergeable. */
function isPlainOutboundNat(p: EndpointPolicy): p is OutBoundNatPolicy {
  if (!isType(p, 'OutBoundNAT')) return false;
  const s = (p.Settings ?? {}) as Record<string, unknown>;
  return Object.keys(s).every((k) => k === 'Exceptions');
}

export interface GeneratedPolicyInput {
  config: NetConf;
  /** Port mappings, already as policies. */
  portMappings: EndpointPolicy[];
  /** Loopback DSR destination (the pod IP) when DSR applies; undefined otherwise. */
  dsrDestination?: string;
  /** The pod has an IPv6 address: the IPv6 half of each rule applies. */
  ipv6: boolean;
  /** Overlay: the provider address (the node's IP) for the endpoint's ProviderAddress policy. */
  providerAddress?: string;
  /** The HNS network's (first) subnet, for `outboundNAT.podSubnet`. */
  networkSubnet?: string;
}

/**
 * l2bridge and overlay endpoint policies: one OutBoundNAT whose exceptions are the generated ones followed by those
 * of the config's plain OutBoundNAT policies (win-bridge's ipMasqNetwork merge), an IPv6 one for a dual-stack pod,
 * then SDNRoutes (generated, then the config's for other prefixes), overlay's ProviderAddress, the config's
 * remaining policies in their order, port mappings, and DSR last.
 */
export function generatedPolicies(input: GeneratedPolicyInput): EndpointPolicy[] {
  const { config, portMappings, dsrDestination, ipv6 } = input;
  const compat = [...config.policies];
  const policies: EndpointPolicy[] = [];

  if (config.outboundNAT.enabled) {
    const configured = compat.filter(isPlainOutboundNat).flatMap((p) => p.Settings?.Exceptions ?? []);
    const podSubnet = config.outboundNAT.podSubnet ? input.networkSubnet : undefined;
    const all = [
      config.clusterCIDR,
      config.serviceCIDR,
      config.nodeSubnet,
      ...config.outboundNAT.exceptions,
      podSubnet,
      ...configured,
    ];
    const all6 = [
      config.clusterCIDR6,
      config.serviceCIDR6,
      config.nodeSubnet6,
      ...config.outboundNAT.exceptions,
      ...configured,
    ];
    // An IPv4-only pod keeps every exception the config lists in the one policy, as before dual-stack.
    const v4 = unique(all.filter((e) => e !== undefined && (!ipv6 || familyOf(e) !== 6)));
    const v6 = unique(all6.filter((e) => e !== undefined && familyOf(e) === 6));
    const outbound: OutBoundNatPolicy = { Type: 'OutBoundNAT', Settings: { Exceptions: v4 } };
    policies.push(outbound);
    if (ipv6 && v6.length > 0) {
      const outbound6: OutBoundNatPolicy = { Type: 'OutBoundNAT', Settings: { Exceptions: v6 } };
      policies.push(outbound6);
    }
    removeWhere(compat, isPlainOutboundNat);
  }

  const overlay = config.mode === 'overlay';
  const nodeRoute = (ip: string | undefined) => (overlay || ip === undefined ? undefined : hostRoute(ip));
  const encapPrefixes = [
    config.serviceCIDR,
    nodeRoute(config.nodeIP),
    ...(ipv6 ? [config.serviceCIDR6, nodeRoute(config.nodeIP6)] : []),
  ];
  const generated = encapPrefixes.filter((p): p is string => p !== undefined);
  for (const prefix of generated) {
    const route: SdnRoutePolicy = { Type: 'SDNRoute', Settings: { DestinationPrefix: prefix, NeedEncap: true } };
    policies.push(route);
  }
  // A config SDNRoute for a prefix we already route is the same rule twice; HNS would apply it twice.
  removeWhere(
    compat,
    (p) =>
      isType(p, 'SDNRoute') &&
      generated.includes(String((p.Settings as { DestinationPrefix?: unknown } | undefined)?.DestinationPrefix)),
  );
  if (overlay && input.providerAddress !== undefined && !compat.some((p) => isType(p, 'ProviderAddress'))) {
    policies.push({ Type: 'ProviderAddress', Settings: { ProviderAddress: input.providerAddress } });
  }
  // win-overlay's ipMasq (ApplyOutboundNatPolicy), without the generated OutBoundNAT: its own policy.
  const subnet = input.networkSubnet;
  if (!config.outboundNAT.enabled && config.outboundNAT.podSubnet && subnet !== undefined) {
    const listed = compat.some(
      (p) =>
        isType(p, 'OutBoundNAT') &&
        (p.Settings as { Exceptions?: unknown[] } | undefined)?.Exceptions?.includes(subnet),
    );
    if (!listed) policies.push({ Type: 'OutBoundNAT', Settings: { Exceptions: [subnet] } });
  }

  policies.push(...compat, ...portMappings);
  if (dsrDestination !== undefined) {
    const dsr: OutBoundNatPolicy = { Type: 'OutBoundNAT', Settings: { Destinations: [dsrDestination] } };
    policies.push(dsr);
  }
  return policies;
}

function unique(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}

function removeWhere<T>(list: T[], predicate: (item: T) => boolean): void {
  for (let i = list.length - 1; i >= 0; i--) if (predicate(list[i]!)) list.splice(i, 1);
}
