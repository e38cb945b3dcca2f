// koffi declarations of the HCN ABI (hns-api.md §1.3, §2), bound lazily: a library is loaded on the first call
// that needs it and each function is looked up on its first call, so a DLL that lacks an export (an older Windows
// build) fails that call with HCN_PROC_NOT_FOUND instead of failing the whole process at load (hcsshim's `proc?`).
//
// Marshalling (toolchain.md): GUIDs by pointer to the 16-byte struct; in-strings `const char16_t *` (koffi passes JS
// strings as UTF-16, non-BMP included); out-strings `_Out_ void **`, so the pointer survives for CoTaskMemFree;
// handles `void *`, which koffi 3 represents as bigint (NULL as null): the HcnHandle bigint is the pointer itself.
import type { AbiCall, HcnFunction } from '../abi.js';
import { clientError } from '../errors.js';
import { guidToBytes } from '../guid.js';
import { type Koffi, loadKoffi } from './koffi-loader.js';

type LibraryHandle = ReturnType<Koffi['load']>;
type KoffiFunction = ReturnType<LibraryHandle['func']>;

/** Where each set of exports comes from. */
export interface LibraryPaths {
  /** computenetwork.dll: the Hcn* functions. */
  hcn: string;
  /** vmcompute.dll: HNSCall. */
  vmcompute: string;
  /** ole32.dll: CoTaskMemFree. */
  ole32: string;
}

/** Windows: the system DLLs by name. Elsewhere: one stand-in library (the C stub) exporting all three sets. */
export function defaultLibraryPaths(standIn: string | undefined, platform = process.platform): LibraryPaths | string {
  if (platform === 'win32') {
    // A stand-in on Windows (the mingw stub under Wine) replaces computenetwork/vmcompute; its out-strings come
    // from ole32's allocator, so CoTaskMemFree stays ole32's.
    return standIn ? { hcn: standIn, vmcompute: standIn, ole32: 'ole32.dll' } : WINDOWS_LIBRARIES;
  }
  if (!standIn)
    return 'no HCN library off Windows: set HNS_CNI_HCN_LIBRARY to the stub (dist/native/libcomputenetwork.so)';
  return { hcn: standIn, vmcompute: standIn, ole32: standIn };
}

const WINDOWS_LIBRARIES: LibraryPaths = { hcn: 'computenetwork.dll', vmcompute: 'vmcompute.dll', ole32: 'ole32.dll' };

