// Where the prebuilt peer programs live (shared/peers/PEERS.md): HNS_CNI_PEERS_DIR, else the first `shared/peers/bin`
// found walking up from the repository (the main checkout's `../shared/peers/bin`, and the same from a worktree a
// level deeper). No vitest import: the global setup uses it in the main process.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const PEER_PROGRAMS = ['hcn.test.exe', 'win-bridge.exe', 'win-overlay.exe', 'host-local.exe'] as const;

export function locatePeers(repo: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.HNS_CNI_PEERS_DIR) return resolve(env.HNS_CNI_PEERS_DIR);
  for (let dir = dirname(resolve(repo)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'peers', 'bin');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The peer programs missing from `dir` (all of them when dir is undefined). */
export function missingPeers(dir: string | undefined): string[] {
  return PEER_PROGRAMS.filter((p) => dir === undefined || !existsSync(join(dir, p)));
}
