// The short-held cross-process lock (store/lock.ts withFileLock): a node agent's concurrent requests for one lock
// take turns in arrival order and never find the lock directory held by one another (no polling between holders of
// the same process); a wait that outlasts timeoutMs fails with LockTimeoutError without blocking those behind it; a
// holder in another process using proper-lockfile itself (the library earlier versions used: an upgrade runs both)
// is waited for, and excluded while we hold the lock; an abandoned lock directory is taken over after staleMs.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockTimeoutError, withFileLock } from '../../../src/store/lock.js';

let dir: string;
let target: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-lock-'));
  target = path.join(dir, 'ipam', 'net', 'state.json');
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('withFileLock within one process', () => {
  it('serves concurrent waiters one at a time, in arrival order, none finding the directory held', async () => {
    let contended = 0;
    const onContended = () => {
      contended++;
    };
    const order: number[] = [];
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        withFileLock(
          target,
          async () => {
            inside++;
            most = Math.max(most, inside);
            order.push(i);
            await tick();
            inside--;
          },
          { onContended },
        ),
      ),
    );
    expect(most).toBe(1);
    expect(order).toEqual([...Array(12).keys()]);
    expect(contended).toBe(0);
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

  it('waits for a holder in another process using proper-lockfile, and keeps it out while holding', async () => {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const script = `const l = require(${JSON.stringify(require.resolve('proper-lockfile'))});
      const opts = { lockfilePath: ${JSON.stringify(`${target}.lock`)}, realpath: false, update: 1000 };
      process.stdin.on('data', (b) => {
        const cmd = b.toString().trim();
        if (cmd === 'lock') l.lock(${JSON.stringify(target)}, opts).then((r) => { global.release = r; process.stdout.write('locked\\n'); });
        if (cmd === 'release') global.release().then(() => process.stdout.write('released\\n'));
        if (cmd === 'try') l.lock(${JSON.stringify(target)}, opts).then(() => process.stdout.write('took\\n'), (e) => process.stdout.write(e.code + '\\n'));
      });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child);
    const said = (word: string) =>
      new Promise<void>((resolve) => {
        const on = (b: Buffer) => {
          if (b.toString().includes(word)) {
            child.stdout!.off('data', on);
            resolve();
          }
        };
        child.stdout!.on('data', on);
      });
    child.stdin!.write('lock\n');
    await said('locked');
    let contended = 0;
    let ran = false;
    const waiting = withFileLock(
      target,
      () => {
        ran = true;
      },
      {
        onContended: () => {
          contended++;
        },
      },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(ran).toBe(false);
    expect(contended).toBeGreaterThan(0);
    child.stdin!.write('release\n');
    await waiting;
    expect(ran).toBe(true);
    // And the other way round: while we hold it, proper-lockfile reports it held.
    let finish!: () => void;
    const holding = withFileLock(
      target,
      () =>
        new Promise<void>((r) => {
          finish = r;
        }),
    );
    await tick();
    child.stdin!.write('try\n');
    await said('ELOCKED');
    finish();
    await holding;
  });

  it('takes over a lock directory nobody refreshed for staleMs (its holder was killed)', async () => {
    fs.mkdirSync(`${target}.lock`, { recursive: true });
    const old = new Date(Date.now() - 10_000);
    fs.utimesSync(`${target}.lock`, old, old);
    await expect(withFileLock(target, () => 'taken over', { staleMs: 5_000, timeoutMs: 2_000 })).resolves.toBe(
      'taken over',
    );
    expect(fs.existsSync(`${target}.lock`)).toBe(false);
  });

  it('waits for a lock directory refreshed recently, up to timeoutMs', async () => {
    fs.mkdirSync(`${target}.lock`, { recursive: true });
    await expect(withFileLock(target, () => 'never', { staleMs: 5_000, timeoutMs: 200 })).rejects.toBeInstanceOf(
      LockTimeoutError,
    );
    expect(fs.existsSync(`${target}.lock`)).toBe(true);
  });
});
