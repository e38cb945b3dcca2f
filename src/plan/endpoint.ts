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
import { CNI_CODE, CniError } from '../cni/errors.js';
import { hostRoute } from '../config/address.js';
import type { NetConf } from '../config/types.js';
import type { EndpointPolicy, HostComputeEndpoint, OutBoundNatPolicy, Route, SdnRoutePolicy } from '../hns/types.js';
import { SCHEMA_V2 } from '../hns/types.js';

export interface EndpointFacts {
  name: string;
  networkId: string;
  mac: string;
  /** Pod IP and prefix length; absent when HNS assigns the address. */
  ip?: { address: string; prefixLength: number };
  routes: Route[];
  policies: EndpointPolicy[];
  dns?: HostComputeEndpoint['Dns'];
}

/** Members in a fixed order, empty ones left out, so golden documents compare exactly. */
export function endpointDocument(f: EndpointFacts): HostComputeEndpoint {
  const doc: HostComputeEndpoint = { Name: f.name, HostComputeNetwork: f.networkId };
  if (f.ip) doc.IpConfigurations = [{ IpAddress: f.ip.address, PrefixLength: f.ip.prefixLength }];
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

/** nat / l2bridge: the default route first, then configured routes. */
export function defaultGatewayRoutes(config: NetConf, gateway: string): Route[] {
  return dedupeRoutes([{ NextHop: gateway, DestinationPrefix: DEFAULT_ROUTE }, ...configuredRoutes(config, gateway)]);
}

function configuredRoutes(config: NetConf, gateway: string): Route[] {
  return config.routes.map((r) => ({ NextHop: r.gw ?? gateway, DestinationPrefix: r.dst }));
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

export interface L2BridgePolicyInput {
  config: NetConf;
  /** Port mappings, already as policies. */
  portMappings: EndpointPolicy[];
  /** Loopback DSR destination (the pod IP) when DSR applies; undefined otherwise. */
  dsrDestination?: string;
}

/**
 * l2bridge endpoint policies: one OutBoundNAT whose exceptions are the generated ones followed by those of the
 * config's plain OutBoundNAT policies (win-bridge's ipMasqNetwork merge), then SDNRoutes (generated, then the
 * config's for other prefixes), the config's remaining policies in their order, port mappings, and DSR last.
 */
export function l2bridgePolicies({ config, portMappings, dsrDestination }: L2BridgePolicyInput): EndpointPolicy[] {
  const compat = [...config.policies];
  const policies: EndpointPolicy[] = [];

  if (config.outboundNAT.enabled) {
    const exceptions = [config.clusterCIDR, config.serviceCIDR, config.nodeSubnet, ...config.outboundNAT.exceptions];
    for (const p of compat.filter(isPlainOutboundNat)) exceptions.push(...(p.Settings?.Exceptions ?? []));
    const unique = [...new Set(exceptions.filter((e): e is string => e !== undefined))];
    const outbound: OutBoundNatPolicy = { Type: 'OutBoundNAT', Settings: { Exceptions: unique } };
    policies.push(outbound);
    removeWhere(compat, isPlainOutboundNat);
  }

  const encapPrefixes = [config.serviceCIDR, config.nodeIP === undefined ? undefined : hostRoute(config.nodeIP)];
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

  policies.push(...compat, ...portMappings);
  if (dsrDestination !== undefined) {
    const dsr: OutBoundNatPolicy = { Type: 'OutBoundNAT', Settings: { Destinations: [dsrDestination] } };
    policies.push(dsr);
  }
  return policies;
}

function removeWhere<T>(list: T[], predicate: (item: T) => boolean): void {
  for (let i = list.length - 1; i >= 0; i--) if (predicate(list[i]!)) list.splice(i, 1);
}
