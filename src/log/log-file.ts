// Which file the log may be written to, and rotating it. hns-cni runs as LocalSystem or root, and `log.file` /
// HNS_CNI_LOG name any path: appending to, or renaming away, a file that is not hns-cni's own log would let whoever
// chose the path damage any file on the node. So a log file is used only when it is
//   - at an absolute path without ".." (a plugin's working directory means nothing),
//   - in a directory only hns-cni and administrators can write (store/private-dir.ts; created that way if missing),
//   - a regular file (not a link), with one name (a hard link to /etc/passwd has two), owned by this user on POSIX,
//   - and either created just now by this process (O_EXCL), or empty, or starting with one of hns-cni's records.
// Rotation renames only files that pass the same checks. Anything else is a LogFileRefused; logger.ts then logs to
// the default file and says why there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configPathProblem } from '../cni/text-rules.js';
import { ensurePrivateDirectory, UnsafePathError } from '../store/private-dir.js';

export class LogFileRefused extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`log file ${file} refused: ${reason}`);
    this.name = 'LogFileRefused';
  }
}

/** The fields every hns-cni log record starts with, in order (logger.ts `stamp`). */
const RECORD_KEYS = ['time', 'level', 'inv', 'verb', 'cid', 'ms', 'msg'];
const FIRST_LINE_LIMIT = 64 * 1024;
// POSIX: never follow a link at the last component (fs.constants has no O_NOFOLLOW on Windows, where lstat and the
// identity check after opening do that job).
const NO_FOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** Whether `line` is one of hns-cni's log records: a JSON object whose first keys are RECORD_KEYS. */
export function isOwnLogLine(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    return RECORD_KEYS.every((key, i) => Object.keys(value)[i] === key);
  } catch {
    return false;
  }
}

/** Static rules and the directory: refused before anything on disk is touched. */
export async function checkLogLocation(file: string): Promise<void> {
  const problem = configPathProblem(file);
  if (problem !== undefined) throw new LogFileRefused(file, `the path ${problem}`);
  try {
    await ensurePrivateDirectory(path.dirname(file));
  } catch (e) {
    if (e instanceof UnsafePathError) {
      throw new LogFileRefused(file, `its directory is not safe: ${e.problems.join('; ')} (fix: ${e.fix[0]})`);
    }
    throw new LogFileRefused(file, `its directory cannot be used: ${(e as Error).message}`);
  }
}

/** Refuses an existing file that is not hns-cni's own log; `st` is its lstat. */
export function checkOwnLogFile(file: string, st: fs.Stats): void {
  if (st.isSymbolicLink()) throw new LogFileRefused(file, 'it is a symbolic link');
  if (!st.isFile()) throw new LogFileRefused(file, 'it is not a regular file');
  if (st.nlink !== 1) throw new LogFileRefused(file, `it has ${st.nlink} names (hard links)`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new LogFileRefused(file, `it belongs to uid ${st.uid}, not ${uid}`);
  if (st.size === 0) return;
  const fd = fs.openSync(file, fs.constants.O_RDONLY | NO_FOLLOW);
  let head: string;
  try {
    const buffer = Buffer.alloc(Math.min(st.size, FIRST_LINE_LIMIT));
    head = buffer.subarray(0, fs.readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
  const newline = head.indexOf('\n');
  const first = (newline < 0 ? head : head.slice(0, newline)).replace(/\r$/, '');
  if (newline < 0 || !isOwnLogLine(first)) {
    throw new LogFileRefused(file, `it is not an hns-cni log (its first line is not one of hns-cni's records)`);
  }
}

export interface OpenedLogFile {
  fd: number;
  /** Bytes already in the file. */
  size: number;
}

/**
 * Opens `file` for appending after the checks, creating it when missing; rotates first when it holds `maxBytes` or
 * more. Call checkLogLocation first.
 */
export function openLogFile(file: string, limits: { maxBytes: number; maxFiles: number }): OpenedLogFile {
  for (let attempt = 0; attempt < 3; attempt++) {
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (st === undefined) {
      try {
        const fd = fs.openSync(
          file,
          fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_EXCL | NO_FOLLOW,
          0o600,
        );
        return { fd, size: 0 };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue; // another process made it first: check it
        throw e;
      }
    }
    checkOwnLogFile(file, st);
    if (st.size >= limits.maxBytes) {
      rotateLogFiles(file, limits.maxFiles);
      continue;
    }
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | NO_FOLLOW);
    const opened = fs.fstatSync(fd);
    if (opened.ino !== st.ino || opened.dev !== st.dev) {
      fs.closeSync(fd);
      throw new LogFileRefused(file, 'it was replaced while being opened');
    }
    return { fd, size: opened.size };
  }
  throw new LogFileRefused(file, 'it keeps changing under concurrent rotation');
}

/** `hns-cni.log` → `hns-cni<n>.log`, the names winston's tailable rotation used. */
export function rotatedName(file: string, n: number): string {
  const ext = path.extname(file);
  return path.join(path.dirname(file), `${path.basename(file, ext)}${n}${ext}`);
}

/**
 * Shifts `file` to `<name>1`, `<name>1` to `<name>2`, ... and drops the oldest, keeping `maxFiles` files in all
 * (the newest lines stay under the configured name). Every file it would rename or remove must be hns-cni's own log:
 * otherwise nothing is touched and the log file is refused. A file that vanishes meanwhile (another process rotated)
 * is skipped.
 */
export function rotateLogFiles(file: string, maxFiles: number): void {
  const names = [file, ...Array.from({ length: Math.max(0, maxFiles - 1) }, (_, i) => rotatedName(file, i + 1))];
  for (const name of names.slice(1)) {
    const st = fs.lstatSync(name, { throwIfNoEntry: false });
    if (st !== undefined) checkOwnLogFile(name, st);
  }
  const ignoreMissing = (e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  };
  // With maxFiles 1 the oldest is the file itself: it starts over.
  try {
    fs.unlinkSync(names.at(-1)!);
  } catch (e) {
    ignoreMissing(e);
  }
  for (let i = names.length - 1; i >= 1; i--) {
    try {
      fs.renameSync(names[i - 1]!, names[i]!);
    } catch (e) {
      ignoreMissing(e);
    }
  }
}
