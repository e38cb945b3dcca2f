// Finding objects by GUID (any case, braces accepted) and choosing the GUID of a new one (§1.7, §7.1).
import { randomUUID } from 'node:crypto';
import { GUID_NULL, isGuid, normalizeGuid } from '../guid.js';
import { HR } from '../hresult.js';
import type {
  HostComputeEndpoint,
  HostComputeLoadBalancer,
  HostComputeNamespace,
  HostComputeNetwork,
  HostComputeRoute,
} from '../types.js';
import { isLingering } from './endpoint-linger.js';
import { fail } from './failure.js';
import type { ObjectKind, SimState } from './state.js';

/** The state's key for a GUID; a malformed GUID is HCN_E_GUID_CONVERSION_FAILURE. */
export function guidKey(id: string): string {
  if (!isGuid(id)) fail(HR.HCN_E_GUID_CONVERSION_FAILURE);
  return normalizeGuid(id);
}

export function notFoundHresult(state: SimState, kind: ObjectKind): number {
  const o = state.options;
  switch (kind) {
    case 'network':
      return o.networkNotFoundHresult;
    case 'endpoint':
      return o.endpointNotFoundHresult;
    case 'namespace':
      return o.namespaceNotFoundHresult;
    case 'loadBalancer':
      return o.loadBalancerNotFoundHresult;
    case 'route':
      return o.routeNotFoundHresult;
  }
}

export type ObjectOf<K extends ObjectKind> = {
  network: HostComputeNetwork;
  endpoint: HostComputeEndpoint;
  namespace: HostComputeNamespace;
  loadBalancer: HostComputeLoadBalancer;
  route: HostComputeRoute;
}[K];

/** The table of one kind of object, keyed by lower-case GUID. */
export function tableOf<K extends ObjectKind>(state: SimState, kind: K): Record<string, ObjectOf<K>> {
  const tables: { [P in ObjectKind]: Record<string, ObjectOf<P>> } = {
    network: state.networks,
    endpoint: state.endpoints,
    namespace: state.namespaces,
    loadBalancer: state.loadBalancers,
    route: state.routes,
  };
  return tables[kind];
}

/**
 * GUID_NULL (or no id) ⇒ the document's `ID` when it has one and the option createDocumentId says HNS honours it
 * (hcsshim's load balancer AddEndpoint deletes and re-creates from a document carrying the old ID, then deletes by
 * that ID), else generated; a caller GUID is honoured unless taken (ERROR_ALREADY_EXISTS, WSL#7998; for endpoints
 * the duplicateEndpointIdHresult option, and a GUID that still lingers after a delete is taken too).
 */
export function newObjectId(state: SimState, kind: ObjectKind, id: string | undefined, documentId?: unknown): string {
  const param = id === undefined ? GUID_NULL : guidKey(id);
  let key = param;
  if (key === GUID_NULL && typeof documentId === 'string' && documentId !== '') {
    if (state.options.createDocumentId === 'honoured') key = guidKey(documentId);
  }
  if (key === GUID_NULL) return randomUUID();
  if (kind === 'endpoint') {
    if (Object.hasOwn(state.endpoints, key) || isLingering(state, key)) fail(state.options.duplicateEndpointIdHresult);
  } else if (Object.hasOwn(tableOf(state, kind), key)) fail(HR.ERROR_ALREADY_EXISTS);
  return key;
}

/** The object with this GUID, or the kind's not-found HRESULT. */
export function requireObject<K extends ObjectKind>(state: SimState, kind: K, id: string | undefined): ObjectOf<K> {
  const key = id === undefined ? undefined : guidKey(id);
  const o = key === undefined ? undefined : tableOf(state, kind)[key];
  if (o === undefined) fail(notFoundHresult(state, kind));
  return o;
}

export function requireNetwork(state: SimState, id: string | undefined): HostComputeNetwork {
  return requireObject(state, 'network', id);
}

export function requireEndpoint(state: SimState, id: string | undefined): HostComputeEndpoint {
  return requireObject(state, 'endpoint', id);
}

export function requireNamespace(state: SimState, id: string | undefined): HostComputeNamespace {
  return requireObject(state, 'namespace', id);
}

export function endpointsOfNetwork(state: SimState, networkId: string): HostComputeEndpoint[] {
  return Object.values(state.endpoints).filter((e) => e.HostComputeNetwork === networkId);
}
