// HCN handles (§1.2, §7.13): opaque pointer-sized values that name an object until Close. They live in the shared
// state, so a handle stays valid across calls (and processes) until closed; closing never deletes the object.
import { HR } from '../hresult.js';
import { fail } from './failure.js';
import { notFoundHresult, type ObjectOf, tableOf } from './lookup.js';
import type { HandleKind, ObjectKind, SimState } from './state.js';

/** Handle values look like heap pointers: non-zero, 16-byte aligned, well above small integers. */
const HANDLE_BASE = 0x1f0000000n;
const HANDLE_STRIDE = 0x10n;

export function openHandle(state: SimState, kind: HandleKind, id: string): bigint {
  const handle = HANDLE_BASE + BigInt(state.nextHandle++) * HANDLE_STRIDE;
  state.handles[handle.toString()] = { kind, id };
  return handle;
}

/** The ID a handle of this kind names; E_HANDLE for an unknown handle or one of another kind. */
export function handleTarget(state: SimState, kind: HandleKind, handle: bigint | undefined): string {
  const record = handle === undefined ? undefined : state.handles[handle.toString()];
  if (record === undefined || record.kind !== kind) fail(HR.E_HANDLE);
  return record.id;
}

export function closeHandle(state: SimState, kind: HandleKind, handle: bigint | undefined): void {
  handleTarget(state, kind, handle);
  delete state.handles[handle!.toString()];
}

/** The object behind a handle: E_HANDLE for an unknown handle, an error if its object was deleted meanwhile. */
export function resolveHandle<K extends ObjectKind>(state: SimState, kind: K, handle: bigint | undefined): ObjectOf<K> {
  const obj = tableOf(state, kind)[handleTarget(state, kind, handle)];
  if (obj === undefined) fail(state.options.staleHandleHresult || notFoundHresult(state, kind));
  return obj;
}
