// Crash-safe file replacement: a reader sees either the old or the new content, never a mix, even if the process
// is killed at any instant (write to a temp file in the same directory, fsync it, rename over, fsync the directory).
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface AtomicWriteOptions {
  /** Called after the temp file is written and fsynced, just before the rename (crash-injection tests). */
  beforeRename?: () => void;
}

export function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const dir = path.dirname(file);
  // The name's first 200 characters: a file name at the limits (a 200-character container id with a 15-byte ifname
  // makes a 236-character allocation file) plus the pid and random suffix would pass the 255-character name limit.
  const stem = path.basename(file).slice(0, 200);
  const tmp = path.join(dir, `.${stem}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const fd = openCreatingDirectory(tmp, dir);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  opts.beforeRename?.();
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  syncDirectory(dir);
}

/**
 * Opens the temp file, creating its directory only when it is missing: the directory nearly always exists, and a
 * node agent serving a burst pays for every file system call on its one thread (under Wine, a round trip each).
 */
function openCreatingDirectory(tmp: string, dir: string): number {
  try {
    return fs.openSync(tmp, 'w', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    fs.mkdirSync(dir, { recursive: true });
    return fs.openSync(tmp, 'w', 0o600);
  }
}

/** Persist the rename itself. Windows cannot open directories for fsync; NTFS journals the rename. */
function syncDirectory(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads a file, or undefined when it does not exist. */
export function readFileIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
