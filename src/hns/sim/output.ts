// Objects as HNS renders them (§3, §1.5, §10): compact JSON, ID first, empty/zero members omitted (so a NAT
// network has no Type and Flags 0 is absent), GUIDs without braces in the case the options choose per kind.
import type { HostComputeEndpoint, HostComputeNamespace, HostComputeNetwork } from '../types.js';
import { parseVersion } from './options.js';
import { v1EndpointView, v1NamespaceView, v1NetworkView } from './output-v1.js';
import type { ObjectKind, SimState } from './state.js';

export function formatGuid(state: SimState, kind: ObjectKind, id: string): string {
  const o = state.options;
  const cases: Record<ObjectKind, 'upper' | 'lower'> = {
    network: o.networkGuidCase,
    endpoint: o.endpointGuidCase,
    namespace: o.namespaceGuidCase,
    loadBalancer: o.loadBalancerGuidCase,
    route: o.routeGuidCase,
  };
  return cases[kind] === 'upper' ? id.toUpperCase() : id.toLowerCase();
}

/** Drops undefined, null, '', 0, false, [] and {} members, recursively; policy Settings are kept as given. */
export function omitEmpty(value: unknown, keepVerbatim = false): unknown {
  if (keepVerbatim) return value;
  if (Array.isArray(value)) return value.map((v) => omitEmpty(v));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const cleaned = omitEmpty(v, k === 'Settings' || k === 'Data' || k === 'SchemaVersion');
    if (isEmpty(cleaned)) continue;
    out[k] = cleaned;
  }
  return out;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v as object).length === 0;
}

/** HNS stamps objects with its own version as (Major << 32) | Minor (§3.1, derived). */
export function objectVersion(state: SimState): number {
  const v = parseVersion(state.options.hnsVersion);
  return v.Major * 2 ** 32 + v.Minor;
}

const SCHEMA = { Major: 2, Minor: 0 };

export function renderNetwork(state: SimState, n: HostComputeNetwork, v2: boolean): string {
  if (!v2) return JSON.stringify(omitEmpty(v1NetworkView(state, n)));
  const view = {
    ID: formatGuid(state, 'network', n.ID!),
    Name: n.Name,
    Owner: n.Owner,
    Type: n.Type === 'NAT' ? undefined : n.Type,
    Policies: n.Policies,
    MacPool: n.MacPool,
    Dns: n.Dns,
    Ipams: n.Ipams,
    Flags: n.Flags,
    AdditionalParams: n.AdditionalParams,
    Version: objectVersion(state),
    SchemaVersion: SCHEMA,
  };
  return JSON.stringify(omitEmpty(view));
}

export function renderEndpoint(state: SimState, e: HostComputeEndpoint, v2: boolean): string {
  if (!v2) return JSON.stringify(omitEmpty(v1EndpointView(state, e)));
  const view = {
    ID: formatGuid(state, 'endpoint', e.ID!),
    Name: e.Name,
    HostComputeNetwork: e.HostComputeNetwork && formatGuid(state, 'network', e.HostComputeNetwork),
    HostComputeNamespace: e.HostComputeNamespace && formatGuid(state, 'namespace', e.HostComputeNamespace),
    Policies: e.Policies,
    IpConfigurations: e.IpConfigurations,
    Dns: e.Dns,
    Routes: e.Routes,
    MacAddress: e.MacAddress,
    Flags: e.Flags,
    AdditionalParams: e.AdditionalParams,
    Version: objectVersion(state),
    SchemaVersion: SCHEMA,
  };
  return JSON.stringify(omitEmpty(view));
}

export function renderNamespace(state: SimState, ns: HostComputeNamespace, v2: boolean): string {
  if (!v2) return JSON.stringify(omitEmpty(v1NamespaceView(state, ns)));
  const view = {
    ID: formatGuid(state, 'namespace', ns.ID!),
    Name: ns.Name,
    NamespaceId: ns.NamespaceId,
    NamespaceGuid: ns.NamespaceGuid,
    Type: ns.Type === 'Host' ? undefined : ns.Type,
    Resources: ns.Resources?.map((r) => ({
      Type: r.Type,
      Data: r.Type === 'Endpoint' ? casedResource(state, r.Data) : r.Data,
    })),
    Version: objectVersion(state),
    SchemaVersion: SCHEMA,
  };
  return JSON.stringify(omitEmpty(view));
}

function casedResource(state: SimState, data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) out[k] = typeof v === 'string' ? formatGuid(state, 'endpoint', v) : v;
  return out;
}
