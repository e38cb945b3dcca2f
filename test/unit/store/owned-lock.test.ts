// The per-attachment lock's mechanism (store/lock.ts withOwnedLock): one holder at a time across processes, a
// bounded wait, a dead holder replaced at once, and a mark nobody refreshes (its pid reused) replaced after staleMs.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockTimeoutError, withOwnedLock } from '../../../src/store/lock.js';

const HOLDER = path.join(import.meta.dirname, 'fixtures', 'hold-lock.ts');

let dir: string;
let target: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owned-lock-'));
  target = path.join(dir, 'attachments', 'net', 'c1~65746830');
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A child process holding the lock; resolves once it has it. */
async function holderProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, target], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => b.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`holder exited early (${code})`)));
  });
  return child;
}

describe('withOwnedLock', () => {
  it('runs one holder at a time and removes the lock afterwards', async () => {
    let inside = 0;
    let most = 0;
    const work = async () => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((r) => setTimeout(r, 20));
      inside--;
    };
    await Promise.all(Array.from({ length: 8 }, () => withOwnedLock(target, work, { timeoutMs: 20_000 })));
    expect(most).toBe(1);
    expect(fs.existsSync(`${target}.lock`)).toBe(false);
  });

  it('a waiter gives up after timeoutMs while a live holder keeps the lock', async () => {
    await holderProcess();
    const error = await withOwnedLock(target, () => 'never', { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as LockTimeoutError).lockPath).toBe(`${target}.lock`);
  });

  it('a holder that was killed is replaced at once, long before its mark could go stale', async () => {
    const holder = await holderProcess();
    const exited = new Promise((r) => holder.once('exit', r));
    holder.kill('SIGKILL');
    await exited;
    expect(fs.readdirSync(`${target}.lock`)).toEqual([`owner-${holder.pid}`]);
    expect(await withOwnedLock(target, () => 'taken', { timeoutMs: 10_000, staleMs: 600_000 })).toBe('taken');
  });

  it('a mark not refreshed for staleMs is taken over even when its pid is alive (reused)', async () => {
    fs.mkdirSync(`${target}.lock`, { recursive: true });
    const mark = path.join(`${target}.lock`, `owner-${process.pid}`); // a live pid: this very process
    fs.writeFileSync(mark, '');
    const old = new Date(Date.now() - 5_000);
    fs.utimesSync(mark, old, old);
    expect(await withOwnedLock(target, () => 'taken', { timeoutMs: 10_000, staleMs: 2_000 })).toBe('taken');
    // ...but a fresh mark of a live pid is respected.
    fs.mkdirSync(`${target}.lock`);
    fs.writeFileSync(mark, '');
    await expect(withOwnedLock(target, () => 'taken', { timeoutMs: 300, staleMs: 2_000 })).rejects.toBeInstanceOf(
      LockTimeoutError,
    );
  });
});
