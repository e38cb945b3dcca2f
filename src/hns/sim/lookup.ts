// Finding objects by GUID (any case, braces accepted) and choosing the GUID of a new one (§1.7, §7.1).
import { randomUUID } from 'node:crypto';
import { GUID_NULL, isGuid, normalizeGuid } from '../guid.js';
import { HR } from '../hresult.js';
import type { HostComputeEndpoint, HostComputeNamespace, HostComputeNetwork } from '../types.js';
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
  return kind === 'network'
    ? o.networkNotFoundHresult
    : kind === 'endpoint'
      ? o.endpointNotFoundHresult
      : o.namespaceNotFoundHresult;
}

function table(state: SimState, kind: ObjectKind): Record<string, object> {
  return kind === 'network' ? state.networks : kind === 'endpoint' ? state.endpoints : state.namespaces;
}

/**
 * GUID_NULL (or no id) ⇒ generated; a caller GUID is honoured unless taken (ERROR_ALREADY_EXISTS, WSL#7998; for
 * endpoints the duplicateEndpointIdHresult option, and a GUID that still lingers after a delete is taken too).
 */
export function newObjectId(state: SimState, kind: ObjectKind, id: string | undefined): string {
  if (id === undefined || id === GUID_NULL) return randomUUID();
  const key = guidKey(id);
  if (key === GUID_NULL) return randomUUID();
  if (kind === 'endpoint') {
    if (Object.hasOwn(state.endpoints, key) || isLingering(state, key)) fail(state.options.duplicateEndpointIdHresult);
  } else if (Object.hasOwn(table(state, kind), key)) fail(HR.ERROR_ALREADY_EXISTS);
  return key;
}

export function requireNetwork(state: SimState, id: string | undefined): HostComputeNetwork {
  const key = id === undefined ? undefined : guidKey(id);
  const n = key === undefined ? undefined : state.networks[key];
  if (n === undefined) fail(state.options.networkNotFoundHresult);
  return n;
}

export function requireEndpoint(state: SimState, id: string | undefined): HostComputeEndpoint {
  const key = id === undefined ? undefined : guidKey(id);
  const e = key === undefined ? undefined : state.endpoints[key];
  if (e === undefined) fail(state.options.endpointNotFoundHresult);
  return e;
}

export function requireNamespace(state: SimState, id: string | undefined): HostComputeNamespace {
  const key = id === undefined ? undefined : guidKey(id);
  const n = key === undefined ? undefined : state.namespaces[key];
  if (n === undefined) fail(state.options.namespaceNotFoundHresult);
  return n;
}

export function endpointsOfNetwork(state: SimState, networkId: string): HostComputeEndpoint[] {
  return Object.values(state.endpoints).filter((e) => e.HostComputeNetwork === networkId);
}
