// The Wine stage's test harness: where things live in the Windows prefix, and how to run the shipped hns-cni.exe
// (directly, or through the Windows CNI client cnictl.exe) and the Linux-side debug commands that assert on what it
// did. The stage itself (root, prefix, `sim serve`) is set up once per run by global-setup.ts.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject } from 'vitest';
import type { SimStats } from '../../src/hns/sim/instrumentation.js';
import { dist, repo, scripts, type WineStageInfo, win } from './paths.js';

export { dist, repo, scripts, type WineStageInfo, win };

declare module 'vitest' {
  export interface ProvidedContext {
    wineStage: WineStageInfo;
  }
}

export function stage(): WineStageInfo {
  return inject('wineStage');
}

/** The Linux path of a file on the prefix's C:\ drive. */
export function onDriveC(windowsPath: string): string {
  const m = /^[cC]:\\(.*)$/.exec(windowsPath);
  if (!m) throw new Error(`not a C:\\ path: ${windowsPath}`);
  return join(stage().driveC, ...m[1].split('\\').filter(Boolean));
}

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/** One line per Wine invocation; global-setup's teardown prints the count and the time spent. */
function recordInvocation(what: string, ms: number): void {
  appendFileSync(join(stage().runDir, 'invocations.jsonl'), `${JSON.stringify({ what, ms })}\n`);
}

