// Load balancers and SDN routes as HNS renders them: the v2 objects (§3.5, §3.6) and, for a v1 query or the v1
// API's /policylists, the policy-list view {ID, References:["/endpoints/<id>"], Policies:[ELB|ROUTE...]} (§2;
// hcsshim internal/hns/hnspolicylist.go). One stored object, two views.
import type { HostComputeLoadBalancer, HostComputeRoute } from '../types.js';
import { formatGuid, objectVersion, omitEmpty } from './output.js';
import type { SimState } from './state.js';

const SCHEMA = { Major: 2, Minor: 0 };

function endpointIds(state: SimState, ids: string[] | undefined): string[] | undefined {
  return ids?.map((id) => formatGuid(state, 'endpoint', id));
}

export function renderLoadBalancer(state: SimState, lb: HostComputeLoadBalancer, v2: boolean): string {
  if (!v2) return JSON.stringify(omitEmpty(v1LoadBalancerView(state, lb)));
  const view = {
    ID: formatGuid(state, 'loadBalancer', lb.ID!),
    HostComputeEndpoints: endpointIds(state, lb.HostComputeEndpoints),
    SourceVIP: lb.SourceVIP,
    FrontendVIPs: lb.FrontendVIPs,
    PortMappings: lb.PortMappings,
    Flags: lb.Flags,
    Version: objectVersion(state),
    SchemaVersion: SCHEMA,
  };
  return JSON.stringify(omitEmpty(view));
}

export function renderRoute(state: SimState, route: HostComputeRoute, v2: boolean): string {
  if (!v2) return JSON.stringify(omitEmpty(v1RouteView(state, route)));
  const view = {
    ID: formatGuid(state, 'route', route.ID!),
    HostComputeEndpoints: endpointIds(state, route.HostComputeEndpoints),
    [state.options.sdnRouteOutputKey]: route.Routes,
    Version: objectVersion(state),
    SchemaVersion: SCHEMA,
  };
  return JSON.stringify(omitEmpty(view));
}

function references(state: SimState, ids: string[] | undefined): string[] {
  return (ids ?? []).map((id) => `/endpoints/${formatGuid(state, 'endpoint', id)}`);
}

/** One ELB policy per port mapping (hcsshim's ELBPolicy: LBPolicy + SourceVIP, VIPs, ILB, IsDSR). */
export function v1LoadBalancerView(state: SimState, lb: HostComputeLoadBalancer): Record<string, unknown> {
  const mappings = lb.PortMappings?.length ? lb.PortMappings : [{}];
  return {
    ID: formatGuid(state, 'loadBalancer', lb.ID!),
    References: references(state, lb.HostComputeEndpoints),
    Policies: mappings.map((m) => ({
      Type: 'ELB',
      Protocol: m.Protocol,
      InternalPort: m.InternalPort ?? 0,
      ExternalPort: m.ExternalPort ?? 0,
      SourceVIP: lb.SourceVIP,
      VIPs: lb.FrontendVIPs,
      ILB: ((m.Flags ?? 0) & 1) !== 0,
      IsDSR: ((lb.Flags ?? 0) & 1) !== 0,
    })),
  };
}

/** One ROUTE policy per route (hcsshim's RoutePolicy: DestinationPrefix, NextHop, NeedEncap). */
export function v1RouteView(state: SimState, route: HostComputeRoute): Record<string, unknown> {
  return {
    ID: formatGuid(state, 'route', route.ID!),
    References: references(state, route.HostComputeEndpoints),
    Policies: (route.Routes ?? []).map((r) => ({ Type: 'ROUTE', ...r })),
  };
}
