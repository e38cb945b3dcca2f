// HcnError → CniError: the operator sees the HRESULT by name in `msg` (e.g. `HCN_E_INVALID_IP (0x803B001E)`) and
// the ErrorRecord in `details`. HNS being unreachable or slow is "try again later" (11), never the anchors' 999.
// A file-system failure (the data directory or a file in it: not a directory, no space, no permission, a name too
// long) is the state store's problem: 104 naming the path, not a bug.
import { CNI_CODE, CniError, isCniError } from '../cni/errors.js';
import { isHcnError, isNotFound, isRetryable } from '../hns/errors.js';
import { HR, toUnsigned } from '../hns/hresult.js';
import { LockTimeoutError } from '../store/lock.js';

export function toCniError(error: unknown, context: string): unknown {
  if (isCniError(error)) return error;
  if (isFileSystemError(error)) {
    return new CniError(CNI_CODE.IPAM_STORE, `${context}: the state store is unusable: ${error.message}`);
  }
  if (error instanceof LockTimeoutError) {
    return new CniError(CNI_CODE.TRY_AGAIN_LATER, `${context}: ${error.message}`);
  }
  if (!isHcnError(error)) return error;
  const details = error.errorRecordText ?? '';
  if (isRetryable(error)) {
    return new CniError(
      CNI_CODE.TRY_AGAIN_LATER,
      `${context}: HNS unavailable, try again later: ${error.message}`,
      details,
    );
  }
  if (error.hr === toUnsigned(HR.E_ACCESSDENIED)) {
    return new CniError(
      CNI_CODE.HNS_ERROR,
      `${context}: ${error.message}: HNS accepts calls only from administrators; run hns-cni as LocalSystem (as ` +
        'containerd does) or from an elevated prompt',
      details,
    );
  }
  return new CniError(CNI_CODE.HNS_ERROR, `${context}: ${error.message}`, details);
}

/** Runs `fn`, giving any HNS failure the CNI form. */
export async function withHnsErrors<T>(context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toCniError(error, context);
  }
}

/** For DEL and GC: a missing object is already the state we want. */
export async function ignoreNotFound<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

// Node's SystemError for a file-system call carries the call's name; sockets and child processes are not ours here.
const FS_SYSCALLS = new Set([
  'access',
  'chmod',
  'close',
  'copyfile',
  'fstat',
  'fsync',
  'link',
  'lstat',
  'mkdir',
  'mkdtemp',
  'open',
  'read',
  'readlink',
  'rename',
  'rmdir',
  'scandir',
  'stat',
  'symlink',
  'unlink',
  'utime',
  'write',
]);

function isFileSystemError(error: unknown): error is NodeJS.ErrnoException {
  const e = error as NodeJS.ErrnoException | undefined;
  return error instanceof Error && typeof e?.code === 'string' && FS_SYSCALLS.has(String(e?.syscall));
}
