// The executable pair as a release ships it (src/cni/front-origin.ts): the native front dist/hns-cni[.exe] and the
// Node engine dist/hns-cni-engine[.exe] in one directory. A missing file fails loudly: run npm run build.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The built front and engine for `windows` (the .exe pair) or this platform. */
export function builtPair(windows = false): { front: string; engine: string } {
  const ext = windows ? '.exe' : '';
  const front = path.join(repoRoot, 'dist', `hns-cni${ext}`);
  const engine = path.join(repoRoot, 'dist', `hns-cni-engine${ext}`);
  for (const file of [front, engine]) if (!fs.existsSync(file)) throw new Error(`${file} is missing: npm run build`);
  // The front is a small C program, the engine a Node executable of over 50 MB: never the engine twice.
  if (fs.statSync(front).size > 20 * 1024 * 1024) throw new Error(`${front} is not the native front`);
  return { front, engine };
}

/** Copies the pair into `dir` as hns-cni[.exe] + hns-cni-engine[.exe] (a release directory); returns the paths. */
export function stagePair(dir: string, windows = false): { front: string; engine: string } {
  const ext = windows ? '.exe' : '';
  const built = builtPair(windows);
  fs.mkdirSync(dir, { recursive: true });
  const front = path.join(dir, `hns-cni${ext}`);
  const engine = path.join(dir, `hns-cni-engine${ext}`);
  fs.copyFileSync(built.engine, engine);
  fs.copyFileSync(built.front, front);
  fs.chmodSync(engine, 0o755);
  fs.chmodSync(front, 0o755);
  return { front, engine };
}
