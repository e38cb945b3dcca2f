// HcnError → CniError: the operator sees the HRESULT by name in `msg` (e.g. `HCN_E_INVALID_IP (0x803B001E)`) and
// the ErrorRecord in `details`. HNS being unreachable or slow is "try again later" (11), never the anchors' 999.
import { CNI_CODE, CniError, isCniError } from '../cni/errors.js';
import { isHcnError, isNotFound, isRetryable } from '../hns/errors.js';
import { LockTimeoutError } from '../store/lock.js';

export function toCniError(error: unknown, context: string): unknown {
  if (isCniError(error)) return error;
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
