// HRESULT codes that HNS returns (hns-api.md §6.1 HCN facility 0x3B, §6.2 generic codes) with their system message
// texts, and the ErrorRecord wire form HNS fills on failure (§1.4). Used by the simulator to produce errors and by
// the client to name them. Values are kept unsigned here (as winerror.h writes them); the ABI carries them signed.

export interface HresultInfo {
  name: string;
  /** Unsigned 32-bit value, e.g. 0x803b0001. */
  value: number;
  /** The system message text, as FormatMessage renders it (with its final period). */
  message: string;
}

// [name, unsigned value, message]. HCN texts from Reference/HCNHResult.md (winerror.h); FormatMessage ends them with
// a period, which the observed ErrorRecords show ("A network with this name already exists. ").
const TABLE: readonly (readonly [string, number, string])[] = [
  ['S_OK', 0x00000000, 'The operation completed successfully.'],
  ['HCN_E_NETWORK_NOT_FOUND', 0x803b0001, 'The network was not found.'],
  ['HCN_E_ENDPOINT_NOT_FOUND', 0x803b0002, 'The endpoint was not found.'],
  ['HCN_E_LAYER_NOT_FOUND', 0x803b0003, "The network's underlying layer was not found."],
  ['HCN_E_SWITCH_NOT_FOUND', 0x803b0004, 'The virtual switch was not found.'],
  ['HCN_E_SUBNET_NOT_FOUND', 0x803b0005, 'The network does not have a subnet for this endpoint.'],
  ['HCN_E_ADAPTER_NOT_FOUND', 0x803b0006, 'An adapter was not found.'],
  ['HCN_E_PORT_NOT_FOUND', 0x803b0007, 'The switch-port was not found.'],
  ['HCN_E_POLICY_NOT_FOUND', 0x803b0008, 'An expected policy was not found.'],
  ['HCN_E_VFP_PORTSETTING_NOT_FOUND', 0x803b0009, 'A required VFP port setting was not found.'],
  ['HCN_E_INVALID_NETWORK', 0x803b000a, 'The provided network configuration is invalid or missing parameters.'],
  ['HCN_E_INVALID_NETWORK_TYPE', 0x803b000b, 'Invalid network type.'],
  ['HCN_E_INVALID_ENDPOINT', 0x803b000c, 'The provided endpoint configuration is invalid or missing parameters.'],
  ['HCN_E_INVALID_POLICY', 0x803b000d, 'The provided policy configuration is invalid or missing parameters.'],
  ['HCN_E_INVALID_POLICY_TYPE', 0x803b000e, 'Invalid policy type.'],
  ['HCN_E_INVALID_REMOTE_ENDPOINT_OPERATION', 0x803b000f, 'This requested operation is invalid for a remote endpoint.'],
  ['HCN_E_NETWORK_ALREADY_EXISTS', 0x803b0010, 'A network with this name already exists.'],
  ['HCN_E_LAYER_ALREADY_EXISTS', 0x803b0011, 'A network with this name already exists.'],
  ['HCN_E_POLICY_ALREADY_EXISTS', 0x803b0012, 'Policy information already exists on this object.'],
  ['HCN_E_PORT_ALREADY_EXISTS', 0x803b0013, 'The specified port already exists.'],
  ['HCN_E_ENDPOINT_ALREADY_ATTACHED', 0x803b0014, 'This endpoint is already attached to the switch.'],
  ['HCN_E_REQUEST_UNSUPPORTED', 0x803b0015, 'The specified request is unsupported.'],
  ['HCN_E_MAPPING_NOT_SUPPORTED', 0x803b0016, 'Port mapping is not supported on the given network.'],
  ['HCN_E_DEGRADED_OPERATION', 0x803b0017, 'There was an operation attempted on a degraded object.'],
  ['HCN_E_SHARED_SWITCH_MODIFICATION', 0x803b0018, 'Cannot modify a switch shared by multiple networks.'],
  ['HCN_E_GUID_CONVERSION_FAILURE', 0x803b0019, 'Failed to interpret a parameter as a GUID.'],
  ['HCN_E_REGKEY_FAILURE', 0x803b001a, 'Failed to process registry key.'],
  ['HCN_E_INVALID_JSON', 0x803b001b, 'Invalid JSON document string.'],
  ['HCN_E_INVALID_JSON_REFERENCE', 0x803b001c, 'The reference is invalid in the JSON document.'],
  ['HCN_E_ENDPOINT_SHARING_DISABLED', 0x803b001d, 'Endpoint sharing is disabled.'],
  ['HCN_E_INVALID_IP', 0x803b001e, 'IP address is either invalid or not part of any configured subnet(s).'],
  ['HCN_E_SWITCH_EXTENSION_NOT_FOUND', 0x803b001f, 'The specified switch extension does not exist on this switch.'],
  ['HCN_E_MANAGER_STOPPED', 0x803b0020, 'Operation cannot be performed while service is stopping.'],
  ['GCN_E_MODULE_NOT_FOUND', 0x803b0021, 'Operation cannot be performed while service module not found.'],
  ['GCN_E_NO_REQUEST_HANDLERS', 0x803b0022, 'Request Handlers not present to handle the JSON request.'],
  ['GCN_E_REQUEST_UNSUPPORTED', 0x803b0023, 'The specified request is unsupported.'],
  ['GCN_E_RUNTIMEKEYS_FAILED', 0x803b0024, 'Add runtime keys to container failed.'],
  ['GCN_E_NETADAPTER_TIMEOUT', 0x803b0025, 'Timeout while waiting for network adapter with the given instance id.'],
  ['GCN_E_NETADAPTER_NOT_FOUND', 0x803b0026, 'Network adapter not found for the given instance id.'],
  ['GCN_E_NETCOMPARTMENT_NOT_FOUND', 0x803b0027, 'Network compartment not found for the given id.'],
  ['GCN_E_NETINTERFACE_NOT_FOUND', 0x803b0028, 'Network interface not found for the given id.'],
  ['GCN_E_DEFAULTNAMESPACE_EXISTS', 0x803b0029, 'Default Namespace already exists.'],
  [
    'HCN_E_ICS_DISABLED',
    0x803b002a,
    'Internet Connection Sharing service (SharedAccess) is disabled and cannot be started.',
  ],
  [
    'HCN_E_ENDPOINT_NAMESPACE_ALREADY_EXISTS',
    0x803b002b,
    'This requested operation is invalid as endpoint is already part of a network namespace.',
  ],
  ['HCN_E_ENTITY_HAS_REFERENCES', 0x803b002c, 'The specified entity cannot be removed while it still has references.'],
  ['HCN_E_INVALID_INTERNAL_PORT', 0x803b002d, 'The internal port must exist and cannot be zero.'],
  ['HCN_E_NAMESPACE_ATTACH_FAILED', 0x803b002e, 'The requested operation for attach namespace failed.'],
  ['HCN_E_ADDR_INVALID_OR_RESERVED', 0x803b002f, 'An address provided is invalid or reserved.'],
  ['HCN_E_INVALID_PREFIX', 0x803b0030, 'The prefix provided is invalid.'],
  ['HCN_E_OBJECT_USED_AFTER_UNLOAD', 0x803b0031, 'A call was performed against an object that was torn down.'],
  ['HCN_E_INVALID_SUBNET', 0x803b0032, 'The provided subnet configuration is invalid or missing parameters.'],
  ['HCN_E_INVALID_IP_SUBNET', 0x803b0033, 'The provided IP subnet configuration is invalid or missing parameters.'],
  ['HCN_E_ENDPOINT_NOT_ATTACHED', 0x803b0034, 'The endpoint must be attached to complete the operation.'],
  ['HCN_E_ENDPOINT_NOT_LOCAL', 0x803b0035, 'The endpoint must be local to complete the operation.'],
  ['HCN_INTERFACEPARAMETERS_ALREADY_APPLIED', 0x803b0036, 'Cannot apply more than one InterfaceParameters policy.'],
  ['HCN_E_VFP_NOT_ALLOWED', 0x803b0037, 'A network of this type can not be created because VFP is not available.'],
  // §6.2 generic codes.
  ['E_NOTIMPL', 0x80004001, 'Not implemented.'],
  ['E_POINTER', 0x80004003, 'Invalid pointer.'],
  ['E_FAIL', 0x80004005, 'Unspecified error.'],
  ['E_HANDLE', 0x80070006, 'The handle is invalid.'],
  ['E_OUTOFMEMORY', 0x8007000e, 'Not enough memory resources are available to complete this operation.'],
  ['ERROR_NOT_SUPPORTED', 0x80070032, 'The request is not supported.'],
  [
    'ERROR_DUP_NAME',
    0x80070034,
    'You were not connected because a duplicate name exists on the network. If joining a domain, go to System in ' +
      'Control Panel to change the computer name and try again. If joining a workgroup, choose another workgroup name.',
  ],
  ['E_INVALIDARG', 0x80070057, 'The parameter is incorrect.'],
  ['ERROR_ALREADY_EXISTS', 0x800700b7, 'Cannot create a file when that file already exists.'],
  ['ERROR_SERVICE_DOES_NOT_EXIST', 0x80070424, 'The specified service does not exist as an installed service.'],
  ['ERROR_SERVICE_NOT_ACTIVE', 0x80070426, 'The service has not been started.'],
  ['ERROR_NOT_FOUND', 0x80070490, 'Element not found.'],
  ['ERROR_SERVICE_NOT_FOUND', 0x800704db, 'The specified service does not exist.'],
  ['ERROR_TIMEOUT', 0x800705b4, 'This operation returned because the timeout period expired.'],
  ['RPC_S_SERVER_UNAVAILABLE', 0x800706ba, 'The RPC server is unavailable.'],
  ['RPC_S_CALL_FAILED', 0x800706be, 'The remote procedure call failed.'],
  ['EPT_S_NOT_REGISTERED', 0x800706d9, 'There are no more endpoints available from the endpoint mapper.'],
  ['ERROR_OBJECT_NOT_FOUND', 0x800710d8, 'The object identifier does not represent a valid object.'],
  ['ERROR_OBJECT_ALREADY_EXISTS', 0x80071392, 'The object already exists.'],
  [
    'HCS_E_SERVICE_NOT_AVAILABLE',
    0x80370114,
    'The operation could not be started because a required feature is not installed.',
  ],
  // vmcompute.dll (HCS): what HcsOpenComputeSystem returns for an unknown id (hcsshim ErrComputeSystemDoesNotExist).
  [
    'HCS_E_SYSTEM_NOT_FOUND',
    0xc037010e,
    'A virtual machine or container with the specified identifier does not exist.',
  ],
];

