// Operator output of any size arrives whole through a pipe: `hns-cni hns ... --json`, `hns-cni ipam --json` and
// the tables, read by a real reader process through a real pipe (bash `|`), on a node with 600 pods. The reader
// takes the first byte, then pauses as `less` or a busy `jq` does, so the pipe's buffer (64 KiB) fills and the
// plugin must wait for it to drain instead of exiting with the rest unwritten.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyPodId, fillIpamStore, fillSimulator } from '../fixtures/busy-node.js';
import { pluginBinary } from '../helpers/plugin-process.js';

const PODS = 600;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-cni-output-'));
  const state = path.join(dir, 'sim-state.json');
  await fillSimulator(state, PODS);
  await fillIpamStore(path.join(dir, 'data', 'ipam'), PODS);
  env = {
    PATH: process.env.PATH,
    HNS_CNI_HCN: 'sim',
    HNS_CNI_SIM_STATE: state,
    HNS_CNI_DATA_DIR: path.join(dir, 'data'),
    HNS_CNI_LOG: path.join(dir, 'hns-cni.log'),
  };
}, 180_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * `hns-cni ARGS | { dd bs=1 count=1; sleep 0.5; cat; } > file`: what the reader got, and the plugin's exit status
 * and stderr. dd takes exactly one byte, so the pause starts once the plugin has begun writing.
 */
function throughPipe(args: string[]): { out: string; status: number; stderr: string } {
  const out = path.join(dir, `out-${args.join('-')}`);
  const err = `${out}.err`;
  const run = spawnSync(
    'bash',
    [
      '-c',
      `"$@" 2>"$ERR" | { dd bs=1 count=1 2>/dev/null; sleep 0.5; cat; } >"$OUT"; exit "\${PIPESTATUS[0]}"`,
      'pipe',
      pluginBinary(),
      ...args,
    ],
    { env: { ...env, OUT: out, ERR: err }, encoding: 'utf8', timeout: 120_000 },
  );
  return { out: fs.readFileSync(out, 'utf8'), status: run.status ?? -1, stderr: fs.readFileSync(err, 'utf8') };
}

/** The same command with stdout a regular file: the reference for what a complete output is. */
function toFile(args: string[]): string {
  const out = path.join(dir, `file-${args.join('-')}`);
  const run = spawnSync('bash', ['-c', '"$@" >"$OUT"', 'file', pluginBinary(), ...args], {
    env: { ...env, OUT: out },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(run.status).toBe(0);
  return fs.readFileSync(out, 'utf8');
}

describe(`operator output of a node with ${PODS} pods through a pipe`, () => {
  it('hns endpoints --json: every endpoint, parseable JSON', () => {
    const piped = throughPipe(['hns', 'endpoints', '--json']);
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
    expect(piped.out.length).toBeGreaterThan(3 * 65536);
    const endpoints = JSON.parse(piped.out) as Array<{ Name: string }>;
    expect(endpoints).toHaveLength(PODS);
    expect(piped.out).toBe(toFile(['hns', 'endpoints', '--json']));
  });

  it('hns endpoints (table): a header and one line per endpoint', () => {
    const piped = throughPipe(['hns', 'endpoints']);
    expect(piped.status).toBe(0);
    expect(piped.out.length).toBeGreaterThan(65536);
    expect(piped.out.trimEnd().split('\n')).toHaveLength(PODS + 1);
    expect(piped.out).toBe(toFile(['hns', 'endpoints']));
  });

  it('ipam --json: every allocation, parseable JSON', () => {
    const piped = throughPipe(['ipam', '--json']);
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
    expect(piped.out.length).toBeGreaterThan(65536);
    const report = JSON.parse(piped.out) as { networks: Array<{ allocations: unknown[] }> };
    expect(report.networks.flatMap((n) => n.allocations)).toHaveLength(PODS);
  });

  it('ipam (table): one line per allocation', () => {
    const piped = throughPipe(['ipam']);
    expect(piped.status).toBe(0);
    expect(piped.out.length).toBeGreaterThan(65536);
    const lines = piped.out.split('\n');
    for (const i of [0, PODS / 2, PODS - 1]) expect(lines.filter((l) => l.includes(busyPodId(i)))).toHaveLength(1);
    expect(lines.filter((l) => /\b[0-9a-f]{64}\b/.test(l))).toHaveLength(PODS);
  });
});
