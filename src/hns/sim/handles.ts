// HCN handles (§1.2, §7.13): opaque pointer-sized values that name an object until Close. They live in the shared
// state, so a handle stays valid across calls (and processes) until closed; closing never deletes the object.
import { HR } from '../hresult.js';
import type { HostComputeEndpoint, HostComputeNamespace, HostComputeNetwork } from '../types.js';
import { fail } from './failure.js';
import { notFoundHresult } from './lookup.js';
import type { ObjectKind, SimState } from './state.js';

/** Handle values look like heap pointers: non-zero, 16-byte aligned, well above small integers. */
const HANDLE_BASE = 0x1f0000000n;
const HANDLE_STRIDE = 0x10n;

export function openHandle(state: SimState, kind: ObjectKind, id: string): bigint {
  const handle = HANDLE_BASE + BigInt(state.nextHandle++) * HANDLE_STRIDE;
  state.handles[handle.toString()] = { kind, id };
  return handle;
}

export function closeHandle(state: SimState, kind: ObjectKind, handle: bigint | undefined): void {
  const key = handle?.toString();
  const record = key === undefined ? undefined : state.handles[key];
  if (record === undefined || record.kind !== kind) fail(HR.E_HANDLE);
  delete state.handles[key!];
}

type ObjectOf<K extends ObjectKind> = K extends 'network'
  ? HostComputeNetwork
  : K extends 'endpoint'
    ? HostComputeEndpoint
    : HostComputeNamespace;

/** The object behind a handle: E_HANDLE for an unknown handle, an error if its object was deleted meanwhile. */
export function resolveHandle<K extends ObjectKind>(state: SimState, kind: K, handle: bigint | undefined): ObjectOf<K> {
  const record = handle === undefined ? undefined : state.handles[handle.toString()];
  if (record === undefined || record.kind !== kind) fail(HR.E_HANDLE);
  const table = kind === 'network' ? state.networks : kind === 'endpoint' ? state.endpoints : state.namespaces;
  const obj = table[record.id];
  if (obj === undefined) fail(state.options.staleHandleHresult || notFoundHresult(state, kind));
  return obj as ObjectOf<K>;
}
