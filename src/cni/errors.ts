// CNI error codes (spec 1.1.0 §"Error") and hns-cni's own codes (100+). Every failure that reaches the runtime is a
// CniError; main turns anything else into CNI_CODE.INTERNAL with a log line. The README documents each code.
export const CNI_CODE = {
  INCOMPATIBLE_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENVIRONMENT: 4,
  IO_FAILURE: 5,
  DECODE_FAILURE: 6,
  INVALID_CONFIG: 7,
  TRY_AGAIN_LATER: 11,
  PLUGIN_UNAVAILABLE: 50,
  PLUGIN_DEGRADED: 51,
  // hns-cni's own codes
  HNS_ERROR: 100, // HNS refused a request; msg names the HRESULT, details carries the ErrorRecord
  POOL_EXHAUSTED: 101, // no free address in the node's pod subnet
  NETWORK_CONFLICT: 102, // an existing HNS network has settings incompatible with the config
  CHECK_FAILED: 103, // CHECK found the attachment differs from what ADD made
  IPAM_STORE: 104, // the allocation store could not be read or written
  DELEGATE_FAILED: 105, // a delegated IPAM plugin failed without a CNI error of its own
  GC_INCOMPLETE: 106, // GC removed what it could; details lists what failed
  HOST_NETWORK_REFUSED: 107, // a host-network pod was refused (strict mode, or a reserved host port)
  INTERNAL: 999, // a bug: an unexpected exception (logged with its stack)
} as const;

export type CniCode = (typeof CNI_CODE)[keyof typeof CNI_CODE];

export class CniError extends Error {
  readonly code: number;
  readonly details: string;

  constructor(code: number, msg: string, details = '') {
    super(msg);
    this.name = 'CniError';
    this.code = code;
    this.details = details;
  }
}

export function isCniError(e: unknown): e is CniError {
  return e instanceof CniError;
}