export function wineRun(
  options: string[],
  program: string,
  args: string[],
  what: string,
  timeoutSec: number,
  input = '',
): Ran {
  const started = performance.now();
  const r: SpawnSyncReturns<string> = spawnSync(
    'bash',
    [scripts.run, '--timeout', String(timeoutSec), ...options, '--', program, ...args],
    { encoding: 'utf8', input, timeout: (timeoutSec + 15) * 1000 },
  );
  recordInvocation(what, performance.now() - started);
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function pluginEnv(extra: Record<string, string>): string[] {
  const env = { HNS_CNI_STUB_ADDR: stage().stubAddr, ...extra };
  return Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
}

let ioCounter = 0;

/**
 * Runs hns-cni.exe directly under Wine with the given environment and stdin. stdout/stderr are regular files inside
 * the root (Node's stream stdio fails with EBADF on the Unix pipes Wine would otherwise hand it); stdin is the Unix
 * socket Node's spawnSync makes, which `fs.readFileSync(0)` reads fine — a regular file there fails under Wine
 * (`EINVAL ... fstat`).
 */
export function runExe(
  args: string[],
  opts: { env?: Record<string, string>; stdin?: string; timeoutSec?: number } = {},
): Ran {
  const io = join(stage().root, 'tmp', `hns-cni-stage-${process.pid}`);
  mkdirSync(io, { recursive: true });
  const base = join(io, String(++ioCounter));
  const ran = wineRun(
    [...pluginEnv(opts.env ?? {}), '--stdout', `${base}.out`, '--stderr', `${base}.err`],
    win.exe,
    args,
    `hns-cni.exe ${opts.env?.CNI_COMMAND ?? args.join(' ')}`,
    opts.timeoutSec ?? 60,
    opts.stdin ?? '',
  );
  return { ...ran, stdout: readFileSync(`${base}.out`, 'utf8'), stderr: readFileSync(`${base}.err`, 'utf8') };
}

/** A JSON document that cnictl printed (stdout) or its error document (last line of stderr). */
export type Doc = Record<string, unknown>;

export interface CnictlOutcome {
  status: number;
  out: Doc;
  err: Doc;
  raw: Ran;
}

function parseLastJsonLine(text: string): Doc {
  const line = text.trim().split('\n').pop() ?? '';
  if (line === '') return {};
  try {
    return JSON.parse(line) as Doc;
  } catch {
    return { unparsed: text };
  }
}

function outcomeOf(raw: Ran): CnictlOutcome {
  return { status: raw.status, out: parseLastJsonLine(raw.stdout), err: parseLastJsonLine(raw.stderr), raw };
}

/** Runs the Windows CNI client (libcni) under Wine; it executes hns-cni.exe from the cni\bin dir with pipes. */
export function cnictlExe(
  args: string[],
  opts: { env?: Record<string, string>; timeoutSec?: number } = {},
): CnictlOutcome {
  const all = [...args, '--bin-dir', win.binDir];
  if (args[0] !== 'version' && args[0] !== 'status' && !args.includes('--cache-dir'))
    all.push('--cache-dir', win.cniCache);
  return outcomeOf(wineRun(pluginEnv(opts.env ?? {}), win.cnictl, all, `cnictl.exe ${args[0]}`, opts.timeoutSec ?? 90));
}

/**
 * The Linux build of the same plugin, through the FFI client and the Linux C stub against the same `sim serve`:
 * the reference the Windows exe's answers are compared with.
 */
export function linuxPluginEnv(): NodeJS.ProcessEnv {
  const s = stage();
  return {
    ...process.env,
    HNS_CNI_HCN: 'ffi',
    HNS_CNI_HCN_LIBRARY: dist.linuxStub,
    HNS_CNI_STUB_ADDR: s.stubAddr,
    HNS_CNI_DATA_DIR: join(s.runDir, 'linux-data'),
    HNS_CNI_LOG: join(s.runDir, 'linux-plugin.log'),
  };
}

/** Linux cnictl driving the Linux build (dist/ is its bin dir), for side-by-side comparisons. */
export function cnictlLinux(args: string[]): CnictlOutcome {
  const all = [...args, '--bin-dir', join(repo, 'dist')];
  if (args[0] !== 'version' && args[0] !== 'status') all.push('--cache-dir', join(stage().runDir, 'linux-cni-cache'));
  const r = spawnSync(dist.cnictl, all, { encoding: 'utf8', env: linuxPluginEnv(), timeout: 60_000 });
  if (r.error) throw r.error;
  return outcomeOf({ status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr });
}

/** The Linux build run directly (stdin given), same backend as cnictlLinux. */
export function runLinuxExe(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Ran {
  const r = spawnSync(dist.linuxExe, args, {
    encoding: 'utf8',
    input: opts.stdin ?? '',
    env: { ...linuxPluginEnv(), ...opts.env },
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A Linux-side debug command (`hns ...`, `sim ...`) on the simulator's state file, parsed from --json output. */
export function simCli<T>(args: string[]): T {
  const r = spawnSync(dist.linuxExe, args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      HNS_CNI_HCN: 'sim',
      HNS_CNI_SIM_STATE: stage().simState,
      HNS_CNI_LOG: join(stage().runDir, 'sim-cli.log'),
    },
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`hns-cni ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return (args.includes('--json') ? JSON.parse(r.stdout) : r.stdout) as T;
}

export function simStats(): SimStats {
  return simCli<SimStats>(['sim', 'stats', '--json']);
}

/** Writes a conflist into C:\Program Files\containerd\cni\conf and returns its Windows path. */
export function writeConflist(fileName: string, conflist: object): string {
  const winPath = `${win.confDir}\\${fileName}`;
  writeFileSync(onDriveC(winPath), JSON.stringify(conflist, null, 2));
  return winPath;
}

/** The Linux-side twin of a conflist (for cnictl driving the Linux build), in the run's scratch dir. */
export function writeLinuxConflist(tag: string, conflist: object): string {
  const file = join(stage().runDir, `${tag}.conflist`);
  writeFileSync(file, JSON.stringify(conflist, null, 2));
  return file;
}

function settled({ stub }: SimStats): boolean {
  return stub.outstanding === 0 && stub.allocatedReported === stub.allocated;
}

/**
 * Every out-string the simulator sent to a Windows process was freed there (the stub DLL counts the frees through
 * an IMallocSpy and reports them at DLL_PROCESS_DETACH; processes that got no string send no report), the stubs
 * counted the same allocations the server sent, and every HCN handle was closed.
 */
export function expectEveryOutStringFreed(): void {
  // Exit reports have no reply (native/PROTOCOL.md): the last process's may land just after it exited.
  let stats = simStats();
  for (const deadline = Date.now() + 5_000; !settled(stats) && Date.now() < deadline; stats = simStats()) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  const { stub, openHandles } = stats;
  expect(stub.allocated).toBeGreaterThan(0);
  expect({ outstanding: stub.outstanding, allocatedReported: stub.allocatedReported, openHandles }).toEqual({
    outstanding: 0,
    allocatedReported: stub.allocated,
    openHandles: 0,
  });
}