const BY_VALUE = new Map<number, HresultInfo>();
const BY_NAME = new Map<string, HresultInfo>();
for (const [name, value, message] of TABLE) {
  const info: HresultInfo = Object.freeze({ name, value, message });
  // First name wins for a value that appears twice (none today; keeps lookups deterministic).
  if (!BY_VALUE.has(value)) BY_VALUE.set(value, info);
  BY_NAME.set(name, info);
}

/** Every known HRESULT, in table order. */
export const HRESULTS: readonly HresultInfo[] = [...BY_NAME.values()];

/** The HRESULT as an unsigned 32-bit number (0x803B001E → 2151350302). Accepts signed or unsigned input. */
export function toUnsigned(hr: number): number {
  return hr >>> 0;
}

/** The HRESULT as a signed 32-bit number, the way the ABI returns it (0x803B001E → -2143616994). */
export function toSigned(hr: number): number {
  return hr | 0;
}

/** Failure iff the high bit is set. */
export function isFailure(hr: number): boolean {
  return toSigned(hr) < 0;
}

/** Canonical text: `0x803B001E` (upper-case hex, 8 digits). */
export function formatHresult(hr: number): string {
  return `0x${toUnsigned(hr).toString(16).toUpperCase().padStart(8, '0')}`;
}

/** Parses `0x803B001E`, `803b001e`, `2151350302` or `-2143616994`; returns the signed value. */
export function parseHresult(text: string): number {
  const t = text.trim();
  let n: number;
  if (/^0x[0-9a-f]{1,8}$/i.test(t)) n = Number.parseInt(t.slice(2), 16);
  else if (/^-?\d+$/.test(t)) n = Number(t);
  else if (/^[0-9a-f]{8}$/i.test(t)) n = Number.parseInt(t, 16);
  else if (BY_NAME.has(t)) n = BY_NAME.get(t)!.value;
  else throw new RangeError(`not an HRESULT: ${JSON.stringify(text)}`);
  if (n < -0x80000000 || n > 0xffffffff) throw new RangeError(`HRESULT out of range: ${text}`);
  return toSigned(n);
}

