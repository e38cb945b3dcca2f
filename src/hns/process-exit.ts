// Ending the process while an HNS call is still in flight. koffi runs FFI calls on libuv's threadpool, and Node's
// exit joins that pool: a call HNS never answers (abandoned by the client's timeout) would keep the process — and
// so the runtime's CNI call — alive until HNS answers. Each FFI backend (HCN, IP Helper) registers a way out that
// skips that join.
const immediateExits: ((code: number) => void)[] = [];

/** Called by an FFI backend: `exit` ends the process at once if (and only if) one of its calls is in flight. */
export function registerImmediateExit(exit: (code: number) => void): void {
  immediateExits.push(exit);
}

/** process.exit, unless an in-flight FFI call would make it wait; stdout and the log must be flushed before. */
export function exitProcess(code: number): never {
  for (const exit of immediateExits) exit(code);
  process.exit(code);
}
