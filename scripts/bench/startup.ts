// Start-up cost of dist/hns-cni, paid on every pod start: medians of `hns-cni` VERSION and of a no-op ADD, as ratios
// to `node -e 0` of the very Node 24 binary the executable embeds (from the build cache), measured in the same run.
// hyperfine when installed (apt package `hyperfine`), else a spawnSync loop.
// Environment: HNS_CNI_BIN (executable, default dist/hns-cni), HNS_CNI_BENCH_RUNS (default 30),
// HNS_CNI_BENCH_CODE_CACHE=1 also builds a variant without V8's code cache (one extra postject run) to show its effect.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { minimalConfig } from '../../test/fixtures/minimal-config.js';
import { injectBlob, makeSeaBlob } from '../build/sea.mjs';

const repo = path.resolve(import.meta.dirname, '../..');
const binary = path.resolve(repo, process.env.HNS_CNI_BIN ?? 'dist/hns-cni');
const runs = Number(process.env.HNS_CNI_BENCH_RUNS ?? 30);
const warmup = 3;
const rounds = 3;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-cni-bench-startup-'));

// The no-op ADD: the least an ADD can do is find everything already in place (a repeated ADD of the same container
// against the simulator). The namespace is made the way containerd does (`hns-cni hns namespace-create`), and a
// first, unmeasured ADD sets the pod up. Adjust the config here when the schema moves.
const NOOP_ADD_CONFIG = minimalConfig('nat', { cniVersion: '1.1.0' });
const NOOP_ADD_ENV = {
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'bench-noop-add',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=bench',
  HNS_CNI_HCN: 'sim',
  HNS_CNI_SIM_STATE: path.join(work, 'sim-state.json'),
  HNS_CNI_DATA_DIR: path.join(work, 'data'),
  HNS_CNI_LOG: path.join(work, 'hns-cni.log'),
};

interface Case {
  label: string;
  argv: string[];
  env?: Record<string, string>;
  stdinFile?: string;
}

