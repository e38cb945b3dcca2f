// Where hns-cni keeps its node-local state (IPAM stores, the network cache, locks): C:\ProgramData\hns-cni on
// Windows, a directory under the OS temp dir elsewhere (tests, the simulator demo); HNS_CNI_DATA_DIR overrides both.
// Before a verb uses it, the directory is opened: created private when missing (Windows: SYSTEM and Administrators
// only), refused when someone else could write to it, and any other reason it cannot be used is code 104.
import * as os from 'node:os';
import * as path from 'node:path';
import { CNI_CODE, CniError } from '../cni/errors.js';
import { currentInvocation } from '../cni/invocation.js';
import { configPathProblem } from '../cni/text-rules.js';
import { ensurePrivateDirectory, UnsafePathError } from './private-dir.js';

export function defaultDataDir(): string {
  const override = process.env.HNS_CNI_DATA_DIR;
  if (override) return override;
  if (process.platform === 'win32') return path.win32.join(process.env.ProgramData ?? 'C:\\ProgramData', 'hns-cni');
  return path.join(os.tmpdir(), 'hns-cni');
}

/** Where the data directory's path came from, for the error message. */
export function dataDirOrigin(): string {
  return process.env.HNS_CNI_DATA_DIR ? 'HNS_CNI_DATA_DIR' : 'the default data directory';
}

/**
 * Makes `dir` ready for state: created private when missing, checked when present. Code 104 (the state store is
 * unusable) with the reason, and for an unsafe directory the command that fixes it.
 */
export async function openDataDir(dir = defaultDataDir(), origin = dataDirOrigin()): Promise<string> {
  // Once per invocation: a verb the agent did not take is checked by the front, then by the in-process path. Each
  // request the agent serves is an invocation of its own, so it is checked afresh.
  const invocation = currentInvocation();
  invocation.openedDataDirs ??= new Set();
  const opened = invocation.openedDataDirs;
  if (opened.has(dir)) return dir;
  const problem = configPathProblem(dir);
  if (problem !== undefined) {
    throw new CniError(CNI_CODE.IPAM_STORE, `data directory ${JSON.stringify(dir)} (${origin}) ${problem}`);
  }
  try {
    await ensurePrivateDirectory(dir);
  } catch (e) {
    if (e instanceof UnsafePathError) {
      throw new CniError(
        CNI_CODE.IPAM_STORE,
        `data directory ${dir} (${origin}) is not safe: ${e.problems.join('; ')}; anyone who can write there can ` +
          `change what hns-cni (running as SYSTEM) reads. Fix it as an administrator: ${e.fix[0]}`,
        JSON.stringify({ problems: e.problems, fix: e.fix }),
      );
    }
    throw new CniError(
      CNI_CODE.IPAM_STORE,
      `data directory ${dir} (${origin}) cannot be used: ${(e as Error).message}`,
    );
  }
  opened.add(dir);
  return dir;
}
