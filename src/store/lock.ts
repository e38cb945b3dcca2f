// Cross-process exclusive locks around a file, for state shared by the concurrent one-shot processes containerd
// starts. `withFileLock` (IPAM store, simulator state, network creation; held for milliseconds): proper-lockfile's
// protocol — an atomic mkdir, which behaves the same on NTFS and Linux, with the lock's mtime refreshed while held,
// so a lock whose holder was killed goes stale and is taken over after `staleMs`; the waiters of one process (a node
// agent serving many pods) queue in-process and meet the lock directory one at a time. `withOwnedLock` (the
// per-attachment lock, held across HNS calls): the holder's pid marks the lock, so a killed holder is replaced at once.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface LockOptions {
  /** Give up after this long waiting for the lock (default 30 s). */
  timeoutMs?: number;
  /** A lock not refreshed for this long is considered abandoned (default 5 s; refreshed every staleMs / 3). */
  staleMs?: number;
  /** Called each time the lock directory is found held by someone else (tests: in-process waiters never are). */
  onContended?: () => void;
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

/**
 * Waiters of this process for each lock file, in arrival order. A node agent serves many pods at once: without this
 * each of its requests would poll the lock directory with backoff sleeps, leaving the lock idle between holders; in
 * turn, the next one takes it as soon as the previous one let go. Other processes still meet the lock directory.
 */
const turns = new Map<string, { waiters: Array<() => void> }>();

/** Waits for this process's turn at a lock (FIFO); resolves with the function that passes the turn on. */
async function takeTurn(lockfilePath: string, started: number, timeoutMs: number): Promise<() => void> {
  const pass = () => {
    const queue = turns.get(lockfilePath)!;
    const next = queue.waiters.shift();
    if (next) next();
    else turns.delete(lockfilePath);
  };
  const queue = turns.get(lockfilePath);
  if (queue === undefined) {
    turns.set(lockfilePath, { waiters: [] });
    return pass;
  }
  await new Promise<void>((resolve, reject) => {
    const waiter = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(
      () => {
        queue.waiters.splice(queue.waiters.indexOf(waiter), 1);
        reject(new LockTimeoutError(lockfilePath, Date.now() - started));
      },
      Math.max(0, started + timeoutMs - Date.now()),
    );
    queue.waiters.push(waiter);
  });
  return pass;
}

export async function withFileLock<T>(target: string, fn: () => Promise<T> | T, opts: LockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const started = Date.now();
  const lockfilePath = `${target}.lock`;
  const passTurn = await takeTurn(lockfilePath, started, timeoutMs);
  try {
    const staleMs = opts.staleMs ?? 5_000;
    return await withLockDirectory(lockfilePath, fn, { timeoutMs, staleMs, onContended: opts.onContended }, started);
  } finally {
    passTurn();
  }
}

/**
 * The cross-process part of withFileLock: the directory `<target>.lock` (mkdir is atomic), its mtime refreshed while
 * held, one not refreshed for staleMs taken as abandoned — proper-lockfile's protocol, which earlier versions used
 * through that library (so old and new processes exclude each other during an upgrade), in synchronous calls: under
 * Wine every asynchronous file operation waits for a worker thread and a wake-up of the event loop, and in a burst
 * of pods the library's three such steps per lock took ~150 ms where these calls take about one.
 */
async function withLockDirectory<T>(
  lockfilePath: string,
  fn: () => Promise<T> | T,
  { timeoutMs, staleMs, onContended }: LockOptions & { timeoutMs: number; staleMs: number },
  started: number,
): Promise<T> {
  for (let attempt = 1; !takeLockDirectory(lockfilePath, staleMs); attempt++) {
    onContended?.();
    const waited = Date.now() - started;
    if (waited >= timeoutMs) throw new LockTimeoutError(lockfilePath, waited);
    await backOff(attempt);
  }
  // Taken over meanwhile (judged abandoned): the atomic writes keep the store consistent either way.
  const stopRefreshing = keepFresh(lockfilePath, staleMs);
  try {
    return await fn();
  } finally {
    stopRefreshing();
    try {
      fs.rmdirSync(lockfilePath);
    } catch {
      // Already taken over and released by another: nothing of ours is left.
    }
  }
}

