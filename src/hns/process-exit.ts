// Ending the process while an HNS call is still in flight. koffi runs FFI calls on libuv's threadpool, and Node's
// exit joins that pool: a call HNS never answers (abandoned by the client's timeout) would keep the process — and
// so the runtime's CNI call — alive until HNS answers. The FFI backend registers a way out that skips that join.
let immediateExit: ((code: number) => void) | undefined;

/** Called by the FFI backend: `exit` ends the process at once if (and only if) a call is still in flight. */
export function registerImmediateExit(exit: (code: number) => void): void {
  immediateExit = exit;
}

/** process.exit, unless an in-flight HNS call would make it wait; stdout and the log must be flushed before. */
export function exitProcess(code: number): never {
  immediateExit?.(code);
  process.exit(code);
}