export function lookupHresult(hr: number): HresultInfo | undefined {
  return BY_VALUE.get(toUnsigned(hr));
}

/** The symbolic name, or the canonical hex text for unknown codes. */
export function hresultName(hr: number): string {
  return lookupHresult(hr)?.name ?? formatHresult(hr);
}

/** The system message (with final period); a generic text for unknown codes. */
export function hresultMessage(hr: number): string {
  return lookupHresult(hr)?.message ?? `Unknown error ${formatHresult(hr)}.`;
}

function named(name: string): number {
  const info = BY_NAME.get(name);
  if (info === undefined) throw new Error(`unknown HRESULT name ${name}`);
  return toSigned(info.value);
}

/** Signed values by name, for code that produces or compares HRESULTs (`reply.hr === HR.HCN_E_INVALID_IP`). */
export const HR = {
  S_OK: 0,
  HCN_E_NETWORK_NOT_FOUND: named('HCN_E_NETWORK_NOT_FOUND'),
  HCN_E_ENDPOINT_NOT_FOUND: named('HCN_E_ENDPOINT_NOT_FOUND'),
  HCN_E_SUBNET_NOT_FOUND: named('HCN_E_SUBNET_NOT_FOUND'),
  HCN_E_ADAPTER_NOT_FOUND: named('HCN_E_ADAPTER_NOT_FOUND'),
  HCN_E_POLICY_NOT_FOUND: named('HCN_E_POLICY_NOT_FOUND'),
  HCN_E_INVALID_NETWORK: named('HCN_E_INVALID_NETWORK'),
  HCN_E_INVALID_NETWORK_TYPE: named('HCN_E_INVALID_NETWORK_TYPE'),
  HCN_E_INVALID_ENDPOINT: named('HCN_E_INVALID_ENDPOINT'),
  HCN_E_INVALID_POLICY: named('HCN_E_INVALID_POLICY'),
  HCN_E_INVALID_POLICY_TYPE: named('HCN_E_INVALID_POLICY_TYPE'),
  HCN_E_INVALID_REMOTE_ENDPOINT_OPERATION: named('HCN_E_INVALID_REMOTE_ENDPOINT_OPERATION'),
  HCN_E_NETWORK_ALREADY_EXISTS: named('HCN_E_NETWORK_ALREADY_EXISTS'),
  HCN_E_POLICY_ALREADY_EXISTS: named('HCN_E_POLICY_ALREADY_EXISTS'),
  HCN_E_PORT_ALREADY_EXISTS: named('HCN_E_PORT_ALREADY_EXISTS'),
  HCN_E_REQUEST_UNSUPPORTED: named('HCN_E_REQUEST_UNSUPPORTED'),
  HCN_E_MAPPING_NOT_SUPPORTED: named('HCN_E_MAPPING_NOT_SUPPORTED'),
  HCN_E_GUID_CONVERSION_FAILURE: named('HCN_E_GUID_CONVERSION_FAILURE'),
  HCN_E_INVALID_JSON: named('HCN_E_INVALID_JSON'),
  HCN_E_INVALID_JSON_REFERENCE: named('HCN_E_INVALID_JSON_REFERENCE'),
  HCN_E_INVALID_IP: named('HCN_E_INVALID_IP'),
  HCN_E_MANAGER_STOPPED: named('HCN_E_MANAGER_STOPPED'),
  HCN_E_ENDPOINT_NAMESPACE_ALREADY_EXISTS: named('HCN_E_ENDPOINT_NAMESPACE_ALREADY_EXISTS'),
  HCN_E_ENTITY_HAS_REFERENCES: named('HCN_E_ENTITY_HAS_REFERENCES'),
  HCN_E_INVALID_INTERNAL_PORT: named('HCN_E_INVALID_INTERNAL_PORT'),
  HCN_E_ADDR_INVALID_OR_RESERVED: named('HCN_E_ADDR_INVALID_OR_RESERVED'),
  HCN_E_INVALID_PREFIX: named('HCN_E_INVALID_PREFIX'),
  HCN_E_OBJECT_USED_AFTER_UNLOAD: named('HCN_E_OBJECT_USED_AFTER_UNLOAD'),
  HCN_E_INVALID_SUBNET: named('HCN_E_INVALID_SUBNET'),
  HCN_E_ENDPOINT_NOT_ATTACHED: named('HCN_E_ENDPOINT_NOT_ATTACHED'),
  HCN_E_ENDPOINT_ALREADY_ATTACHED: named('HCN_E_ENDPOINT_ALREADY_ATTACHED'),
  HCS_E_SYSTEM_NOT_FOUND: named('HCS_E_SYSTEM_NOT_FOUND'),
  HCN_INTERFACEPARAMETERS_ALREADY_APPLIED: named('HCN_INTERFACEPARAMETERS_ALREADY_APPLIED'),
  E_NOTIMPL: named('E_NOTIMPL'),
  E_POINTER: named('E_POINTER'),
  E_FAIL: named('E_FAIL'),
  E_HANDLE: named('E_HANDLE'),
  E_INVALIDARG: named('E_INVALIDARG'),
  E_OUTOFMEMORY: named('E_OUTOFMEMORY'),
  ERROR_NOT_SUPPORTED: named('ERROR_NOT_SUPPORTED'),
  ERROR_ALREADY_EXISTS: named('ERROR_ALREADY_EXISTS'),
  ERROR_NOT_FOUND: named('ERROR_NOT_FOUND'),
  ERROR_TIMEOUT: named('ERROR_TIMEOUT'),
  ERROR_SERVICE_DOES_NOT_EXIST: named('ERROR_SERVICE_DOES_NOT_EXIST'),
  ERROR_SERVICE_NOT_ACTIVE: named('ERROR_SERVICE_NOT_ACTIVE'),
  ERROR_SERVICE_NOT_FOUND: named('ERROR_SERVICE_NOT_FOUND'),
  RPC_S_SERVER_UNAVAILABLE: named('RPC_S_SERVER_UNAVAILABLE'),
  RPC_S_CALL_FAILED: named('RPC_S_CALL_FAILED'),
  EPT_S_NOT_REGISTERED: named('EPT_S_NOT_REGISTERED'),
  ERROR_OBJECT_NOT_FOUND: named('ERROR_OBJECT_NOT_FOUND'),
  ERROR_OBJECT_ALREADY_EXISTS: named('ERROR_OBJECT_ALREADY_EXISTS'),
  HCS_E_SERVICE_NOT_AVAILABLE: named('HCS_E_SERVICE_NOT_AVAILABLE'),
} as const;