/** One try at the lock directory; an abandoned one (mtime older than staleMs) is removed and tried again once. */
function takeLockDirectory(lockfilePath: string, staleMs: number): boolean {
  for (let tries = 0; tries < 2; tries++) {
    try {
      mkdirWithParent(lockfilePath);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let mtimeMs: number;
    try {
      mtimeMs = fs.statSync(lockfilePath).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    if (Date.now() - mtimeMs <= staleMs) return false;
    try {
      fs.rmdirSync(lockfilePath);
    } catch {
      // Another waiter removed it first, or it is in use again: the next mkdir decides.
    }
  }
  return false;
}

export interface OwnedLockOptions {
  /** Give up after this long waiting for the lock. */
  timeoutMs: number;
  /**
   * An owner that has not refreshed its mark for this long is taken over even if its pid looks alive (the pid was
   * reused by another process). A dead owner is taken over at once. Default 60 s.
   */
  staleMs?: number;
}

/**
 * A cross-process exclusive lock whose holder is known by its pid, for locks held across slow HNS calls (the
 * per-attachment lock): a holder that died is detected at once (its pid is gone) instead of after a stale timeout,
 * and a holder that is alive but slow keeps the lock for as long as it works; waiters give up after `timeoutMs`.
 *
 * The lock is the directory `<target>.lock` (mkdir is atomic on NTFS and Linux) holding one mark file
 * `owner-<pid>`, refreshed while held. Taking over a dead owner's lock removes its mark first: only the one waiter
 * whose unlink succeeds goes on to remove the directory, and rmdir refuses a directory that already holds a new
 * owner's mark, so two waiters never both take over.
 */
export async function withOwnedLock<T>(target: string, fn: () => Promise<T> | T, opts: OwnedLockOptions): Promise<T> {
  const staleMs = opts.staleMs ?? 60_000;
  const dir = `${target}.lock`;
  const mark = path.join(dir, `owner-${process.pid}`);
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirWithParent(dir);
      fs.writeFileSync(mark, new Date().toISOString());
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (breakAbandoned(dir, staleMs)) continue;
    const waited = Date.now() - started;
    if (waited >= opts.timeoutMs) throw new LockTimeoutError(dir, waited);
    await backOff(attempt);
  }
  // Taken over meanwhile (we were judged stale): the work goes on as with a compromised lock.
  const stopRefreshing = keepFresh(mark, staleMs);
  try {
    return await fn();
  } finally {
    stopRefreshing();
    fs.rmSync(mark, { force: true });
    try {
      fs.rmdirSync(dir);
    } catch {
      // Already taken over, or a new owner's mark is inside: not ours to remove.
    }
  }
}

/**
 * Jittered sleeps that back off from a few ms (holders keep a lock for milliseconds) to at most ~75 ms, so a crowd of
 * waiters in other processes does not starve the holder of CPU by polling.
 */
function backOff(attempt: number): Promise<void> {
  const base = Math.min(50, 2 * 2 ** Math.min(attempt, 5));
  return new Promise((r) => setTimeout(r, base * (0.5 + Math.random())));
}

/** Refreshes a held lock's mtime every staleMs / 3 (at least 1 s), so waiters do not judge it abandoned. */
function keepFresh(file: string, staleMs: number): () => void {
  const refresh = setInterval(
    () => {
      const now = new Date();
      try {
        fs.utimesSync(file, now, now);
      } catch {
        // Gone: the lock was taken over; nothing to refresh.
      }
    },
    Math.max(1000, Math.floor(staleMs / 3)),
  );
  refresh.unref();
  return () => clearInterval(refresh);
}

/**
 * mkdir, creating the parent only when it is missing (the first lock in a new directory): a node agent serving a
 * burst pays for every file system call on its one thread (under Wine, a round trip to wineserver each).
 */
function mkdirWithParent(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.mkdirSync(dir);
  }
}

/** Removes the lock when its owner is dead or stale. True when the caller should try to take the lock again now. */
function breakAbandoned(dir: string, staleMs: number): boolean {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT'; // released meanwhile
  }
  const marks = names.filter((n) => n.startsWith('owner-'));
  const now = Date.now();
  if (marks.length === 0) {
    // Between an owner's mkdir and its mark (microseconds), or an owner that died right there.
    const age = ageMs(dir, now);
    if (age === undefined || age < staleMs) return age === undefined;
    return removeDir(dir);
  }
  for (const name of marks) {
    const pid = Number(name.slice('owner-'.length));
    const age = ageMs(path.join(dir, name), now);
    if (age !== undefined && age < staleMs && isAlive(pid)) return false;
  }
  let tookOver = false;
  for (const name of marks) {
    try {
      fs.unlinkSync(path.join(dir, name));
      tookOver = true;
    } catch {
      // Another waiter removed it first: that waiter takes over.
    }
  }
  return tookOver ? removeDir(dir) : false;
}

function ageMs(file: string, now: number): number | undefined {
  try {
    return now - fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function removeDir(dir: string): boolean {
  try {
    fs.rmdirSync(dir);
  } catch {
    // Not empty (a new owner is in) or already gone: try again either way.
  }
  return true;
}

/** Whether a process with this pid exists on this host (EPERM: it exists but is not ours to signal). */
function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