// One line per function, in C. `void **` outs stay raw pointers; HRESULT is a signed 32-bit LONG.
const PROTOTYPES: Record<HcnFunction, string> = {
  HcnEnumerateNetworks: 'int32_t __stdcall HcnEnumerateNetworks(const char16_t *q, _Out_ void **out, _Out_ void **err)',
  HcnCreateNetwork:
    'int32_t __stdcall HcnCreateNetwork(const GUID *id, const char16_t *s, _Out_ void **h, _Out_ void **err)',
  HcnOpenNetwork: 'int32_t __stdcall HcnOpenNetwork(const GUID *id, _Out_ void **h, _Out_ void **err)',
  HcnModifyNetwork: 'int32_t __stdcall HcnModifyNetwork(void *h, const char16_t *s, _Out_ void **err)',
  HcnQueryNetworkProperties:
    'int32_t __stdcall HcnQueryNetworkProperties(void *h, const char16_t *q, _Out_ void **out, _Out_ void **err)',
  HcnDeleteNetwork: 'int32_t __stdcall HcnDeleteNetwork(const GUID *id, _Out_ void **err)',
  HcnCloseNetwork: 'int32_t __stdcall HcnCloseNetwork(void *h)',
  HcnEnumerateEndpoints:
    'int32_t __stdcall HcnEnumerateEndpoints(const char16_t *q, _Out_ void **out, _Out_ void **err)',
  HcnCreateEndpoint:
    'int32_t __stdcall HcnCreateEndpoint(void *net, const GUID *id, const char16_t *s, _Out_ void **h, _Out_ void **err)',
  HcnOpenEndpoint: 'int32_t __stdcall HcnOpenEndpoint(const GUID *id, _Out_ void **h, _Out_ void **err)',
  HcnModifyEndpoint: 'int32_t __stdcall HcnModifyEndpoint(void *h, const char16_t *s, _Out_ void **err)',
  HcnQueryEndpointProperties:
    'int32_t __stdcall HcnQueryEndpointProperties(void *h, const char16_t *q, _Out_ void **out, _Out_ void **err)',
  HcnDeleteEndpoint: 'int32_t __stdcall HcnDeleteEndpoint(const GUID *id, _Out_ void **err)',
  HcnCloseEndpoint: 'int32_t __stdcall HcnCloseEndpoint(void *h)',
  HcnEnumerateNamespaces:
    'int32_t __stdcall HcnEnumerateNamespaces(const char16_t *q, _Out_ void **out, _Out_ void **err)',
  HcnCreateNamespace:
    'int32_t __stdcall HcnCreateNamespace(const GUID *id, const char16_t *s, _Out_ void **h, _Out_ void **err)',
  HcnOpenNamespace: 'int32_t __stdcall HcnOpenNamespace(const GUID *id, _Out_ void **h, _Out_ void **err)',
  HcnModifyNamespace: 'int32_t __stdcall HcnModifyNamespace(void *h, const char16_t *s, _Out_ void **err)',
  HcnQueryNamespaceProperties:
    'int32_t __stdcall HcnQueryNamespaceProperties(void *h, const char16_t *q, _Out_ void **out, _Out_ void **err)',
  HcnDeleteNamespace: 'int32_t __stdcall HcnDeleteNamespace(const GUID *id, _Out_ void **err)',
  HcnCloseNamespace: 'int32_t __stdcall HcnCloseNamespace(void *h)',
  HcnEnumerateLoadBalancers:
    'int32_t __stdcall HcnEnumerateLoadBalancers(const char16_t *q, _Out_ void **out, _Out_ void **err)',
  HcnCreateLoadBalancer:
    'int32_t __stdcall HcnCreateLoadBalancer(const GUID *id, const char16_t *s, _Out_ void **h, _Out_ void **err)',
  HcnOpenLoadBalancer: 'int32_t __stdcall HcnOpenLoadBalancer(const GUID *id, _Out_ void **h, _Out_ void **err)',
  HcnModifyLoadBalancer: 'int32_t __stdcall HcnModifyLoadBalancer(void *h, const char16_t *s, _Out_ void **err)',
  HcnQueryLoadBalancerProperties:
    'int32_t __stdcall HcnQueryLoadBalancerProperties(void *h, const char16_t *q, _Out_ void **out, _Out_ void **err)',
  HcnDeleteLoadBalancer: 'int32_t __stdcall HcnDeleteLoadBalancer(const GUID *id, _Out_ void **err)',
  HcnCloseLoadBalancer: 'int32_t __stdcall HcnCloseLoadBalancer(void *h)',
  HcnEnumerateSdnRoutes:
    'int32_t __stdcall HcnEnumerateSdnRoutes(const char16_t *q, _Out_ void **out, _Out_ void **err)',
  HcnCreateSdnRoute:
    'int32_t __stdcall HcnCreateSdnRoute(const GUID *id, const char16_t *s, _Out_ void **h, _Out_ void **err)',
  HcnOpenSdnRoute: 'int32_t __stdcall HcnOpenSdnRoute(const GUID *id, _Out_ void **h, _Out_ void **err)',
  HcnModifySdnRoute: 'int32_t __stdcall HcnModifySdnRoute(void *h, const char16_t *s, _Out_ void **err)',
  HcnQuerySdnRouteProperties:
    'int32_t __stdcall HcnQuerySdnRouteProperties(void *h, const char16_t *q, _Out_ void **out, _Out_ void **err)',
  HcnDeleteSdnRoute: 'int32_t __stdcall HcnDeleteSdnRoute(const GUID *id, _Out_ void **err)',
  HcnCloseSdnRoute: 'int32_t __stdcall HcnCloseSdnRoute(void *h)',
  HNSCall:
    'int32_t __stdcall HNSCall(const char16_t *method, const char16_t *path, const char16_t *req, _Out_ void **out)',
};

/** A raw pointer as koffi 3 hands it back: bigint, or null for NULL. */
export type RawPointer = bigint | null;

/** The C arguments of one call, with 1-element arrays for the `_Out_` parameters. */
export interface MarshalledCall {
  args: unknown[];
  /** Out handle slot (Create/Open), out string slot (Enumerate/Query/HNSCall), ErrorRecord slot. */
  handleOut?: RawPointer[];
  stringOut?: RawPointer[];
  errorOut?: RawPointer[];
}

export interface HcnBindings {
  /** The bound function, looked up on first use; throws HcnError HCN_PROC_NOT_FOUND / HCN_MODULE_NOT_FOUND. */
  fn(name: HcnFunction): KoffiFunction;
  /** Builds the argument list of `call` for its C signature. */
  marshal(call: AbiCall): MarshalledCall;
  /** Decodes a NUL-terminated UTF-16 out-string and frees it with CoTaskMemFree (also when decoding throws). */
  takeString(ptr: RawPointer, fn: HcnFunction): string | undefined;
}

