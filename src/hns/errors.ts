// The one error type that leaves src/hns/: HcnError, with the HRESULT, its symbolic name, the parsed ErrorRecord
// and the call that failed; plus the three questions callers ask of it (isNotFound, isAlreadyExists, isRetryable).
// HRESULT names and texts come from hresult.ts (shared with the simulator); this module adds only the few names the
// client itself produces for failures that have no HRESULT of their own (empty filtered lookup, timeout, ...).
import {
  type ErrorRecord,
  formatHresult,
  HR,
  hresultMessage,
  hresultName,
  parseErrorRecord,
  SERVICE_UNAVAILABLE_HRESULTS,
  toSigned,
  toUnsigned,
} from './hresult.js';

/** Names for client-side failures; each maps onto the HRESULT a Windows caller would recognise. */
export const CLIENT_ERRORS = {
  /** An ID- or Name-filtered lookup found nothing (hcsshim's typed NetworkNotFoundError & co.). */
  HCN_NOT_FOUND_BY_FILTER: HR.ERROR_NOT_FOUND,
  /** The per-call timeout fired before HNS answered. */
  HCN_TIMEOUT: HR.ERROR_TIMEOUT,
  /** The DLL lacks the export (an older Windows build): ERROR_PROC_NOT_FOUND. */
  HCN_PROC_NOT_FOUND: toSigned(0x8007007f),
  /** The DLL itself could not be loaded: ERROR_MOD_NOT_FOUND. */
  HCN_MODULE_NOT_FOUND: toSigned(0x8007007e),
  /** Rejected before any call (bad GUID, read-only field sent, ...), as hcsshim does. */
  HCN_INVALID_ARGUMENT: HR.E_INVALIDARG,
  /** HNS answered S_OK with something that is not the documented shape. */
  HCN_INVALID_RESPONSE: HR.E_FAIL,
  /** vmcompute.dll!HNSCall answered S_OK with `Success:false` (v1 reports failures this way too). */
  HNS_CALL_FAILED: HR.E_FAIL,
} as const;

export type ClientErrorName = keyof typeof CLIENT_ERRORS;

/** The call that failed: the ABI function (or client operation) and the object it was about, when known. */
export interface FailedCall {
  fn: string;
  id?: string;
  /** For a modify of several requests: the index of the one that failed (those before it were applied). */
  request?: number;
}

export interface HcnErrorInit {
  /** The HRESULT the failure stands for (signed or unsigned). */
  hr: number;
  call: FailedCall;
  /** Overrides the symbolic name (client-side failures); otherwise looked up from hr. */
  hrName?: string;
  /** The raw ErrorRecord text, when HNS filled one. */
  errorRecord?: string;
  /** The HRESULT the function actually returned, when it differs from hr (S_OK with an ErrorRecord). */
  returnedHr?: number;
  /** Overrides the explanatory text (otherwise the ErrorRecord's Error, else the system message). */
  detail?: string;
  cause?: unknown;
}

export class HcnError extends Error {
  override readonly name = 'HcnError';
  /** Unsigned 32-bit HRESULT, e.g. 0x803b001e. */
  readonly hr: number;
  /** Symbolic name: `HCN_E_INVALID_IP`, `ERROR_NOT_FOUND`, a client name such as `HCN_TIMEOUT`, else `HRESULT 0x...`. */
  readonly hrName: string;
  /** What the function returned (unsigned); 0 when HNS said S_OK but filled an ErrorRecord. */
  readonly returnedHr: number;
  readonly call: FailedCall;
  /** The ErrorRecord as parsed, when there was one and it parsed. */
  readonly errorRecord?: ErrorRecord;
  /** The ErrorRecord text as received (kept even when it does not parse). */
  readonly errorRecordText?: string;