interface BuildInfo {
  node: string;
  codeCache: { linux: boolean };
  baseLinux: string;
  koffiLinux: { file: string };
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

/** Wall-clock times in ms of `count` executions after `warmup` unmeasured ones. */
function measure(c: Case, count: number, useHyperfine: boolean): number[] {
  const stdin = c.stdinFile ?? '/dev/null';
  if (useHyperfine) {
    const out = path.join(work, 'hyperfine.json');
    const command = `${c.argv.map(shellQuote).join(' ')} < ${shellQuote(stdin)} > /dev/null 2>&1`;
    const args = ['--warmup', String(warmup), '--runs', String(count), '--style', 'none', '--export-json', out];
    const r = spawnSync('hyperfine', [...args, '-i', command], { env: cleanEnv(c.env), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`hyperfine failed on ${c.label}: ${r.stderr}`);
    const { results } = JSON.parse(fs.readFileSync(out, 'utf8')) as { results: { times: number[] }[] };
    return results[0]!.times.map((s) => s * 1000);
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

/** Creates the pod's namespace in the simulator and returns the ADD's environment. */
function prepareNoopAdd(): Record<string, string> {
  const simEnv = { HNS_CNI_HCN: 'sim', HNS_CNI_SIM_STATE: NOOP_ADD_ENV.HNS_CNI_SIM_STATE };
  const r = spawnSync(binary, ['hns', 'namespace-create'], { env: cleanEnv(simEnv), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`hns-cni hns namespace-create failed: ${r.stderr}`);
  return { ...NOOP_ADD_ENV, CNI_NETNS: r.stdout.trim() };
}

/** Runs the ADD twice (setting the pod up, then once more) and says honestly what the measured ADDs are doing. */
function describeAdd(env: Record<string, string>, addConfig: string): string {
  spawnSync(binary, [], { env: cleanEnv(env), input: fs.readFileSync(addConfig) });
  const r = spawnSync(binary, [], { env: cleanEnv(env), input: fs.readFileSync(addConfig) });
  let reply: { code?: number; msg?: string } = {};
  try {
    reply = JSON.parse(r.stdout.toString()) as typeof reply;
  } catch {
    return `ADD (exit ${r.status}, no JSON reply: measure with care)`;
  }
  if (r.status === 0 && reply.code === undefined) return 'no-op ADD (repeated ADD, pod already set up, simulator)';
  return `ADD → error ${reply.code} "${String(reply.msg).slice(0, 44)}…" (not a real ADD yet)`;
}

/** A copy of the executable built without the code cache: same bundle and assets, `useCodeCache: false`. */
async function buildWithoutCodeCache(info: BuildInfo): Promise<string> {
  const config = JSON.parse(fs.readFileSync(path.join(repo, 'dist/sea/sea-config-linux.json'), 'utf8')) as {
    main: string;
    assets: Record<string, string>;
  };
  const blob = path.join(work, 'no-code-cache.blob');
  await makeSeaBlob(info.baseLinux, {
    configFile: path.join(work, 'sea-config.json'),
    main: config.main,
    output: blob,
    assets: config.assets,
    useCodeCache: false,
  });
  const out = path.join(work, 'hns-cni-no-code-cache');
  fs.copyFileSync(info.baseLinux, out);
  await injectBlob(out, blob);
  fs.chmodSync(out, 0o755);
  return out;
}

async function main(): Promise<void> {
  if (!fs.existsSync(binary)) throw new Error(`${binary} is missing: run npm run build first`);
  const info = JSON.parse(fs.readFileSync(path.join(repo, 'dist/build-info.json'), 'utf8')) as BuildInfo;
  const node = info.baseLinux;
  const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (nodeVersion !== `v${info.node}`) throw new Error(`${node} is ${nodeVersion}, the executable embeds ${info.node}`);

  const addConfig = path.join(work, 'add.json');
  fs.writeFileSync(addConfig, JSON.stringify(NOOP_ADD_CONFIG));
  const hyperfine = hyperfineVersion();
  const addEnv = prepareNoopAdd();
  const cases: Case[] = [
    { label: `node -e 0 (the embedded Node ${nodeVersion}, baseline)`, argv: [node, '-e', '0'] },
    { label: 'hns-cni VERSION', argv: [binary], env: { CNI_COMMAND: 'VERSION' } },
    { label: describeAdd(addEnv, addConfig), argv: [binary], env: addEnv, stdinFile: addConfig },
  ];
  if (process.env.HNS_CNI_BENCH_CODE_CACHE === '1' && info.codeCache.linux) {
    const variant = await buildWithoutCodeCache(info);
    cases.push({
      label: 'hns-cni VERSION, built without code cache',
      argv: [variant],
      env: { CNI_COMMAND: 'VERSION' },
    });
  }

  console.log(
    `start-up of ${path.relative(repo, binary)} (SEA, code cache ${info.codeCache.linux ? 'on' : 'off'}): median of ` +
      `${runs} runs (${rounds} interleaved rounds, ${warmup} warm-up each), ` +
      `${hyperfine ?? 'spawnSync loop (hyperfine not installed)'}`,
  );
  const times = measureInRounds(cases, hyperfine !== undefined);
  const baseline = median(times[0]!);
  const baselineMin = Math.min(...times[0]!);
  console.log(`  ${''.padEnd(92)}  median  ratio    min  ratio`);
  cases.forEach((c, i) => {
    const m = median(times[i]!);
    const min = Math.min(...times[i]!);
    const cells = [
      `${m.toFixed(1)} ms`,
      `${(m / baseline).toFixed(2)}×`,
      `${min.toFixed(1)}`,
      `${(min / baselineMin).toFixed(2)}×`,
    ];
    console.log(
      `  ${c.label.padEnd(92)} ${cells[0]!.padStart(8)} ${cells[1]!.padStart(6)} ${cells[2]!.padStart(6)} ${cells[3]!.padStart(6)}`,
    );
  });
}

try {
  await main();
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
