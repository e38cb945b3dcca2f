// The executable pair (docs/agent-server.md, "The native front"): what the runtime runs, `hns-cni.exe` (or an
// anchor's name for the drop-in), is a small native program, the front, which relays a CNI verb to the node agent
// and, when no agent takes it, starts the Node executable beside it, the engine (`hns-cni-engine.exe`), as
//   hns-cni-engine[.exe] --front=<the front's absolute path> [--fallback=<why>] <the front's own arguments...>
// The engine strips those two arguments here and behaves as if it had been started as the front: its name selects an
// anchor's rules, `install` copies both files, and the CNI verb runs in-process (the front has already offered it to
// the agent). Run directly, the engine is a complete plugin on its own (it offers the verb to the agent itself).
import * as path from 'node:path';

/** The engine's file name beside the front. */
export function engineFileName(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'hns-cni-engine.exe' : 'hns-cni-engine';
}

/** The front's usual file name (an install may give it an anchor's name instead). */
export function frontFileName(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'hns-cni.exe' : 'hns-cni';
}

export interface FrontOrigin {
  /** Absolute path of the front that started this engine. */
  frontPath: string;
  /** Why the front did not hand the verb to the agent (a short reason code), when it said. */
  fallback: string | undefined;
}

let origin: FrontOrigin | undefined;

/** Takes the front's arguments off `argv` (the arguments after the executable) and remembers them. */
export function takeFrontArguments(argv: string[]): string[] {
  const first = argv[0];
  if (first === undefined || !first.startsWith('--front=')) return argv;
  const frontPath = first.slice('--front='.length);
  let rest = argv.slice(1);
  let fallback: string | undefined;
  if (rest[0]?.startsWith('--fallback=')) {
    fallback = rest[0].slice('--fallback='.length);
    rest = rest.slice(1);
  }
  origin = { frontPath, fallback };
  return rest;
}

/** The front that started this process, if a front did. */
export function frontOrigin(): FrontOrigin | undefined {
  return origin;
}

/** The path this process stands for: the front's when a front started it, else the executable's own. */
export function invokedPath(): string {
  return origin?.frontPath ?? process.execPath;
}

/** The front expected beside an engine at `enginePath` (for `install` run on the engine directly). */
export function frontBeside(enginePath: string, platform: NodeJS.Platform = process.platform): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  return p.join(p.dirname(enginePath), frontFileName(platform));
}