  constructor(init: HcnErrorInit) {
    const hr = toUnsigned(init.hr);
    const knownName = hresultName(hr);
    const hrName = init.hrName ?? (knownName.startsWith('0x') ? `HRESULT ${knownName}` : knownName);
    const record = init.errorRecord ? parseErrorRecord(init.errorRecord) : undefined;
    const text = (init.detail ?? record?.Error ?? init.errorRecord ?? hresultMessage(hr)).trim();
    const on = init.call.id ? ` [${init.call.id}]` : '';
    super(`${init.call.fn} failed${on}: ${hrName} (${formatHresult(hr)}) ${text}`, { cause: init.cause });
    this.hr = hr;
    this.hrName = hrName;
    this.returnedHr = toUnsigned(init.returnedHr ?? hr);
    this.call = init.call;
    if (record) this.errorRecord = record;
    if (init.errorRecord) this.errorRecordText = init.errorRecord;
  }
}

/** An HcnError for one of the client's own failure kinds. */
export function clientError(
  hrName: ClientErrorName,
  call: FailedCall,
  detail: string,
  extra?: Pick<HcnErrorInit, 'cause' | 'returnedHr'>,
): HcnError {
  return new HcnError({ hr: CLIENT_ERRORS[hrName], hrName, call, detail, ...extra });
}

export function isHcnError(err: unknown): err is HcnError {
  return err instanceof HcnError;
}

// hns-api.md §6.3: hcsshim's IsNotFoundError (ERROR_NOT_FOUND and empty filtered lookups), hnslib's explicit
// HCN_E_NETWORK/ENDPOINT_NOT_FOUND, and the old v1 ERROR_OBJECT_NOT_FOUND.
const NOT_FOUND = new Set<number>(
  [HR.ERROR_NOT_FOUND, HR.HCN_E_NETWORK_NOT_FOUND, HR.HCN_E_ENDPOINT_NOT_FOUND, HR.ERROR_OBJECT_NOT_FOUND].map(
    toUnsigned,
  ),
);
// v1 `Success:false` texts: "The endpoint was not found. ", "Element not found. ", and libnetwork's
// "The object identifier does not represent a valid object. ".
const V1_NOT_FOUND_TEXT = /not found|does not represent a valid object/i;

/** Whether the object the call was about does not exist. CNI DEL treats this as success. */
export function isNotFound(err: unknown): boolean {
  if (!(err instanceof HcnError)) return false;
  if (err.hrName === 'HNS_CALL_FAILED') return V1_NOT_FOUND_TEXT.test(err.errorRecord?.Error ?? err.message);
  return NOT_FOUND.has(err.hr);
}

// "This object is already there": a duplicate network name (HCN_E_NETWORK_ALREADY_EXISTS, and its twin
// HCN_E_LAYER_ALREADY_EXISTS with the same text), a create with an ID that exists (ERROR_ALREADY_EXISTS) and v1's
// ERROR_OBJECT_ALREADY_EXISTS. Deliberately NOT included: HCN_E_ENDPOINT_NAMESPACE_ALREADY_EXISTS (0x803B002B, the
// endpoint is in *some* namespace, maybe another one: a conflict, not idempotence) and HCN_E_PORT_ALREADY_EXISTS
// (another endpoint holds the port).
const ALREADY_EXISTS = new Set<number>(
  [HR.HCN_E_NETWORK_ALREADY_EXISTS, toSigned(0x803b0011), HR.ERROR_ALREADY_EXISTS, HR.ERROR_OBJECT_ALREADY_EXISTS].map(
    toUnsigned,
  ),
);

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof HcnError && ALREADY_EXISTS.has(err.hr);
}

/**
 * A host attach of an endpoint that is attached already: HCN_E_ENDPOINT_ALREADY_ATTACHED as an HRESULT, or as the
 * v1 envelope's text ("This endpoint is already attached to the switch.", which flannel matches, flannel#1391).
 */
export function isAlreadyAttached(err: unknown): boolean {
  if (!(err instanceof HcnError)) return false;
  if (err.hr === toUnsigned(HR.HCN_E_ENDPOINT_ALREADY_ATTACHED)) return true;
  return err.hrName === 'HNS_CALL_FAILED' && /already attached/i.test(err.message);
}

// HNS or its RPC transport is (momentarily) unavailable, or our own timeout fired: the same call may succeed later.
const RETRYABLE = new Set<number>([...SERVICE_UNAVAILABLE_HRESULTS, HR.ERROR_TIMEOUT].map(toUnsigned));

export function isRetryable(err: unknown): boolean {
  return err instanceof HcnError && RETRYABLE.has(err.hr);
}
