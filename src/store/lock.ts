// Cross-process exclusive lock around a file, for state shared by the concurrent one-shot processes containerd
// starts (IPAM store, simulator state, network creation). proper-lockfile uses an atomic mkdir, which behaves the
// same on NTFS and Linux, and refreshes the lock's mtime while held: a lock whose holder was killed goes stale and
// is taken over after `staleMs` (bounded recovery).
import * as fs from 'node:fs';
import * as path from 'node:path';
import lockfile from 'proper-lockfile';

export interface LockOptions {
  /** Give up after this long waiting for the lock (default 30 s). */
  timeoutMs?: number;
  /** A lock not refreshed for this long is considered abandoned (default 5 s; proper-lockfile's minimum is 2 s). */
  staleMs?: number;
}

export class LockTimeoutError extends Error {
  constructor(
    readonly lockPath: string,
    readonly waitedMs: number,
  ) {
    super(`timed out after ${waitedMs} ms waiting for lock ${lockPath}`);
    this.name = 'LockTimeoutError';
  }
}

export async function withFileLock<T>(target: string, fn: () => Promise<T> | T, opts: LockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const staleMs = opts.staleMs ?? 5_000;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const lockfilePath = `${target}.lock`;
  const started = Date.now();
  let release: (() => Promise<void>) | undefined;
  let attempt = 0;
  while (release === undefined) {
    try {
      release = await lockfile.lock(target, {
        lockfilePath,
        realpath: false,
        stale: staleMs,
        update: Math.max(1000, Math.floor(staleMs / 3)),
        retries: 0,
        // A compromised lock (mtime not refreshed in time, e.g. a stalled event loop) must not crash the holder:
        // the atomic writes keep the store consistent either way.
        onCompromised: () => {},
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
      const waited = Date.now() - started;
      if (waited >= timeoutMs) throw new LockTimeoutError(lockfilePath, waited);
      // Jittered sleeps that back off from a few ms (holders keep the lock for milliseconds) to at most ~75 ms, so
      // a crowd of waiters (a node starting many pods at once) does not starve the holder of CPU by polling.
      attempt++;
      const base = Math.min(50, 2 * 2 ** Math.min(attempt, 5));
      await new Promise((r) => setTimeout(r, base * (0.5 + Math.random())));
    }
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => {});
  }
}
