// The executable pair as a release ships it (src/cni/front-origin.ts): the native front and the Node engine in one
// directory. Taken from dist/: the engine is dist/hns-cni-engine[.exe] when the build made one, else the Node
// executable dist/hns-cni[.exe]; the front is dist/hns-cni[.exe] when that is the native front.
// STAND-IN until the build makes the native front: when dist/hns-cni[.exe] is still the Node executable, the front
// is a COPY OF THE ENGINE named as the front (run directly, the engine is a complete plugin, so it behaves right).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A native front is a small C program; the Node executable is over 50 MB. */
const isNativeFront = (file: string) => fs.existsSync(file) && fs.statSync(file).size < 20 * 1024 * 1024;

/** The built front and engine for `windows` (the .exe pair) or this platform. */
export function builtPair(windows = false): { front: string; engine: string; standIn: boolean } {
  const ext = windows ? '.exe' : '';
  const front = path.join(repoRoot, 'dist', `hns-cni${ext}`);
  const engineFile = path.join(repoRoot, 'dist', `hns-cni-engine${ext}`);
  const engine = fs.existsSync(engineFile) ? engineFile : front;
  if (isNativeFront(front)) return { front, engine, standIn: false };
  return { front: engine, engine, standIn: true };
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
