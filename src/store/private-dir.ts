// The directories hns-cni keeps state in or loads code from are writable by it (LocalSystem or root) and
// administrators only: anyone else who could write there could swap a file that a privileged process trusts
// (docs/security.md). Missing ones are created that way; existing ones are checked, never silently "repaired".
// Windows reads owner and DACL through src/winsec (loaded only there); POSIX uses the owner and mode bits.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { log } from '../log/logger.js';
import type { DirectoryKind } from '../winsec/acl.js';

export class UnsafePathError extends Error {
  constructor(
    readonly dir: string,
    readonly problems: readonly string[],
    /** Commands an administrator can run to make it safe, keeping its content. */
    readonly fix: readonly string[],
  ) {
    super(`${dir} is not safe for hns-cni: ${problems.join('; ')}`);
    this.name = 'UnsafePathError';
  }
}

// Directories found private in this process (the log's and the data directory are usually the same one): checked
// once per invocation, not once per user.
const found = new Set<string>();

/** Creates `dir` (and missing parents) or checks the existing one; throws UnsafePathError when it is not private. */
export async function ensurePrivateDirectory(dir: string, platform: NodeJS.Platform = process.platform): Promise<void> {
  const key = `${platform}:${dir}`;
  if (found.has(key)) return;
  const started = performance.now();
  await checkPrivateDirectory(dir, platform);
  found.add(key);
  log.debug('directory is private', { dir, checkMs: Math.round((performance.now() - started) * 100) / 100 });
}

/**
 * The CNI bin and conf directories `hns-cni install` writes into: nobody but SYSTEM (root) and Administrators may add
 * or change a file there — in the bin dir they would run code as SYSTEM the next time containerd starts the plugin
 * (the engine loads DLLs and the koffi module from its own directory); in the conf dir they would choose what runs.
 * Created missing (Users may read and run, acl.ts), judged existing with every directory above; throws UnsafePathError
 * with the fix.
 */
export async function ensureAdminWritableDirectory(
  dir: string,
  platform: NodeJS.Platform = process.platform,
): Promise<void> {
  await checkPathTo(dir, platform);
  await checkPrivateDirectory(dir, platform, 'bin');
}

/**
 * What `ensureAdminWritableDirectory` would refuse, changing nothing: an existing directory and the ones above it, or,
 * for a missing one, the existing ones above it (it would be created closed).
 */
export async function adminWritableProblems(
  dir: string,
  platform: NodeJS.Platform = process.platform,
): Promise<{ problems: string[]; fix: string[] }> {
  try {
    if (fs.existsSync(dir)) await ensureAdminWritableDirectory(dir, platform);
    else await checkPathTo(dir, platform);
    return { problems: [], fix: [] };
  } catch (e) {
    if (e instanceof UnsafePathError) return { problems: [...e.problems], fix: [...e.fix] };
    throw e;
  }
}

/**
 * A file hns-cni reads as SYSTEM and acts on — a kubeconfig may name a command the client library runs to get a
 * token (`users[].user.exec`) — must be changeable by SYSTEM (root) and Administrators only: its owner trusted, no
 * grant to anyone else that changes or replaces it, and every directory above it safe by the path rule (a user who
 * owns `C:\k` could swap `config`). Throws UnsafePathError naming the file.
 */
export async function ensureTrustedFile(file: string, platform: NodeJS.Platform = process.platform): Promise<void> {
  await checkPathTo(file, platform);
  if (platform === 'win32') {
    const { judgeWindowsTrustedFile } = await import('../winsec/private-dir.js');
    const { verdict, fix } = judgeWindowsTrustedFile(file);
    if (!verdict.ok) throw new UnsafePathError(file, verdict.problems, fix);
    return;
  }
  const problems = posixProblems(fs.statSync(file), 'write to it');
  if (problems.length > 0) throw new UnsafePathError(file, problems, posixFix(file));
}

/**
 * The existing directories above `dir`, nearest first, up to the root: whoever may rename or delete an entry in one
 * (or owns one) can move the real `dir` away and put their own in its place. Missing ones are created by us.
 */
async function checkPathTo(dir: string, platform: NodeJS.Platform): Promise<void> {
  const above: string[] = [];
  for (let d = path.dirname(path.resolve(dir)); ; d = path.dirname(d)) {
    if (fs.existsSync(d)) above.push(d);
    if (path.dirname(d) === d) break;
  }
  const windows = platform === 'win32' ? await import('../winsec/private-dir.js') : undefined;
  const judge = (d: string) => {
    // POSIX: the sticky bit keeps group and others off entries they do not own (/tmp).
    if (windows === undefined)
      return { problems: posixProblems(fs.statSync(d), 'rename or delete what is in it', true), fix: posixFix(d) };
    const { verdict, fix } = windows.judgeWindowsPathDirectory(d);
    return { problems: verdict.ok ? [] : verdict.problems, fix };
  };
  for (const d of above) {
    const { problems, fix } = judge(d);
    if (problems.length > 0)
      throw new UnsafePathError(
        dir,
        problems.map((p) => `${d}, above it: ${p}`),
        fix,
      );
  }
}

/**
 * POSIX: owned by root or this user, and neither group nor others may `what` (write permission; with
 * `stickyIsEnough`, allowed when the sticky bit is set).
 */
function posixProblems(st: fs.Stats, what: string, stickyIsEnough = false): string[] {
  const uid = process.getuid?.() ?? 0;
  const problems: string[] = [];
  if (st.uid !== uid && st.uid !== 0) problems.push(`it is owned by uid ${st.uid}, not ${uid} or root`);
  if ((st.mode & 0o022) !== 0 && !(stickyIsEnough && (st.mode & 0o1000) !== 0)) {
    problems.push(`group or others may ${what} (mode ${(st.mode & 0o777).toString(8)})`);
  }
  return problems;
}

const posixFix = (p: string) => [`chown ${process.getuid?.() ?? 0} '${p}' && chmod go-w '${p}'`];

async function checkPrivateDirectory(
  dir: string,
  platform: NodeJS.Platform,
  kind: DirectoryKind = 'private',
): Promise<void> {
  const existing = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (existing !== undefined && !existing.isDirectory() && !existing.isSymbolicLink()) {
    throw new Error(`${dir} is a file, not a directory`);
  }
  if (platform !== 'win32') {
    ensurePrivatePosixDirectory(dir, kind === 'bin' ? 0o755 : 0o700);
    return;
  }
  if (existing?.isSymbolicLink()) {
    const fix = [`Remove-Item -LiteralPath '${dir.replaceAll("'", "''")}'`];
    throw new UnsafePathError(dir, ['it is a symbolic link or junction'], fix);
  }
  const { ensurePrivateWindowsDirectory } = await import('../winsec/private-dir.js');
  const check = ensurePrivateWindowsDirectory(dir, kind);
  if (!check.verdict.ok) throw new UnsafePathError(dir, check.verdict.problems, check.fix);
}

/**
 * POSIX: a real directory (not a symbolic link) owned by this user or root, that neither group nor others may write.
 * Created with `mode` (default 0700) when missing.
 */
export function ensurePrivatePosixDirectory(dir: string, mode = 0o700): void {
  fs.mkdirSync(dir, { recursive: true, mode });
  const st = fs.lstatSync(dir);
  const problems: string[] = [];
  if (st.isSymbolicLink()) problems.push('it is a symbolic link');
  else if (!st.isDirectory()) problems.push('it is not a directory');
  problems.push(...posixProblems(st, 'write to it'));
  if (problems.length > 0) throw new UnsafePathError(dir, problems, posixFix(dir));
}
