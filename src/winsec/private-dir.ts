// A directory only SYSTEM and Administrators can write, on Windows: created with that DACL when missing, and an
// existing one accepted only when its owner and DACL say so (acl.ts decides). Reached through store/private-dir.ts,
// which imports this module only on Windows.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DIRECTORY_SDDL,
  type DirectoryKind,
  type DirectorySecurity,
  fileFixCommands,
  fixCommands,
  judgePathDirectory,
  judgePrivateDirectory,
  judgeTrustedFile,
  pathFixCommands,
  type Sid,
  type Verdict,
} from './acl.js';
import { winSecurity } from './ffi.js';

export interface WindowsDirectoryCheck {
  created: boolean;
  verdict: Verdict;
  fix: string[];
}

/**
 * Creates `dir` with the kind's DACL (acl.ts DIRECTORY_SDDL) when it does not exist (its parents, outside hns-cni's control, the
 * ordinary way), then judges what is there. A directory someone else created in the meantime is judged like any
 * other existing one.
 */
export function ensurePrivateWindowsDirectory(dir: string, kind: DirectoryKind = 'private'): WindowsDirectoryCheck {
  const security = winSecurity();
  let created = false;
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    let outcome: 'created' | 'exists';
    try {
      outcome = security.createDirectory(dir, DIRECTORY_SDDL[kind].owned);
    } catch {
      // A creator that may not name Administrators as owner (no SeRestorePrivilege, not in the group): it owns it.
      outcome = security.createDirectory(dir, DIRECTORY_SDDL[kind].unowned);
    }
    created = outcome === 'created';
  }
  return { created, ...judge(dir, kind) };
}

/** Judges an existing path without changing anything (the koffi module's directory). */
export function judgeWindowsDirectory(dir: string): Omit<WindowsDirectoryCheck, 'created'> {
  return judge(dir);
}

function judge(dir: string, kind: DirectoryKind = 'private'): Omit<WindowsDirectoryCheck, 'created'> {
  return judgeWith(dir, judgePrivateDirectory, (untrusted) => fixCommands(dir, untrusted, kind));
}

/** Judges a directory on the path to the bin dir (acl.ts judgePathDirectory): nobody else may take the path away. */
export function judgeWindowsPathDirectory(dir: string): Omit<WindowsDirectoryCheck, 'created'> {
  return judgeWith(dir, judgePathDirectory, (untrusted) => pathFixCommands(dir, untrusted));
}

/** Judges a file hns-cni acts on (acl.ts judgeTrustedFile). */
export function judgeWindowsTrustedFile(file: string): Omit<WindowsDirectoryCheck, 'created'> {
  return judgeWith(file, judgeTrustedFile, () => fileFixCommands(file));
}

/** Owner and DACL read through the FFI door, judged by one of acl.ts's rules; the fix when it fails. */
function judgeWith(
  target: string,
  rule: (security: DirectorySecurity, self?: Sid) => Verdict,
  fixFor: (untrusted: Sid[]) => string[],
): Omit<WindowsDirectoryCheck, 'created'> {
  const security = winSecurity();
  const verdict = rule(security.readSecurity(target), security.currentUser());
  return { verdict, fix: verdict.ok ? [] : fixFor(verdict.untrusted) };
}
