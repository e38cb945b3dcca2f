// kill -9 at every durable write step of allocate, release and GC: the store must stay consistent, the interrupted
// operation must have either happened or not, and retrying it must converge. Also: a lock whose holder was killed
// is taken over within the stale bound.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openIpam } from '../../src/ipam/ipam.js';
import { storeProblems } from '../fixtures/ipam/consistency.js';
import type { DriverJob } from '../fixtures/ipam/driver.js';
import { buildDriver, runDriver, startDriver } from '../fixtures/ipam/driver-process.js';

let driver: string;
let dataDir: string;
const network = 'crash';
const config = () => ({ subnet: '10.60.0.0/24', subnet6: 'fd00:60::/64', dataDir });
const lockDir = () => path.join(dataDir, network, 'state.json.lock');

beforeAll(async () => {
  driver = await buildDriver();
});
afterAll(() => fs.rmSync(path.dirname(driver), { recursive: true, force: true }));
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipam-crash-'));
});

/** A store holding pods a, b and c. */
async function seed(): Promise<void> {
  const ipam = await openIpam(config(), { network });
  for (const id of ['a', 'b', 'c']) await ipam.allocate({ containerId: id, ifName: 'eth0' });
}

async function held(): Promise<string[]> {
  const ipam = await openIpam(config(), { network });
  return (await ipam.list()).map((a) => a.containerId).sort();
}

/** Runs the job to completion once on a fresh seeded store to learn how many write steps it makes. */
async function stepsOf(job: DriverJob): Promise<number> {
  await seed();
  const run = await runDriver(driver, job);
  expect(run.code, run.stderr).toBe(0);
  fs.rmSync(dataDir, { recursive: true, force: true });
  return run.out.steps;
}

const cases: Array<{ name: string; job: () => DriverJob; before: string[]; after: string[] }> = [
  {
    name: 'allocate',
    job: () => ({ op: 'allocate', config: config(), network, containerId: 'd' }),
    before: ['a', 'b', 'c'],
    after: ['a', 'b', 'c', 'd'],
  },
  {
    name: 'release',
    job: () => ({ op: 'release', config: config(), network, containerId: 'b' }),
    before: ['a', 'b', 'c'],
    after: ['a', 'c'],
  },
  {
    name: 'gc',
    job: () => ({ op: 'gc', config: config(), network, valid: [{ containerID: 'a', ifname: 'eth0' }] }),
    before: ['a', 'b', 'c'],
    after: ['a'],
  },
];

describe('crash safety', () => {
  for (const c of cases) {
    it(`a kill -9 at any write step of ${c.name} leaves a consistent store, and the retry converges`, async () => {
      const total = await stepsOf(c.job());
      expect(total).toBeGreaterThanOrEqual(4);
      for (let k = 1; k <= total; k++) {
        dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipam-crash-'));
        await seed();
        const killed = await runDriver(driver, { ...c.job(), crashAt: k });
        expect(killed.signal, `step ${k}: ${killed.stderr}`).toBe('SIGKILL');
        // The holder is dead; its lock would be taken over after the stale time (tested below): skip the wait.
        fs.rmSync(lockDir(), { recursive: true, force: true });
        expect(storeProblems(dataDir, network), `right after the kill at step ${k}`).toEqual([]);
        expect([c.before, c.after], `step ${k}`).toContainEqual(await held());
        const retry = await runDriver(driver, c.job());
        expect(retry.code, retry.stderr).toBe(0);
        expect(await held(), `after the retry of step ${k}`).toEqual(c.after);
        expect(storeProblems(dataDir, network), `after the retry of step ${k}`).toEqual([]);
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }

  it('an allocation interrupted before its file was written gives the address back', async () => {
    await seed();
    const total = await stepsOf({ op: 'allocate', config: config(), network, containerId: 'd' });
    await seed();
    // The step after the state rename and before the allocation file: the intent is all that records it.
    const killed = await runDriver(driver, {
      op: 'allocate',
      config: config(),
      network,
      containerId: 'd',
      crashAt: total - 2,
    });
    expect(killed.signal).toBe('SIGKILL');
    fs.rmSync(lockDir(), { recursive: true, force: true });
    const ipam = await openIpam(config(), { network });
    expect((await ipam.status()).map((s) => s.held)).toEqual([4, 4]); // bit set, file missing: not yet settled
    await ipam.release({ containerId: 'zzz', ifName: 'eth0' }); // any write transaction settles the intent
    expect((await ipam.status()).map((s) => s.held)).toEqual([3, 3]);
  });

  it('takes over the lock of a killed holder within the stale bound', async () => {
    await seed();
    const staleMs = 2_000;
    const holder = startDriver(driver, { op: 'hold-lock', config: config(), network, lockStaleMs: staleMs });
    await holder.ready;
    expect(fs.existsSync(lockDir())).toBe(true);
    process.kill(holder.pid, 'SIGKILL');
    await holder.done;
    const started = Date.now();
    const ipam = await openIpam(config(), { network, lockStaleMs: staleMs });
    const a = await ipam.allocate({ containerId: 'after-kill', ifName: 'eth0' });
    const waited = Date.now() - started;
    expect(a.ips).toHaveLength(2);
    // The lock's bound (store/lock.ts): its mtime is at most staleMs old plus one update interval when the holder dies.
    expect(waited).toBeLessThan(staleMs * 2 + 1_500);
    expect(waited).toBeGreaterThan(500); // it really was held: the taker waited for it to go stale
    expect(storeProblems(dataDir, network)).toEqual([]);
  });
});
