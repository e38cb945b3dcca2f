// Start-up cost of the executables, paid on every pod start, as ratios measured in the same run, with the targets of
// issue 14 beside them:
// Each for the native front (what the runtime runs) and the Node engine beside it (every verb no agent takes):
//   Linux:   `hns-cni` VERSION against `node -e 0` of the very Node 24 binary it embeds (from the build cache), and a
//            no-op ADD (a repeated ADD, in-process simulator) against VERSION;
//   Windows: `hns-cni.exe` VERSION against `node.exe -e 0` of the node.exe it embeds, under Wine 10 in the Wine stage's
//            root (skipped, saying so, when that root is absent).
// hyperfine when installed (apt package `hyperfine`), else a spawnSync loop; medians, interleaved rounds.
// Environment: HNS_CNI_BIN / HNS_CNI_EXE (executables, default dist/), HNS_CNI_BENCH_RUNS (default 30),
// HNS_CNI_BENCH_BASELINE_BIN / HNS_CNI_BENCH_BASELINE_EXE (another build measured in the same rounds: before/after),
// HNS_CNI_BENCH_VARIANTS=1 (also builds and measures the other start-up aids: Linux code cache and none, Windows
// code cache made by node.exe; one postject run each).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { minimalConfig } from '../../test/fixtures/minimal-config.js';
import { injectBlob, makeSeaBlob, removeSignature, type Startup } from '../build/sea.mjs';
import { makeSeaBlobUnderWine } from '../build/wine-blob.mjs';
import { measureUnderWine, type WineCase, wineProblem } from './lib/wine-startup.js';

const repo = path.resolve(import.meta.dirname, '../..');
const binary = path.resolve(repo, process.env.HNS_CNI_BIN ?? 'dist/hns-cni');
const exe = path.resolve(repo, process.env.HNS_CNI_EXE ?? 'dist/hns-cni.exe');
// The Node engines beside the native fronts (src/cni/front-origin.ts), measured too: they run every verb no agent takes.
const engineBinary = path.join(path.dirname(binary), 'hns-cni-engine');
const engineExe = path.join(path.dirname(exe), 'hns-cni-engine.exe');
const runs = Number(process.env.HNS_CNI_BENCH_RUNS ?? 30);
const warmup = 3;
const rounds = 3;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-cni-bench-startup-'));

const WINE_ADD_ENV = {
  CNI_CONTAINERID: 'bench-invalid',
  CNI_NETNS: '00000000-0000-0000-0000-000000000001',
  CNI_IFNAME: 'eth0',
  CNI_PATH: 'C:\\opt\\cni\\bin',
  HNS_CNI_LOG: 'C:\\hns-cni-bench.log',
};

const TARGETS = { linuxVersion: 1.15, noopAdd: 1.5, windowsVersion: 1.05 };

// The no-op ADD: the least an ADD can do is find everything already in place (a repeated ADD of the same container
// against the simulator). The namespace is made the way containerd does (`hns-cni hns namespace-create`), and a
// first, unmeasured ADD sets the pod up. Adjust the config here when the schema moves.
const NOOP_ADD_CONFIG = minimalConfig('nat', { cniVersion: '1.1.0' });
const noopAddEnv = (dir: string) => ({
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'bench-noop-add',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=bench',
  HNS_CNI_HCN: 'sim',
  HNS_CNI_SIM_STATE: path.join(dir, 'sim-state.json'),
  HNS_CNI_DATA_DIR: path.join(dir, 'data'),
  HNS_CNI_LOG: path.join(dir, 'hns-cni.log'),
});

interface Case {
  label: string;
  argv: string[];
  env?: Record<string, string>;
  stdinFile?: string;
}

