// Endpoint routes and the routing table of a namespace (issue 10 F2). What HNS keeps of an endpoint's Routes is an
// option (`endpointRoutes`); the namespace's table is every attached endpoint's kept routes plus its on-link subnet,
// and a lookup picks the longest prefix, then the lowest metric. Two equally good routes through different
// endpoints or next hops are reported as ambiguous: the pod's traffic would go either way.
import type { HostComputeEndpoint, Route } from '../types.js';
import { formatIp, parseIp, parsePrefix, prefixContains } from './addresses.js';
import type { SimOptions } from './options.js';
import type { SimState } from './state.js';

const isDefault = (r: Route) => r.DestinationPrefix === '0.0.0.0/0' || r.DestinationPrefix === '::/0';

/**
 * The routes HNS keeps for a new endpoint, given the caller's routes and the default routes its subnets' gateways
 * give. Every behaviour fills in the subnet default when the caller gives no route at all (§7.5).
 */
export function effectiveRoutes(mode: SimOptions['endpointRoutes'], given: Route[], subnetDefaults: Route[]): Route[] {
  if (given.length === 0) return subnetDefaults;
  const familyOf = (r: Route) => (String(r.DestinationPrefix).includes(':') ? 6 : 4);
  const missingDefaults = () =>
    subnetDefaults.filter((d) => !given.some((r) => isDefault(r) && familyOf(r) === familyOf(d)));
  switch (mode) {
    case 'as-given':
      return given;
    case 'implicit-default':
      return [...given, ...missingDefaults()];
    case 'default-only': {
      const kept = given.filter(isDefault);
      return [...kept, ...subnetDefaults.filter((d) => !kept.some((r) => familyOf(r) === familyOf(d)))];
    }
  }
}

export interface NamespaceRoute {
  endpointId: string;
  destinationPrefix: string;
  /** '' for the endpoint's on-link subnet. */
  nextHop: string;
  metric: number;
}

/** The routing table of a namespace: each attached endpoint's routes and on-link subnets. */
export function namespaceRoutes(state: SimState, namespaceId: string): NamespaceRoute[] {
  const key = namespaceId.toLowerCase();
  const out: NamespaceRoute[] = [];
  const attached = Object.values(state.endpoints).filter((e) => e.HostComputeNamespace?.toLowerCase() === key);
  for (const e of attached) out.push(...routesOf(e));
  return out;
}

function routesOf(e: HostComputeEndpoint): NamespaceRoute[] {
  const endpointId = e.ID!;
  const out: NamespaceRoute[] = [];
  for (const c of e.IpConfigurations ?? []) {
    if (c.PrefixLength === undefined) continue;
    const prefix = parsePrefix(`${c.IpAddress}/${c.PrefixLength}`);
    if (prefix === undefined) continue;
    const destinationPrefix = `${formatIp(prefix.family, prefix.base)}/${prefix.length}`;
    out.push({ endpointId, destinationPrefix, nextHop: '', metric: 0 });
  }
  for (const r of e.Routes ?? []) {
    if (r.DestinationPrefix === undefined) continue;
    out.push({ endpointId, destinationPrefix: r.DestinationPrefix, nextHop: r.NextHop ?? '', metric: r.Metric ?? 0 });
  }
  return out;
}

export type RouteChoice =
  | { kind: 'none' }
  | { kind: 'route'; route: NamespaceRoute }
  | { kind: 'ambiguous'; routes: NamespaceRoute[] };

/** Where the namespace sends a packet for `destination`: longest prefix, then lowest metric. */
export function routeFor(state: SimState, namespaceId: string, destination: string): RouteChoice {
  const ip = parseIp(destination);
  if (ip === undefined) throw new Error(`not an IP address: ${destination}`);
  const matching = namespaceRoutes(state, namespaceId).flatMap((r) => {
    const prefix = parsePrefix(r.destinationPrefix);
    return prefix !== undefined && prefixContains(prefix, ip) ? [{ r, length: prefix.length }] : [];
  });
  if (matching.length === 0) return { kind: 'none' };
  const longest = Math.max(...matching.map((m) => m.length));
  const best = matching.filter((m) => m.length === longest).map((m) => m.r);
  const lowest = Math.min(...best.map((r) => r.metric));
  const winners = best.filter((r) => r.metric === lowest);
  const distinct = new Set(winners.map((r) => `${r.endpointId}|${r.nextHop}`));
  return distinct.size === 1 ? { kind: 'route', route: winners[0]! } : { kind: 'ambiguous', routes: winners };
}
