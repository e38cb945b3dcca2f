// The variant matrix (issue 10): the plugin's lifecycle, fault, concurrency and libcni tests, and the HcnClient
// contract on the in-process simulator, run once per variant of the simulated HNS. Every option of
// src/hns/sim/options.ts that declares its values (matrixValues: closed choices, booleans, PLAUSIBLE) joins by
// itself. The defaults are what the unit and e2e stages already run; the matrix covers every other value:
//   --strength 1 (CI): every non-default value of every option in at least one run; run i gives each option its
//     value i mod k, so runs = the largest number of non-default values of any option.
//   --strength 2: every pair of values of every two options (defaults included) in at least one run (greedy
//     covering array); many more runs, for a local or nightly run.
// Each run prints what it set, and its vitest JSON reports go to --json DIR (scripts/test.sh sums them).
//   node --import tsx scripts/sim-matrix.ts [--strength 1|2] [--json DIR] [--dry-run] [--run N]
//   node --import tsx scripts/sim-matrix.ts --variant '{"endpointRoutes":"default-only"}'   (one run, as given)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_OPTIONS, matrixValues, type SimOptions } from '../src/hns/sim/options.js';

/** What each run executes: the plugin through the built binary and the C stub, and the client contract. */
export const MATRIX_TESTS = {
  e2e: [
    'test/e2e/plugin-lifecycle.test.ts',
    'test/e2e/plugin-faults.test.ts',
    'test/e2e/plugin-concurrency.test.ts',
    'test/e2e/plugin-libcni.test.ts',
  ],
  unit: ['test/unit/hns/contract-sim.test.ts'],
} as const;

export type Variant = Partial<Record<keyof SimOptions, string>>;

interface Factor {
  key: keyof SimOptions;
  values: readonly string[];
}

export function factors(): Factor[] {
  return (Object.keys(DEFAULT_OPTIONS) as (keyof SimOptions)[]).flatMap((key) => {
    const values = matrixValues(key);
    return values === undefined ? [] : [{ key, values }];
  });
}

/**
 * Strength 1 without the all-defaults run: run i (1..R) gives each option its value i mod k (k values, default 0),
 * so every non-default value is in a run once R = max(k) - 1, and options with fewer values vary across the runs.
 */
export function strengthOne(fs: Factor[]): Variant[] {
  const runs = Math.max(...fs.map((f) => f.values.length - 1));
  return Array.from({ length: runs }, (_, i) =>
    Object.fromEntries(fs.map((f) => [f.key, f.values[(i + 1) % f.values.length]!])),
  );
}

/** Strength 2, greedy: each new run takes, option by option, the value covering the most uncovered pairs. */
export function strengthTwo(fs: Factor[]): Variant[] {
  const pairKey = (a: number, va: number, b: number, vb: number) => `${a}:${va}|${b}:${vb}`;
  const uncovered = new Set<string>();
  for (let a = 0; a < fs.length; a++)
    for (let b = a + 1; b < fs.length; b++)
      for (let va = 0; va < fs[a]!.values.length; va++)
        for (let vb = 0; vb < fs[b]!.values.length; vb++) uncovered.add(pairKey(a, va, b, vb));
  const runs: Variant[] = [];
  while (uncovered.size > 0) {
    // Seed with the first uncovered pair so every run covers at least one.
    const [first] = uncovered;
    const [[sa, sva], [sb, svb]] = first!.split('|').map((p) => p.split(':').map(Number)) as [number[], number[]];
    const row: number[] = fs.map(() => -1);
    row[sa!] = sva!;
    row[sb!] = svb!;
    for (let f = 0; f < fs.length; f++) {
      if (row[f] !== -1) continue;
      let best = 0;
      let bestGain = -1;
      for (let v = 0; v < fs[f]!.values.length; v++) {
        let gain = 0;
        for (let g = 0; g < fs.length; g++) {
          if (g === f || row[g] === -1) continue;
          const k = g < f ? pairKey(g, row[g]!, f, v) : pairKey(f, v, g, row[g]!);
          if (uncovered.has(k)) gain++;
        }
        if (gain > bestGain) [best, bestGain] = [v, gain];
      }
      row[f] = best;
    }
    for (let a = 0; a < fs.length; a++)
      for (let b = a + 1; b < fs.length; b++) uncovered.delete(pairKey(a, row[a]!, b, row[b]!));
    runs.push(Object.fromEntries(fs.map((f, i) => [f.key, f.values[row[i]!]!])));
  }
  return runs;
}

