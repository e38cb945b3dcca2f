// vmcompute.dll!HNSCall, the v1 API (§2; hcsshim internal/hns, microsoft/SDN hns.psm1): METHOD + path + JSON body,
// answered {"Success":true,"Output":...} or a failure. Every resource is a view of the same state the v2 functions
// use: /networks and /endpoints are the v2 networks and endpoints, /policylists are the v2 load balancers (ELB)
// and SDN routes (ROUTE), /namespaces the v2 namespaces. Failures: option v1FailureStyle (§2 shows both styles).

import type { AbiReply } from '../abi.js';
import { errorRecordFor, HR, hresultMessage } from '../hresult.js';
import { HcnFailure } from './failure.js';
import type { SimState } from './state.js';
import { v1Resources } from './v1-resources.js';

export interface V1Request {
  method: string;
  /** Path segments after the resource type: `/endpoints/{id}/attach` → ['{id}', 'attach']. */
  rest: string[];
  body: string;
}

/** A handler's answer: the Output member (undefined: none). */
export type V1Handler = (state: SimState, req: V1Request) => unknown;

/** Failures HNS was seen to answer as S_OK + Success:false (§2): missing objects, unsupported requests. */
const ENVELOPE_FAILURES = new Set<number>([
  HR.HCN_E_REQUEST_UNSUPPORTED,
  HR.HCN_E_NETWORK_NOT_FOUND,
  HR.HCN_E_ENDPOINT_NOT_FOUND,
  HR.ERROR_NOT_FOUND,
  HR.ERROR_OBJECT_NOT_FOUND,
]);

function envelope(success: boolean, output?: unknown, error?: string): string {
  if (!success) return JSON.stringify({ Success: false, Error: error });
  return JSON.stringify(output === undefined ? { Success: true } : { Success: true, Output: output });
}

function failure(state: SimState, f: HcnFailure): AbiReply {
  const style = state.options.v1FailureStyle;
  const asEnvelope = style === 'envelope' || (style === 'mixed' && ENVELOPE_FAILURES.has(f.hr | 0));
  if (asEnvelope) return { hr: 0, output: envelope(false, undefined, `${hresultMessage(f.hr)} `) };
  // hcsshim reads only the HRESULT here ("hnsCall failed in Win32: <message> (0x...)"); no Response.
  return { hr: f.hr | 0, errorRecord: errorRecordFor(f.hr, f.detail) };
}

function parsePath(path: string): { type: string; rest: string[] } {
  const parts = path
    .split('?')[0]!
    .split('/')
    .filter((p) => p !== '');
  return { type: (parts[0] ?? '').toLowerCase(), rest: parts.slice(1) };
}

/**
 * One HNSCall. The handler works on a copy that replaces the state only on success: an envelope failure returns
 * S_OK, which must not commit a half-applied request either.
 */
export function hnsCall(state: SimState, method?: string, path?: string, request?: string): AbiReply {
  const { type, rest } = parsePath(path ?? '');
  const handler = v1Resources[type];
  if (handler === undefined) return failure(state, new HcnFailure(HR.HCN_E_REQUEST_UNSUPPORTED));
  const working = structuredClone(state);
  try {
    const output = handler(working, { method: (method ?? '').toUpperCase(), rest, body: request ?? '' });
    Object.assign(state, working);
    return { hr: 0, output: envelope(true, output) };
  } catch (e) {
    if (e instanceof HcnFailure) return failure(state, e);
    throw e;
  }
}
