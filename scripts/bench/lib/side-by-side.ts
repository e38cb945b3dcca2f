// The side-by-side measurement (issue 14), shared by `npm run bench -- side-by-side` (full) and the peers stage
// (short, reporting only): see scripts/bench/side-by-side.ts for what it measures and how.
import {
  type CallCount,
  CONTENDERS,
  type Contender,
  type HnsTiming,
  median,
  type Ran,
  WineBench,
} from './wine-bench.js';

export const TIMINGS: readonly HnsTiming[] = [
  { label: '0 ms per call', latency: { flatMs: 0 }, serialised: false },
  { label: '20 ms per call', latency: { flatMs: 20 }, serialised: false },
  { label: 'realistic profile, serialised', latency: { profile: 'realistic' }, serialised: true },
];
const BURST_TIMING: HnsTiming = {
  label: '20 ms per state change, serialised',
  latency: { flatMs: 20 },
  serialised: true,
};

/**
 * Where a burst lands. The issue's burst is a Deployment scaling or a node coming back: a node that has run pods on
 * this network before, so every contender first ADDs and DELs one pod (unmeasured) after the reset — host-local's
 * directory, hns-cni's IPAM store and network cache then exist, as they do on such a node. The same burst on a
 * network just created (a node's very first pods: hns-cni rebuilds a missing IPAM store from HNS and looks the
 * network up by name) is measured and reported too; the targets are judged on the first.
 */
export const BURST_SCENES = [
  { key: 'running', label: 'on a node that has run a pod', warmUp: true },
  { key: 'fresh', label: 'on a network just created', warmUp: false },
] as const;
type Scene = (typeof BURST_SCENES)[number]['key'];

/** The issue's targets: hns-cni's time as a fraction of win-bridge's, same run. */
export const TARGETS = [
  { what: 'burst ADD (serialised, 20 ms)', key: 'burstAdd', max: 0.6 },
  { what: 'burst DEL (serialised, 20 ms)', key: 'burstDel', max: 0.6 },
  { what: 'single ADD at 20 ms per call', key: 'add:20 ms per call', max: 0.8 },
  { what: 'single ADD, realistic profile', key: 'add:realistic profile, serialised', max: 0.7 },
] as const;

type Key = 'winBridge' | 'dropIn' | 'native' | 'agent';
const KEYS: readonly Key[] = ['winBridge', 'dropIn', 'native', 'agent'];

export interface Report {
  runs: number;
  burst: number;
  burstRounds: number;
  /** Median calls per verb per contender (from the 0 ms runs). */
  calls: Record<Key, { add: CallCount; del: CallCount }>;
  /** The calls of the last 0 ms round, per function. */
  callsByFunction: Record<Key, { add: Record<string, number>; del: Record<string, number> }>;
  /** Median wall ms per timing label, verb and contender. */
  single: Record<string, Record<'add' | 'del', Record<Key, number>>>;
  /** Every DEL time, to see a slow first DEL (issue 14). */
  delTimes: Record<string, Record<Key, number[]>>;
  /** Median wall ms for all pods of a burst to be networked / deleted, per scene (BURST_SCENES). */
  burstTimes: Record<Scene, Record<'add' | 'del', Record<Key, number>>>;
  /** Invocations of the bursts that failed (all rounds), with the first error seen. */
  burstFailures: Record<'add' | 'del', Record<Key, { count: number; first?: string }>>;
  /** Requests the agent served (its log): every ADD/DEL of the agent contender, when it went through the agent. */
  agentServed?: number;
}

export interface Options {
  runs: number;
  burst: number;
  burstRounds: number;
  log: (line: string) => void;
  /** Which contenders (default all; the agent's only when the bench started one). */
  contenders?: readonly Key[];
}

function expectOk(c: Contender, verb: string, r: Ran): void {
  if (r.status !== 0) throw new Error(`${c.label} ${verb} failed (exit ${r.status}): ${r.stdout} ${r.stderr}`);
  if (verb === 'ADD') {
    const result = JSON.parse(r.stdout) as { ips?: { address: string }[] };
    if (!result.ips?.[0]?.address.startsWith('10.244.1.'))
      throw new Error(`${c.label} ADD: no pod address: ${r.stdout}`);
  }
}