/** The options a run changes from the defaults, for the printed table. */
function changed(variant: Variant, fs: Factor[]): string[] {
  return fs.filter((f) => variant[f.key] !== f.values[0]).map((f) => `${f.key}=${variant[f.key]}`);
}

interface RunOutcome {
  run: number;
  seconds: number;
  ok: boolean;
}

function runVariant(index: number, variant: Variant, jsonDir: string | undefined): RunOutcome {
  const env = { ...process.env, HNS_CNI_SIM_OPTIONS: JSON.stringify(variant) };
  const started = performance.now();
  let ok = true;
  for (const [project, files] of Object.entries(MATRIX_TESTS)) {
    const reporters = jsonDir
      ? [
          '--reporter=default',
          '--reporter=json',
          `--outputFile=${path.join(jsonDir, `matrix-${index}-${project}.json`)}`,
        ]
      : [];
    const r = spawnSync('npx', ['vitest', 'run', '--project', project, ...reporters, ...files], {
      env,
      stdio: 'inherit',
    });
    if (r.status !== 0) ok = false;
  }
  return { run: index, seconds: (performance.now() - started) / 1000, ok };
}

function main(): number {
  const { values: args } = parseArgs({
    options: {
      strength: { type: 'string', default: '1' },
      json: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      run: { type: 'string', multiple: true },
      variant: { type: 'string' },
    },
  });
  const all = factors();
  let runs: Variant[];
  if (args.variant !== undefined) {
    runs = [{ ...Object.fromEntries(all.map((f) => [f.key, f.values[0]])), ...JSON.parse(args.variant) }];
  } else if (args.strength === '1') runs = strengthOne(all);
  else if (args.strength === '2') runs = strengthTwo(all);
  else {
    console.error('sim-matrix: --strength must be 1 or 2');
    return 2;
  }

  console.log(`sim-matrix: ${all.length} options, ${all.reduce((n, f) => n + f.values.length, 0)} values`);
  for (const f of all) console.log(`  ${f.key}: ${f.values.join(' | ')}   (default ${f.values[0]})`);
  console.log(`sim-matrix: run 0 = every default (the unit and e2e stages); ${runs.length} more run(s):`);
  for (const [i, v] of runs.entries()) console.log(`  run ${i + 1}: ${changed(v, all).join(' ') || '(defaults)'}`);
  // Every value must appear: the matrix, not a sample.
  for (const f of all) {
    for (const v of f.values.slice(1)) {
      if (!runs.some((r) => r[f.key] === v)) throw new Error(`sim-matrix: ${f.key}=${v} is in no run`);
    }
  }
  if (args['dry-run']) return 0;

  if (args.json) fs.mkdirSync(args.json, { recursive: true });
  const selected = args.run?.map(Number) ?? runs.map((_, i) => i + 1);
  const outcomes: RunOutcome[] = [];
  for (const n of selected) {
    const variant = runs[n - 1];
    if (variant === undefined) throw new Error(`sim-matrix: no run ${n}`);
    console.log(`\n=== sim-matrix run ${n}/${runs.length}: HNS_CNI_SIM_OPTIONS=${JSON.stringify(variant)}`);
    outcomes.push(runVariant(n, variant, args.json));
  }
  console.log('\nsim-matrix summary:');
  for (const o of outcomes) {
    console.log(
      `  run ${o.run}: ${o.ok ? 'passed' : 'FAILED'} in ${o.seconds.toFixed(0)} s  (${changed(runs[o.run - 1]!, all).join(' ')})`,
    );
  }
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main());
