// The HcnAbi over koffi: one C call per invoke, made with koffi's async calls (a worker thread), so an HNS call that
// hangs never blocks the event loop and the client's timeout can fire. Every out-string is decoded and freed with
// CoTaskMemFree right here, on success and on failure alike; callers only ever see JS strings.
import type { AbiCall, AbiReply, HcnAbi } from '../abi.js';
import { clientError, HcnError } from '../errors.js';
import { registerImmediateExit } from '../process-exit.js';
import { createBindings, defaultLibraryPaths, type HcnBindings, type RawPointer } from './bindings.js';
import { loadKoffi } from './koffi-loader.js';

export interface FfiAbiOptions {
  /**
   * A stand-in library exporting the Hcn* functions and HNSCall (off Windows also CoTaskMemFree), e.g. the C stub.
   * Default: HNS_CNI_HCN_LIBRARY; on Windows without it, the system's computenetwork.dll, vmcompute.dll, ole32.dll.
   */
  library?: string;
}

export function createFfiAbi(opts: FfiAbiOptions = {}): HcnAbi {
  const paths = defaultLibraryPaths(opts.library ?? process.env.HNS_CNI_HCN_LIBRARY);
  // koffi and the libraries load on the first call: creating a client costs nothing on paths that never call HNS.
  let bindings: HcnBindings | undefined;
  let inFlight = 0;
  registerImmediateExit((code) => {
    if (inFlight > 0) exitSkippingThreadpool(code);
  });

  return {
    kind: 'ffi',
    async invoke(call: AbiCall): Promise<AbiReply> {
      bindings ??= loadBindings(paths, call);
      const b = bindings;
      const fn = b.fn(call.fn);
      const m = b.marshal(call);
      inFlight++;
      const hr = await new Promise<number>((resolve, reject) => {
        try {
          fn.async(...m.args, (err: unknown, result: number) => (err ? reject(err) : resolve(result)));
        } catch (err) {
          reject(err);
        }
      })
        .finally(() => {
          inFlight--;
        })
        .catch((cause: unknown) => {
          throw cause instanceof HcnError
            ? cause
            : clientError('HCN_INVALID_ARGUMENT', { fn: call.fn, id: call.id }, String(cause), { cause });
        });

      const reply: AbiReply = { hr };
      // Both strings are freed even if decoding the first one throws (takeString frees in its own finally).
      try {
        const output = b.takeString(slot(m.stringOut), call.fn);
        if (output !== undefined) reply.output = output;
      } finally {
        const record = b.takeString(slot(m.errorOut), call.fn);
        if (record !== undefined) reply.errorRecord = record;
      }
      const handle = slot(m.handleOut);
      if (hr >= 0 && handle !== null && handle !== 0n) reply.handle = BigInt(handle);
      return reply;
    },
  };
}

/** koffi itself failing to load (e.g. a damaged native module) is reported like a missing DLL, as an HcnError. */
function loadBindings(paths: Parameters<typeof createBindings>[0], call: AbiCall): HcnBindings {
  try {
    return createBindings(paths);
  } catch (cause) {
    if (cause instanceof HcnError) throw cause;
    throw clientError('HCN_MODULE_NOT_FOUND', { fn: call.fn }, `cannot load koffi: ${String(cause)}`, { cause });
  }
}

/** _exit (POSIX) / ExitProcess (Windows): other threads end without being joined, so a hung call cannot hold us. */
export function exitSkippingThreadpool(code: number): void {
  const koffi = loadKoffi();
  if (process.platform === 'win32') {
    koffi.load('kernel32.dll').func('void __stdcall ExitProcess(uint32_t code)')(code);
  } else {
    koffi.load('libc.so.6').func('void _exit(int code)')(code);
  }
}

function slot(out: RawPointer[] | undefined): RawPointer {
  return out?.[0] ?? null;
}