/** Contenders in a different order each round, so none always runs first (or right after another). */
function rotated<T>(xs: readonly T[], round: number): T[] {
  const k = round % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

/** Starts its own Wine stage (lock, prefix, `sim serve`) and a node agent for the agent contender, measures, stops. */
export async function sideBySide(peers: string, o: Options): Promise<Report> {
  const bench = await WineBench.start(peers);
  try {
    if (!o.contenders || o.contenders.includes('agent')) await bench.startAgent();
    return await measure(bench, o);
  } finally {
    await bench.stop();
  }
}

export async function measure(bench: WineBench, o: Options): Promise<Report> {
  const keys = o.contenders ?? KEYS.filter((k) => k !== 'agent' || bench.hasAgent);
  const empty = <T>(f: () => T) => Object.fromEntries(keys.map((k) => [k, f()])) as Record<Key, T>;
  const report: Report = {
    runs: o.runs,
    burst: o.burst,
    burstRounds: o.burstRounds,
    calls: empty(() => ({ add: { withClose: 0, withoutClose: 0 }, del: { withClose: 0, withoutClose: 0 } })),
    callsByFunction: empty(() => ({ add: {}, del: {} })),
    single: {},
    delTimes: {},
    burstTimes: {
      running: { add: empty(() => 0), del: empty(() => 0) },
      fresh: { add: empty(() => 0), del: empty(() => 0) },
    },
    burstFailures: { add: empty(() => ({ count: 0 })), del: empty(() => ({ count: 0 })) },
  };
  for (const timing of TIMINGS) {
    o.log(`  single ADD/DEL, ${timing.label}: ${o.runs} rounds`);
    await bench.reset(timing);
    const times = { add: empty((): number[] => []), del: empty((): number[] => []) };
    const counts = { add: empty((): CallCount[] => []), del: empty((): CallCount[] => []) };
    for (let round = 0; round < o.runs; round++) {
      const order = rotated(keys, round);
      const pods = new Map<Key, { id: string; netns: string }>();
      for (const k of order) pods.set(k, { id: `${k}-${round}`, netns: await bench.namespace() });
      for (const verb of ['ADD', 'DEL'] as const) {
        for (const k of order) {
          const pod = pods.get(k)!;
          const before = bench.countersNow();
          const r = await bench.run(CONTENDERS[k], verb, pod.id, pod.netns);
          expectOk(CONTENDERS[k], verb, r);
          const v = verb === 'ADD' ? 'add' : 'del';
          times[v][k].push(r.ms);
          const after = bench.countersNow();
          counts[v][k].push(WineBench.callsBetween(before, after));
          if (timing === TIMINGS[0]) report.callsByFunction[k][v] = WineBench.byFunction(before, after);
        }
      }
    }
    report.single[timing.label] = {
      add: empty(() => 0),
      del: empty(() => 0),
    };
    for (const k of keys) {
      report.single[timing.label]!.add[k] = median(times.add[k]);
      report.single[timing.label]!.del[k] = median(times.del[k]);
      if (timing.label === TIMINGS[0]!.label) {
        for (const v of ['add', 'del'] as const) {
          report.calls[k][v] = {
            withClose: median(counts[v][k].map((c) => c.withClose)),
            withoutClose: median(counts[v][k].map((c) => c.withoutClose)),
          };
        }
      }
    }
    report.delTimes[timing.label] = times.del;
  }

  for (const scene of BURST_SCENES) {
    o.log(`  burst of ${o.burst} pods ${scene.label}, ${BURST_TIMING.label}: ${o.burstRounds} rounds`);
    const burst = { add: empty((): number[] => []), del: empty((): number[] => []) };
    for (let round = 0; round < o.burstRounds; round++) {
      for (const k of rotated(keys, round)) {
        await bench.reset(BURST_TIMING);
        if (scene.warmUp) {
          const netns = await bench.namespace();
          for (const verb of ['ADD', 'DEL'] as const) {
            expectOk(CONTENDERS[k], verb, await bench.run(CONTENDERS[k], verb, `before-${k}-${round}`, netns));
          }
        }
        const pods = [];
        for (let i = 0; i < o.burst; i++) {
          pods.push({ id: `burst-${scene.key}-${k}-${round}-${i}`, netns: await bench.namespace() });
        }
        for (const verb of ['ADD', 'DEL'] as const) {
          const { ms, failures } = await bench.burst(CONTENDERS[k], verb, pods);
          const v = verb === 'ADD' ? 'add' : 'del';
          // A failure in a burst is a finding, not a reason to stop measuring: counted and shown with the figures.
          report.burstFailures[v][k].count += failures.length;
          if (failures.length > 0) report.burstFailures[v][k].first ??= failures[0]!.slice(0, 300);
          burst[v][k].push(ms);
          o.log(`    ${CONTENDERS[k].label} ${verb} ×${o.burst}: ${(ms / 1000).toFixed(2)} s`);
        }
      }
    }
    for (const k of keys) {
      report.burstTimes[scene.key].add[k] = median(burst.add[k]);
      report.burstTimes[scene.key].del[k] = median(burst.del[k]);
    }
  }
  if (keys.includes('agent')) report.agentServed = bench.agentServed();
  return report;
}

const ms = (x: number) => `${Math.round(x)} ms`;
const ratio = (x: number, base: number) => `${(x / base).toFixed(2)}×`;

/** The figure a target names, for one hns-cni contender, as a ratio to win-bridge. */
export function targetRatio(r: Report, key: (typeof TARGETS)[number]['key'], k: Key): number | undefined {
  if (key === 'burstAdd' || key === 'burstDel') {
    const v = key === 'burstAdd' ? 'add' : 'del';
    return r.burstTimes.running[v][k] / r.burstTimes.running[v].winBridge;
  }
  const single = r.single[key.slice('add:'.length)];
  return single && single.add[k] / single.add.winBridge;
}

export function burstFailed(r: Report): boolean {
  return Object.values(r.burstFailures).some((byKey) => Object.values(byKey).some((f) => f.count > 0));
}

export function printReport(r: Report, out: (line: string) => void): void {
  const keys = KEYS.filter((k) => r.calls[k] !== undefined);
  const label = (k: Key) => CONTENDERS[k].label.padEnd(42);
  out('');
  out('HCN calls per verb, counted by the simulator behind the stub (with Close / without Close):');
  out(`  ${''.padEnd(42)}  ${'ADD'.padStart(9)}  ${'DEL'.padStart(9)}`);
  for (const k of keys) {
    const c = r.calls[k];
    out(
      `  ${label(k)}  ${`${c.add.withClose} / ${c.add.withoutClose}`.padStart(9)}  ${`${c.del.withClose} / ${c.del.withoutClose}`.padStart(9)}`,
    );
  }
  out('  per function (the last round at 0 ms):');
  for (const k of keys) {
    for (const v of ['add', 'del'] as const) {
      out(`    ${label(k)}  ${v.toUpperCase()} ${JSON.stringify(r.callsByFunction[k][v])}`);
    }
  }
  out('');
  out(`Single ADD and DEL, wall time of the whole Wine invocation, median of ${r.runs} (ratio to win-bridge):`);
  for (const [timing, s] of Object.entries(r.single)) {
    out(`  ${timing}`);
    for (const k of keys) {
      out(
        `    ${label(k)}  ADD ${ms(s.add[k]).padStart(8)} ${ratio(s.add[k], s.add.winBridge).padStart(6)}   DEL ${ms(s.del[k]).padStart(8)} ${ratio(s.del[k], s.del.winBridge).padStart(6)}`,
      );
    }
  }
  out('');
  out(`DEL times in run order (ms), to spot a slow first DEL:`);
  for (const [timing, d] of Object.entries(r.delTimes)) {
    for (const k of keys) out(`  ${timing.padEnd(30)} ${label(k)} ${d[k].map((x) => Math.round(x)).join(' ')}`);
  }
  out('');
  out(`Burst of ${r.burst} pods at once, ${BURST_TIMING.label}, median of ${r.burstRounds} (ratio to win-bridge):`);
  for (const scene of BURST_SCENES) {
    out(`  ${scene.label}${scene.key === 'running' ? ' (the targets)' : ''}`);
    for (const k of keys) {
      const b = r.burstTimes[scene.key];
      out(
        `    ${label(k)}  all ADDed ${ms(b.add[k]).padStart(8)} ${ratio(b.add[k], b.add.winBridge).padStart(6)}   all DELed ${ms(b.del[k]).padStart(8)} ${ratio(b.del[k], b.del.winBridge).padStart(6)}`,
      );
    }
  }
  for (const v of ['add', 'del'] as const) {
    for (const k of keys) {
      const f = r.burstFailures[v][k];
      if (f.count > 0) out(`    FAILED: ${f.count} ${v.toUpperCase()}s of ${label(k).trim()}; first: ${f.first}`);
    }
  }
  if (r.agentServed !== undefined) {
    const perRound = BURST_SCENES.reduce((n, scene) => n + 2 * r.burst + (scene.warmUp ? 2 : 0), 0);
    const expected = r.runs * TIMINGS.length * 2 + r.burstRounds * perRound;
    out('');
    out(`The agent served ${r.agentServed} of the agent contender's ${expected} ADD/DEL (the rest ran in-process).`);
  }
  out('');
  out('Targets of issue 14 (hns-cni.exe / win-bridge.exe, same run):');
  for (const t of TARGETS) {
    for (const k of keys.filter((x) => x !== 'winBridge')) {
      const x = targetRatio(r, t.key, k);
      if (x === undefined) continue;
      out(
        `  ${t.what.padEnd(34)} ≤ ${t.max.toFixed(2)}×  ${CONTENDERS[k].label.padEnd(42)} ${x.toFixed(2)}×  ${x <= t.max ? 'met' : 'NOT met'}`,
      );
    }
  }
  out('');
  out('README table (markdown):');
  out(`| ${['', ...keys.map((k) => CONTENDERS[k].label)].join(' | ')} |`);
  out(`|${['---', ...keys.map(() => '---')].join('|')}|`);
  const row = (name: string, cell: (k: Key) => string) => out(`| ${[name, ...keys.map(cell)].join(' | ')} |`);
  row('HCN calls per ADD / DEL, with Close', (k) => `${r.calls[k].add.withClose} / ${r.calls[k].del.withClose}`);
  row(
    'HCN calls per ADD / DEL, without Close',
    (k) => `${r.calls[k].add.withoutClose} / ${r.calls[k].del.withoutClose}`,
  );
  for (const [timing, s] of Object.entries(r.single)) {
    row(`ADD / DEL at ${timing}`, (k) => `${ms(s.add[k])} / ${ms(s.del[k])}`);
  }
  for (const scene of BURST_SCENES) {
    row(`${r.burst} pods at once ${scene.label}: all ADDed / all DELed (${BURST_TIMING.label})`, (k) => {
      const b = r.burstTimes[scene.key];
      return `${(b.add[k] / 1000).toFixed(2)} s / ${(b.del[k] / 1000).toFixed(2)} s`;
    });
  }
}
