// The peers stage's setup: the Wine stage's own (root under its lock, prefix, stub DLLs in system32, `sim serve`),
// plus the peer programs copied into C:\peers in the prefix. Fails loudly when they are missing; scripts/peers-stage.sh
// checks first and skips the whole stage with a banner instead (issue 10: the rest of the suite still runs).
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import wineSetup from '../wine/global-setup.js';
import { repo } from '../wine/paths.js';
import { locatePeers, missingPeers, PEER_PROGRAMS } from './locate.js';

export interface PeersStageInfo {
  /** Linux directory the peer programs came from. */
  source: string;
  /** Their directory in the prefix (also CNI_PATH, so win-bridge finds host-local). */
  windowsDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    peersStage: PeersStageInfo;
  }
}

function sameFile(a: string, b: string): boolean {
  return existsSync(b) && readFileSync(a).equals(readFileSync(b));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const source = locatePeers(repo);
  const missing = missingPeers(source);
  if (source === undefined || missing.length > 0) {
    throw new Error(
      `The peers stage cannot run: ${source === undefined ? 'no shared/peers/bin above the repository and no HNS_CNI_PEERS_DIR' : `missing ${missing.join(', ')} in ${source}`}.`,
    );
  }
  const teardown = await wineSetup(project);
  try {
    const target = join(project.getProvidedContext().wineStage.driveC, 'peers');
    mkdirSync(target, { recursive: true });
    for (const p of PEER_PROGRAMS) {
      if (!sameFile(join(source, p), join(target, p))) copyFileSync(join(source, p), join(target, p));
    }
    project.provide('peersStage', { source, windowsDir: 'C:\\peers' });
    process.stderr.write(`[peers-stage] peer programs from ${source}\n`);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
