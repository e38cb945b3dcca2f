// The one error type that leaves src/iphlp/: IphlpError, with the Win32 status (IP Helper returns Win32 codes, not
// HRESULTs), its name and the call that failed; plus the questions callers ask of it.

/** Win32 status codes IP Helper returns (winerror.h), with the system message. */
const STATUS: Readonly<Record<number, readonly [string, string]>> = {
  0: ['NO_ERROR', 'The operation completed successfully.'],
  2: ['ERROR_FILE_NOT_FOUND', 'The system cannot find the file specified.'],
  5: ['ERROR_ACCESS_DENIED', 'Access is denied.'],
  8: ['ERROR_NOT_ENOUGH_MEMORY', 'Not enough memory resources are available to process this command.'],
  13: ['ERROR_INVALID_DATA', 'The data is invalid.'],
  14: ['ERROR_OUTOFMEMORY', 'Not enough memory resources are available to complete this operation.'],
  50: ['ERROR_NOT_SUPPORTED', 'The request is not supported.'],
  87: ['ERROR_INVALID_PARAMETER', 'The parameter is incorrect.'],
  122: ['ERROR_INSUFFICIENT_BUFFER', 'The data area passed to a system call is too small.'],
  126: ['ERROR_MOD_NOT_FOUND', 'The specified module could not be found.'],
  127: ['ERROR_PROC_NOT_FOUND', 'The specified procedure could not be found.'],
  1060: ['ERROR_SERVICE_DOES_NOT_EXIST', 'The specified service does not exist as an installed service.'],
  1168: ['ERROR_NOT_FOUND', 'Element not found.'],
  1460: ['ERROR_TIMEOUT', 'This operation returned because the timeout period expired.'],
  1722: ['RPC_S_SERVER_UNAVAILABLE', 'The RPC server is unavailable.'],
  1726: ['RPC_S_CALL_FAILED', 'The remote procedure call failed.'],
  5010: ['ERROR_OBJECT_ALREADY_EXISTS', 'The object already exists.'],
};

export const IPHLP_STATUS = {
  NO_ERROR: 0,
  ERROR_INVALID_DATA: 13,
  ERROR_INVALID_PARAMETER: 87,
  ERROR_INSUFFICIENT_BUFFER: 122,
  ERROR_MOD_NOT_FOUND: 126,
  ERROR_PROC_NOT_FOUND: 127,
  ERROR_NOT_FOUND: 1168,
  ERROR_TIMEOUT: 1460,
  ERROR_OBJECT_ALREADY_EXISTS: 5010,
} as const;

export function statusName(status: number): string {
  return STATUS[status]?.[0] ?? `Win32 error ${status}`;
}

export function statusMessage(status: number): string {
  return STATUS[status]?.[1] ?? `Unknown Win32 error ${status}.`;
}

/** The call that failed and what it was about (a route "10.244.2.0/24 via 10.0.0.5", a table family). */
export interface FailedIphlpCall {
  fn: string;
  subject?: string;
}

export class IphlpError extends Error {
  override readonly name = 'IphlpError';
  readonly status: number;
  readonly statusName: string;
  readonly call: FailedIphlpCall;

  constructor(status: number, call: FailedIphlpCall, detail?: string, options?: { cause?: unknown }) {
    const name = statusName(status);
    const on = call.subject ? ` [${call.subject}]` : '';
    super(`${call.fn} failed${on}: ${name} (${status}) ${detail ?? statusMessage(status)}`, options);
    this.status = status;
    this.statusName = name;
    this.call = call;
  }
}

export function isIphlpError(err: unknown): err is IphlpError {
  return err instanceof IphlpError;
}

/** DeleteIpForwardEntry2 of a route that is not there (also GetIpForwardTable2 of an empty family). */
export function isRouteNotFound(err: unknown): boolean {
  return err instanceof IphlpError && err.status === IPHLP_STATUS.ERROR_NOT_FOUND;
}

/** GetIpInterfaceEntry / SetIpInterfaceEntry of an interface that does not exist (any more). */
export function isInterfaceNotFound(err: unknown): boolean {
  return err instanceof IphlpError && err.status === IPHLP_STATUS.ERROR_NOT_FOUND;
}

/** CreateIpForwardEntry2 of a route that exists (same prefix, next hop and interface). */
export function isRouteAlreadyExists(err: unknown): boolean {
  return err instanceof IphlpError && err.status === IPHLP_STATUS.ERROR_OBJECT_ALREADY_EXISTS;
}
