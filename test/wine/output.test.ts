// Operator output of the shipped hns-cni.exe through a Unix pipe under Wine: Wine hands node.exe the pipe as its
// stdout, where Node's stream stdio fails (EBADF) and only synchronous fd writes work. The IPAM of a node with 600
// pods (filled from the Linux side) prints more than the pipe's 64 KiB buffer; the reader pauses after the first
// byte, so the exe must wait for it. Every command prints through the same writer (src/commands/output.ts); the
// `hns` commands with 600 endpoints are covered on Linux (test/e2e/operator-output.test.ts): under Wine the
// in-process simulator's state file makes 1,800 calls take about a minute.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyPodId, fillIpamStore } from '../fixtures/busy-node.js';
import { onDriveC, runExePiped } from './stage.js';

const PODS = 600;
const dir = 'C:\\hns-cni-test\\busy-node';
const env = { HNS_CNI_DATA_DIR: `${dir}\\data`, HNS_CNI_LOG: `${dir}\\hns-cni.log` };

beforeAll(async () => {
  rmSync(onDriveC(dir), { recursive: true, force: true });
  await fillIpamStore(onDriveC(`${dir}\\data\\ipam`), PODS);
}, 300_000);
afterAll(() => rmSync(onDriveC(dir), { recursive: true, force: true }));

describe(`hns-cni.exe output of a node with ${PODS} pods through a Unix pipe`, () => {
  it('ipam --json arrives whole', () => {
    const r = runExePiped(['ipam', '--json'], { env });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout.length).toBeGreaterThan(65536);
    const report = JSON.parse(r.stdout) as { networks: Array<{ allocations: Array<{ containerId: string }> }> };
    expect(report.networks.flatMap((n) => n.allocations.map((a) => a.containerId)).sort()).toEqual(
      Array.from({ length: PODS }, (_, i) => busyPodId(i)).sort(),
    );
  });

  it('the ipam table arrives whole', () => {
    const r = runExePiped(['ipam'], { env });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout.length).toBeGreaterThan(65536);
    expect(r.stdout.split(/\r?\n/).filter((l) => /\b[0-9a-f]{64}\b/.test(l))).toHaveLength(PODS);
  });
});