export function createBindings(paths: LibraryPaths | string): HcnBindings {
  const koffi = loadKoffi();
  declareGuid(koffi); // before any prototype that names GUID is parsed
  const libraries = new Map<string, LibraryHandle>();
  const functions = new Map<HcnFunction, KoffiFunction>();
  let coTaskMemFree: KoffiFunction | undefined;

  function library(path: string, fn: string): LibraryHandle {
    if (typeof paths === 'string') throw clientError('HCN_MODULE_NOT_FOUND', { fn }, paths);
    let lib = libraries.get(path);
    if (lib === undefined) {
      try {
        lib = koffi.load(path);
      } catch (cause) {
        throw clientError('HCN_MODULE_NOT_FOUND', { fn }, `cannot load ${path}: ${String(cause)}`, { cause });
      }
      libraries.set(path, lib);
    }
    return lib;
  }

  function bind(path: string, name: string, prototype: string): KoffiFunction {
    const lib = library(path, name);
    try {
      return lib.func(prototype);
    } catch (cause) {
      throw clientError('HCN_PROC_NOT_FOUND', { fn: name }, `${path} does not export ${name}`, { cause });
    }
  }

  function fn(name: HcnFunction): KoffiFunction {
    let f = functions.get(name);
    if (f === undefined) {
      if (typeof paths === 'string') throw clientError('HCN_MODULE_NOT_FOUND', { fn: name }, paths);
      f = bind(name === 'HNSCall' ? paths.vmcompute : paths.hcn, name, PROTOTYPES[name]);
      functions.set(name, f);
    }
    return f;
  }

  function free(ptr: bigint, after: HcnFunction): void {
    if (typeof paths === 'string') throw clientError('HCN_MODULE_NOT_FOUND', { fn: after }, paths);
    coTaskMemFree ??= bind(paths.ole32, 'CoTaskMemFree', 'void __stdcall CoTaskMemFree(void *pv)');
    coTaskMemFree(ptr);
  }

  function guid(id: string | undefined): unknown {
    const b = guidToBytes(id ?? '00000000-0000-0000-0000-000000000000');
    return { Data1: b.readUInt32LE(0), Data2: b.readUInt16LE(4), Data3: b.readUInt16LE(6), Data4: [...b.subarray(8)] };
  }

  function marshal(call: AbiCall): MarshalledCall {
    const errorOut: RawPointer[] = [null];
    const handleOut: RawPointer[] = [null];
    const stringOut: RawPointer[] = [null];
    const h = call.handle ?? null;
    const op = operationOf(call.fn);
    switch (op) {
      case 'Enumerate':
        return { args: [call.query ?? '', stringOut, errorOut], stringOut, errorOut };
      case 'Create':
        return call.fn === 'HcnCreateEndpoint'
          ? { args: [h, guid(call.id), call.settings ?? '', handleOut, errorOut], handleOut, errorOut }
          : { args: [guid(call.id), call.settings ?? '', handleOut, errorOut], handleOut, errorOut };
      case 'Open':
        return { args: [guid(call.id), handleOut, errorOut], handleOut, errorOut };
      case 'Modify':
        return { args: [h, call.settings ?? '', errorOut], errorOut };
      case 'Query':
        return { args: [h, call.query ?? '', stringOut, errorOut], stringOut, errorOut };
      case 'Delete':
        return { args: [guid(call.id), errorOut], errorOut };
      case 'Close':
        return { args: [h] };
      case 'HNSCall':
        return { args: [call.method ?? '', call.path ?? '', call.request ?? '', stringOut], stringOut };
    }
  }

  function takeString(ptr: RawPointer, after: HcnFunction): string | undefined {
    if (ptr === null || ptr === 0n) return undefined;
    try {
      return koffi.decode(ptr, 'char16_t', -1) as string;
    } finally {
      free(ptr, after);
    }
  }

  return { fn, marshal, takeString };
}

type Operation = 'Enumerate' | 'Create' | 'Open' | 'Modify' | 'Query' | 'Delete' | 'Close' | 'HNSCall';

function operationOf(fn: HcnFunction): Operation {
  if (fn === 'HNSCall') return 'HNSCall';
  const m = /^Hcn(Enumerate|Create|Open|Modify|Query|Delete|Close)/.exec(fn);
  if (m === null) throw new Error(`unknown HCN function ${fn}`);
  return m[1] as Operation;
}

// koffi registers named types globally, once per koffi instance.
const declared = new WeakSet<object>();
function declareGuid(koffi: Koffi): void {
  if (declared.has(koffi)) return;
  koffi.struct('GUID', { Data1: 'uint32_t', Data2: 'uint16_t', Data3: 'uint16_t', Data4: koffi.array('uint8_t', 8) });
  declared.add(koffi);
}

/** The C stub's in-process counters of out-string allocations and frees (HnsCniStubCounters); tests only. */
export function readStubCounters(library: string): { allocations: bigint; frees: bigint; freesTracked: boolean } {
  const koffi = loadKoffi();
  const f = koffi.load(library).func('int32_t HnsCniStubCounters(_Out_ uint64_t *a, _Out_ uint64_t *f)');
  const a: (number | bigint)[] = [0];
  const fr: (number | bigint)[] = [0];
  const hr = f(a, fr) as number;
  return { allocations: BigInt(a[0]!), frees: BigInt(fr[0]!), freesTracked: hr === 0 };
}