interface BuildInfo {
  node: string;
  startup: { linux: Startup; win32: Startup };
  win32StartupNote?: string;
  baseLinux: string;
  baseWin32: string;
  /** What each blob was made from (scripts/build.mjs). */
  blobInputs?: Record<'linux' | 'win32', { main: string; assets: Record<string, string> }>;
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('CNI_') && !k.startsWith('HNS_CNI_') && k !== 'NODE_OPTIONS') env[k] = v;
  }
  return { ...env, ...extra };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function hyperfineVersion(): string | undefined {
  const r = spawnSync('hyperfine', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** CPU time (user + system) in ms per case, summed over what was measured, and the number of runs. */
const cpu = new Map<Case, { ms: number; runs: number }>();

/** Wall-clock times in ms of `count` executions after `warmup` unmeasured ones. */
function measure(c: Case, count: number, useHyperfine: boolean): number[] {
  const stdin = c.stdinFile ?? '/dev/null';
  if (useHyperfine) {
    const out = path.join(work, 'hyperfine.json');
    const command = `${c.argv.map(shellQuote).join(' ')} < ${shellQuote(stdin)} > /dev/null 2>&1`;
    const args = ['--warmup', String(warmup), '--runs', String(count), '--style', 'none', '--export-json', out];
    const r = spawnSync('hyperfine', [...args, '-i', command], { env: cleanEnv(c.env), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`hyperfine failed on ${c.label}: ${r.stderr}`);
    const { results } = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      results: { times: number[]; user: number; system: number }[];
    };
    const r0 = results[0]!;
    const sum = cpu.get(c) ?? { ms: 0, runs: 0 };
    cpu.set(c, { ms: sum.ms + (r0.user + r0.system) * 1000 * r0.times.length, runs: sum.runs + r0.times.length });
    return r0.times.map((s) => s * 1000);
  }
  const input = fs.readFileSync(stdin);
  const times: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const start = performance.now();
    spawnSync(c.argv[0]!, c.argv.slice(1), { env: cleanEnv(c.env), input, stdio: ['pipe', 'ignore', 'ignore'] });
    if (i >= warmup) times.push(performance.now() - start);
  }
  return times;
}

/**
 * The cases take turns in `rounds` rounds of runs/rounds each: on a shared machine the load drifts, and measuring
 * the baseline only at the start would skew every ratio.
 */
function measureInRounds(cases: Case[], useHyperfine: boolean): number[][] {
  const times = cases.map((): number[] => []);
  const perRound = Math.ceil(runs / rounds);
  for (let round = 0; round < rounds; round++) {
    cases.forEach((c, i) => {
      times[i]!.push(...measure(c, perRound, useHyperfine));
    });
  }
  return times;
}

/** Creates the pod's namespace in a simulator of its own for `bin` and returns the ADD's environment. */
function prepareNoopAdd(bin: string, dir: string): Record<string, string> {
  fs.mkdirSync(dir, { recursive: true });
  const env = noopAddEnv(dir);
  const simEnv = { HNS_CNI_HCN: 'sim', HNS_CNI_SIM_STATE: env.HNS_CNI_SIM_STATE };
  const r = spawnSync(bin, ['hns', 'namespace-create'], { env: cleanEnv(simEnv), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin} hns namespace-create failed: ${r.stderr}`);
  return { ...env, CNI_NETNS: r.stdout.trim() };
}

/** Runs the ADD twice (setting the pod up, then once more) and says honestly what the measured ADDs are doing. */
function describeAdd(bin: string, env: Record<string, string>, addConfig: string): string {
  spawnSync(bin, [], { env: cleanEnv(env), input: fs.readFileSync(addConfig) });
  const r = spawnSync(bin, [], { env: cleanEnv(env), input: fs.readFileSync(addConfig) });
  let reply: { code?: number; msg?: string } = {};
  try {
    reply = JSON.parse(r.stdout.toString()) as typeof reply;
  } catch {
    return `ADD (exit ${r.status}, no JSON reply: measure with care)`;
  }
  if (r.status === 0 && reply.code === undefined) return 'no-op ADD';
  return `ADD → error ${reply.code} "${String(reply.msg).slice(0, 44)}…" (not a real ADD yet)`;
}

/** A copy of this build's executable with another start-up aid: same bundle and assets. */
async function buildVariant(info: BuildInfo, platform: 'linux' | 'win32', startup: Startup): Promise<string> {
  const config = info.blobInputs?.[platform];
  if (config === undefined) throw new Error('dist/build-info.json has no blobInputs: run npm run build again');
  const blob = path.join(work, `${platform}-${startup}.blob`);
  const o = { configFile: path.join(work, 'sea-config.json'), main: config.main, output: blob, assets: config.assets };
  const out = path.join(work, `hns-cni-${startup}${platform === 'win32' ? '.exe' : ''}`);
  if (platform === 'linux') {
    await makeSeaBlob(info.baseLinux, { ...o, startup });
    fs.copyFileSync(info.baseLinux, out);
  } else {
    await makeSeaBlobUnderWine(info.baseWin32, { ...o, startup });
    await removeSignature('osslsigncode', info.baseWin32, out);
  }
  await injectBlob(out, blob);
  fs.chmodSync(out, 0o755);
  return out;
}

interface Subject {
  name: string;
  file: string;
}

const ratio = (x: number, base: number) => `${(x / base).toFixed(2)}×`;
const verdict = (value: number, target: number) =>
  `${value.toFixed(2)}× (target ≤ ${target.toFixed(2)}×: ${value <= target ? 'met' : 'NOT met'})`;

async function main(): Promise<void> {
  if (!fs.existsSync(binary)) throw new Error(`${binary} is missing: run npm run build first`);
  const info = JSON.parse(fs.readFileSync(path.join(repo, 'dist/build-info.json'), 'utf8')) as BuildInfo;
  const node = info.baseLinux;
  const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (nodeVersion !== `v${info.node}`) throw new Error(`${node} is ${nodeVersion}, the executable embeds ${info.node}`);
  const variants = process.env.HNS_CNI_BENCH_VARIANTS === '1';

  const linux: Subject[] = [
    { name: 'native front', file: binary },
    { name: `engine (${info.startup.linux})`, file: engineBinary },
  ];
  if (process.env.HNS_CNI_BENCH_BASELINE_BIN) {
    linux.push({ name: 'baseline', file: path.resolve(process.env.HNS_CNI_BENCH_BASELINE_BIN) });
  }
  if (variants) {
    for (const kind of ['code-cache', 'none'] as const) {
      if (kind !== info.startup.linux) linux.push({ name: kind, file: await buildVariant(info, 'linux', kind) });
    }
  }
  const addConfig = path.join(work, 'add.json');
  fs.writeFileSync(addConfig, JSON.stringify(NOOP_ADD_CONFIG));
  const hyperfine = hyperfineVersion();
  const cases: Case[] = [{ label: `node -e 0 (the embedded Node ${nodeVersion})`, argv: [node, '-e', '0'] }];
  linux.forEach((s, i) => {
    const env = prepareNoopAdd(s.file, path.join(work, `add-${i}`));
    cases.push({ label: `${s.name}: VERSION`, argv: [s.file], env: { CNI_COMMAND: 'VERSION' } });
    cases.push({
      label: `${s.name}: ${describeAdd(s.file, env, addConfig)}`,
      argv: [s.file],
      env: { ...env, HNS_CNI_AGENT: 'off' },
      stdinFile: addConfig,
    });
  });
  // The same no-op ADD with this build's node agent serving it (`node --serve-only`, docs/agent-server.md).
  const agentEnv = prepareNoopAdd(binary, path.join(work, 'add-agent'));
  const agent = await startAgent(binary, agentEnv);
  const agentCase: Case = {
    label: `${linux[0]!.name}: ${describeAdd(binary, agentEnv, addConfig)} through the agent`,
    argv: [binary],
    env: agentEnv,
    stdinFile: addConfig,
  };
  cases.push(agentCase);

  console.log(
    `Linux start-up: median of ${runs} runs (${rounds} interleaved rounds, ${warmup} warm-up each), ` +
      `${hyperfine ?? 'spawnSync loop (hyperfine not installed)'}; load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  let times: number[][];
  try {
    times = measureInRounds(cases, hyperfine !== undefined);
  } finally {
    agent.kill('SIGTERM');
  }
  const medians = times.map(median);
  const baseline = medians[0]!;
  console.log(`  ${''.padEnd(64)}  median  vs node   cpu (user+sys)`);
  cases.forEach((c, i) => {
    const used = cpu.get(c);
    const cpuCell = used ? `${(used.ms / used.runs).toFixed(1)} ms` : '';
    console.log(
      `  ${c.label.padEnd(64)} ${`${medians[i]!.toFixed(1)} ms`.padStart(8)} ${ratio(medians[i]!, baseline).padStart(7)}   ${cpuCell}`,
    );
  });
  linux.forEach((s, i) => {
    const version = medians[1 + 2 * i]!;
    const add = medians[2 + 2 * i]!;
    console.log(`  ${s.name}: VERSION / node -e 0 = ${verdict(version / baseline, TARGETS.linuxVersion)}`);
    console.log(`  ${s.name}: no-op ADD / VERSION = ${verdict(add / version, TARGETS.noopAdd)}`);
  });
  const viaAgent = medians[cases.indexOf(agentCase)]!;
  console.log(
    `  ${linux[0]!.name}: no-op ADD through the agent / VERSION = ${verdict(viaAgent / medians[1]!, TARGETS.noopAdd)}`,
  );
  // The front answers VERSION without starting Node: measured against a bare Node start, the issue's intent.
  console.log(
    `  ${linux[0]!.name}: no-op ADD through the agent / node -e 0 = ${verdict(viaAgent / baseline, TARGETS.noopAdd)}`,
  );
  const served = fs
    .readFileSync(agentEnv.HNS_CNI_LOG!, 'utf8')
    .split('\n')
    .filter((l) => l.includes('agent: CNI request served'));
  console.log(
    `  (the agent served ${served.length} ADDs: every measured one, warm-ups and the two set-up runs included)`,
  );

  const problem = wineProblem();
  if (problem !== undefined) {
    console.log(`Windows start-up under Wine: NOT MEASURED: ${problem}`);
    return;
  }
  const windows: Subject[] = [
    { name: 'native front', file: exe },
    { name: `engine (${info.startup.win32})`, file: engineExe },
  ];
  if (info.win32StartupNote) console.log(`  (hns-cni.exe has no start-up aid: ${info.win32StartupNote})`);
  if (process.env.HNS_CNI_BENCH_BASELINE_EXE) {
    windows.push({ name: 'baseline', file: path.resolve(process.env.HNS_CNI_BENCH_BASELINE_EXE) });
  }
  if (variants && info.startup.win32 !== 'code-cache') {
    windows.push({ name: 'code-cache', file: await buildVariant(info, 'win32', 'code-cache') });
  }
  // No HNS under Wine here (the Wine stage and the side-by-side bench bring the C stub and the simulator): an ADD
  // whose config fails validation is the plugin's whole initialisation (handlers, config schemas, the log file
  // through winston) without an HCN call.
  const badConfig = path.join(work, 'add-invalid.json');
  fs.writeFileSync(badConfig, JSON.stringify(minimalConfig('nat', { cniVersion: '1.1.0', ipam: { subnet: 'x' } })));
  const addEnv = { ...WINE_ADD_ENV, CNI_COMMAND: 'ADD' };
  const wineCases: WineCase[] = [
    { label: `node.exe -e 0 (the embedded Node ${nodeVersion})`, exe: info.baseWin32, args: ['-e', '0'] },
    ...windows.flatMap((s) => [
      { label: `${s.name}: VERSION`, exe: s.file, args: [], env: { CNI_COMMAND: 'VERSION' } },
      {
        label: `${s.name}: ADD failing config validation (code 7)`,
        exe: s.file,
        args: [],
        env: addEnv,
        stdinFile: badConfig,
      },
    ]),
  ];
  const wineRuns = Math.max(10, Math.ceil(runs / 2));
  console.log(`Windows start-up under Wine 10: median of ${wineRuns} interleaved runs, one wineserver kept running`);
  const measured = measureUnderWine(wineCases, wineRuns);
  const wineMedians = measured.times.map(median);
  wineCases.forEach((c, i) => {
    const reply = c.stdinFile ? `  → ${measured.replies[i]!.slice(0, 60)}` : '';
    console.log(
      `  ${c.label.padEnd(64)} ${`${wineMedians[i]!.toFixed(1)} ms`.padStart(8)} ${ratio(wineMedians[i]!, wineMedians[0]!).padStart(7)}${reply}`,
    );
  });
  windows.forEach((s, i) => {
    const r = wineMedians[1 + 2 * i]! / wineMedians[0]!;
    console.log(`  ${s.name}: VERSION / node.exe -e 0 = ${verdict(r, TARGETS.windowsVersion)}`);
  });
}

/** `bin node --serve-only` with the ADD's environment; resolves once its endpoint file names it. */
async function startAgent(bin: string, env: Record<string, string>): Promise<ChildProcess> {
  const own = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('CNI_')));
  const child = spawn(bin, ['node', '--serve-only'], { env: cleanEnv(own), stdio: 'ignore' });
  const file = path.join(env.HNS_CNI_DATA_DIR!, 'agent-cni.json');
  const started = performance.now();
  for (;;) {
    try {
      if ((JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number }).pid === child.pid) return child;
    } catch {
      // not yet
    }
    if (child.exitCode !== null || performance.now() - started > 60_000) throw new Error('the agent did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
}

try {
  await main();
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
