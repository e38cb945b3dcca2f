// The short-held cross-process lock (store/lock.ts withFileLock) as one process sees it: a node agent's concurrent
// requests for one lock take turns in arrival order, each meets the lock directory once (no polling between
// holders of the same process), a wait that outlasts timeoutMs fails with LockTimeoutError without blocking those
// behind it, and a holder of another process is still waited for.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import lockfile from 'proper-lockfile';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LockTimeoutError, withFileLock } from '../../../src/store/lock.js';

let dir: string;
let target: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-lock-'));
  target = path.join(dir, 'ipam', 'net', 'state.json');
});
afterEach(() => {
  vi.restoreAllMocks();
  for (const c of children.splice(0)) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('withFileLock within one process', () => {
  it('serves concurrent waiters one at a time, in arrival order, each taking the lock directory once', async () => {
    const attempts = vi.spyOn(lockfile, 'lock');
    const order: number[] = [];
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        withFileLock(target, async () => {
          inside++;
          most = Math.max(most, inside);
          order.push(i);
          await tick();
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order).toEqual([...Array(12).keys()]);
    // Twelve holders, twelve takes of the lock directory: none of them met it held and polled.
    expect(attempts).toHaveBeenCalledTimes(12);
    expect(fs.existsSync(`${target}.lock`)).toBe(false);
  });

  it('times a waiter out behind a holder that keeps the lock, and still serves the waiters after it', async () => {
    let finish!: () => void;
    const holding = new Promise<void>((r) => {
      finish = r;
    });
    const holder = withFileLock(target, () => holding);
    await tick();
    const impatient = withFileLock(target, () => 'never', { timeoutMs: 50 });
    const patient = withFileLock(target, () => 'served', { timeoutMs: 10_000 });
    await expect(impatient).rejects.toBeInstanceOf(LockTimeoutError);
    finish();
    await holder;
    await expect(patient).resolves.toBe('served');
    expect(fs.existsSync(`${target}.lock`)).toBe(false);
  });

  it('passes the turn on when a holder throws', async () => {
    const failing = withFileLock(target, () => {
      throw new Error('holder failed');
    });
    const next = withFileLock(target, () => 'next');
    await expect(failing).rejects.toThrow('holder failed');
    await expect(next).resolves.toBe('next');
  });

  it('still waits for a holder in another process', async () => {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const script = `const l = require(${JSON.stringify(require.resolve('proper-lockfile'))});
      l.lock(${JSON.stringify(target)}, { lockfilePath: ${JSON.stringify(`${target}.lock`)}, realpath: false, update: 1000 })
        .then((release) => { process.stdout.write('locked\\n'); process.stdin.once('data', () => release().then(() => process.exit(0))); });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child);
    await new Promise<void>((resolve) =>
      child.stdout!.on('data', (b: Buffer) => b.toString().includes('locked') && resolve()),
    );
    let ran = false;
    const waiting = withFileLock(target, () => {
      ran = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(ran).toBe(false);
    child.stdin!.write('go\n');
    await waiting;
    expect(ran).toBe(true);
  });
});
