// The two sides of an endpoint ↔ namespace attachment kept in sync (§7.8): the endpoint's HostComputeNamespace
// and the namespace's Resources entry {Type:"Endpoint", Data:{ID}}.
import { sameGuid } from '../guid.js';
import { HR } from '../hresult.js';
import type { HostComputeEndpoint, HostComputeNamespace, NamespaceResource } from '../types.js';
import { fail } from './failure.js';
import type { SimState } from './state.js';

const REMOTE_ENDPOINT = 1;

export function resourceEndpointId(r: NamespaceResource): string | undefined {
  const id = r.Data.ID ?? r.Data.Id;
  return r.Type === 'Endpoint' && typeof id === 'string' ? id : undefined;
}

export function attachEndpoint(state: SimState, ns: HostComputeNamespace, endpoint: HostComputeEndpoint): void {
  if (((endpoint.Flags ?? 0) & REMOTE_ENDPOINT) !== 0) fail(HR.HCN_E_INVALID_REMOTE_ENDPOINT_OPERATION);
  // Already in a namespace (this one or another): UNCONFIRMED, the message of 0x803B002B fits (§7.8).
  if (endpoint.HostComputeNamespace !== undefined) fail(HR.HCN_E_ENDPOINT_NAMESPACE_ALREADY_EXISTS);
  endpoint.HostComputeNamespace = ns.ID!;
  const data = { [state.options.namespaceResourceIdKey]: endpoint.ID! };
  ns.Resources = [...(ns.Resources ?? []), { Type: 'Endpoint', Data: data }];
}

/** Removes the endpoint from its namespace (both sides). No-op when it is in none. */
export function detachEndpoint(state: SimState, endpoint: HostComputeEndpoint): void {
  const nsId = endpoint.HostComputeNamespace;
  delete endpoint.HostComputeNamespace;
  const ns = nsId === undefined ? undefined : state.namespaces[nsId];
  if (ns === undefined) return;
  ns.Resources = (ns.Resources ?? []).filter((r) => !sameGuid(resourceEndpointId(r), endpoint.ID));
  if (ns.Resources.length === 0) delete ns.Resources;
}