/** Codes meaning "HNS (or its RPC transport) is not available right now": worth retrying (§6.2, §7.14). */
export const SERVICE_UNAVAILABLE_HRESULTS: readonly number[] = [
  HR.RPC_S_SERVER_UNAVAILABLE,
  HR.RPC_S_CALL_FAILED,
  HR.EPT_S_NOT_REGISTERED,
  HR.HCS_E_SERVICE_NOT_AVAILABLE,
  HR.ERROR_SERVICE_DOES_NOT_EXIST,
  HR.ERROR_SERVICE_NOT_ACTIVE,
  HR.ERROR_SERVICE_NOT_FOUND,
  HR.HCN_E_MANAGER_STOPPED,
];

/** The parsed form of an ErrorRecord (hns-api.md §1.4). */
export interface ErrorRecord {
  Success: boolean;
  Error: string;
  ErrorCode: number;
}

/**
 * The ErrorRecord exactly as HNS writes it: compact JSON, keys Success, Error, ErrorCode; Error = the message,
 * one space, then the optional detail (so without detail it ends in a space); ErrorCode unsigned decimal.
 *   errorRecordFor(0x803B001B, '{{CreateWithCompartment,UnknownField}}')
 *   → {"Success":false,"Error":"Invalid JSON document string. {{CreateWithCompartment,UnknownField}}","ErrorCode":2151350299}
 */
export function errorRecordFor(hr: number, detail?: string): string {
  const record: ErrorRecord = {
    Success: false,
    Error: `${hresultMessage(hr)} ${detail ?? ''}`,
    ErrorCode: toUnsigned(hr),
  };
  return JSON.stringify(record);
}

/** Parses an ErrorRecord; undefined when the text is not one (callers keep the raw text then). */
export function parseErrorRecord(text: string): ErrorRecord | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    if (typeof o.ErrorCode !== 'number' && typeof o.Error !== 'string') return undefined;
    return {
      Success: o.Success === true,
      Error: typeof o.Error === 'string' ? o.Error : '',
      ErrorCode: typeof o.ErrorCode === 'number' ? o.ErrorCode : 0,
    };
  } catch {
    return undefined;
  }
}
