// Sets up the Wine stage once per run: fails loudly when an input is missing, builds or reuses the trixie root
// (scripts/wine/root.sh) under an exclusive lock held for the whole run, lays out the Windows side
// (scripts/wine/install.sh), starts `hns-cni sim serve` on the Linux side, and tears all of it down again, printing
// how long the stage took and how many Wine invocations it made.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { acquireWineStage } from '../../scripts/wine/stage-lock.js';
import { dist, scripts, type WineStageInfo } from './paths.js';

const log = (line: string) => process.stderr.write(`[wine-stage] ${line}\n`);

function assertInputs(): void {
  const required: [string, string][] = [
    [dist.exe, 'npm run build'],
    [dist.engineExe, 'npm run build'],
    [dist.linuxExe, 'npm run build (the Linux build serves the simulator and answers the Linux-side queries)'],
    [dist.computenetworkDll, 'bash scripts/build-native.sh'],
    [dist.vmcomputeDll, 'bash scripts/build-native.sh'],
    [dist.iphlpDll, 'bash scripts/build-native.sh'],
    [dist.linuxStub, 'bash scripts/build-native.sh'],
    [dist.cnictlExe, 'bash scripts/build-go-client.sh'],
    [dist.cnictl, 'bash scripts/build-go-client.sh'],
  ];
  const missing = required.filter(([file]) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `The Wine stage cannot run: missing ${missing.map(([f, how]) => `\n  ${f}  (${how})`).join('')}\n` +
        'It tests the shipped Windows executable and is never skipped: build the inputs first.',
    );
  }
  if (process.getuid?.() !== 0) throw new Error('The Wine stage needs root (chroot and mount namespaces).');
}

/** $HNS_WINE_ROOT as scripts/wine/lib.sh computes it (one source of truth for the default and the override). */
function wineRoot(): string {
  return execFileSync('bash', ['-c', `. "${scripts.lib}"; printf %s "$HNS_WINE_ROOT"`], { encoding: 'utf8' });
}

/** State a previous run left in the prefix: the plugin's data dir and log, libcni's cache, conflists, stdio files. */
function resetPrefixState(root: string, driveC: string): void {
  for (const dir of ['ProgramData/hns-cni', 'hns-cni-test/cni-cache'])
    rmSync(join(driveC, dir), { recursive: true, force: true });
  const confDir = join(driveC, 'Program Files/containerd/cni/conf');
  for (const f of readdirSync(confDir)) rmSync(join(confDir, f), { force: true });
  for (const f of readdirSync(join(root, 'tmp'))) {
    if (f.startsWith('hns-cni-stage-')) rmSync(join(root, 'tmp', f), { recursive: true, force: true });
  }
}

/**
 * `hns-cni sim serve`, under a small shell that stops it when our end of its stdin closes: at teardown, or when this
 * process dies however it dies (no orphaned server). If the server exits by itself, so does the shell, with its code.
 */
const SERVE_UNTIL_STDIN_CLOSES = `
  exec 3<&0
  "$0" sim serve --listen 127.0.0.1:0 </dev/null &
  server=$!
  # Explicit <&3: a background job's stdin is otherwise /dev/null.
  ( cat <&3 >/dev/null; kill -TERM "$server" 2>/dev/null ) &
  wait "$server"`;

function startSimServer(runDir: string, simState: string): Promise<{ server: ChildProcess; addr: string }> {
  const server = spawn('bash', ['-c', SERVE_UNTIL_STDIN_CLOSES, dist.linuxExe], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HNS_CNI_HCN: 'sim',
      HNS_CNI_SIM_STATE: simState,
      HNS_CNI_LOG: join(runDir, 'sim-serve.log'),
    },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      server.kill('SIGKILL');
      reject(new Error(`hns-cni sim serve printed no address within 20 s: ${out}${err}`));
    }, 20_000);
    server.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /\b(127\.0\.0\.1:\d+)\b/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ server, addr: m[1] });
      }
    });
    server.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    server.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hns-cni sim serve exited (${code}) before listening: ${out}${err}`));
    });
  });
}

/** Closes the child's stdin, which is how both of our long-lived children are told to stop, and waits for it. */
async function closeAndWait(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killer);
}

function summarize(runDir: string, startedAt: number, setupMs: number): void {
  const file = join(runDir, 'invocations.jsonl');
  const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
  const runs = lines.map((l) => JSON.parse(l) as { what: string; ms: number });
  const byProgram = new Map<string, number>();
  for (const r of runs) {
    const program = r.what.split(' ')[0];
    byProgram.set(program, (byProgram.get(program) ?? 0) + 1);
  }
  const inWine = runs.reduce((s, r) => s + r.ms, 0) / 1000;
  const parts = [...byProgram].map(([p, n]) => `${p} ${n}`).join(', ');
  log(
    `${runs.length} Wine invocations (${parts || 'none'}), ${inWine.toFixed(1)} s in Wine; ` +
      `stage ${((performance.now() - startedAt) / 1000).toFixed(1)} s (setup ${(setupMs / 1000).toFixed(1)} s)`,
  );
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const startedAt = performance.now();
  assertInputs();
  const root = wineRoot();
  const driveC = join(root, 'wine/prefix/drive_c');
  const runDir = mkdtempSync(join(tmpdir(), 'hns-cni-wine-'));
  const simState = join(runDir, 'sim-state.json');
  const holder = await acquireWineStage(root).catch((err: unknown) => {
    rmSync(runDir, { recursive: true, force: true });
    throw err;
  });
  let server: ChildProcess | undefined;
  let setupMs = 0;

  const teardown = async () => {
    if (server) await closeAndWait(server);
    // Still under our lock: stop every Wine process of the prefix, and check nothing stayed mounted on the host.
    try {
      execFileSync('bash', [scripts.teardown], { stdio: 'inherit' });
    } finally {
      await closeAndWait(holder);
      summarize(runDir, startedAt, setupMs);
      if (process.env.HNS_CNI_WINE_KEEP === '1') log(`kept ${runDir}`);
      else rmSync(runDir, { recursive: true, force: true });
    }
  };

  try {
    resetPrefixState(root, driveC);
    const started = await startSimServer(runDir, simState);
    server = started.server;
    const info: WineStageInfo = { root, driveC, stubAddr: started.addr, simState, runDir };
    project.provide('wineStage', info);
    setupMs = performance.now() - startedAt;
    log(`ready in ${(setupMs / 1000).toFixed(1)} s: root ${root}, sim serve on ${started.addr}`);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
