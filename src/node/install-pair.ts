// Installing the executable pair (src/cni/front-origin.ts): the native front under the name the runtime will run
// (hns-cni.exe, or an anchor's name for the drop-in) and the Node engine beside it (hns-cni-engine.exe), both by
// the rename-then-replace of installBinary. Several fronts (hns-cni.exe and win-bridge.exe, say) share one engine.
//
// Order of an upgrade: the engine first, then the front. The engine stays backwards compatible (run directly, or by
// an older front, it is a complete plugin), so a pod started between the two steps runs the old front with the new
// engine and works; the other order could leave a new front starting an old engine that does not know `--front=`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { engineFileName, frontBeside, frontFileName } from '../cni/front-origin.js';
import { familyOfName } from '../config/family.js';
import { type BinaryOutcome, type InstallRecord, installBinary, removeSetAside } from './install.js';

export interface PairSources {
  front: string;
  engine: string;
}

/**
 * Where the pair comes from: the engine is `--source` (or this executable), the front `--front` (or the one that
 * started this engine, or the front beside the engine). A missing front is refused: installing the engine alone
 * under the front's name would work but keep every pod start at Node's start-up cost (issue 14).
 */
export function pairSources(engine: string, front: string | undefined): PairSources {
  const f = front ?? frontBeside(engine);
  if (!fs.existsSync(engine)) throw new Error(`the engine ${engine} does not exist`);
  if (!fs.existsSync(f))
    throw new Error(
      `the native front ${f} is not beside the engine ${engine}: ship both files (${frontFileName()} and ` +
        `${engineFileName()}) in one directory, or give --front FILE`,
    );
  if (path.resolve(f) === path.resolve(engine)) throw new Error(`--front and the engine are the same file: ${f}`);
  return { front: f, engine };
}

/** The front's file name in the bin dir: hns-cni(.exe) or an anchor's name (`--as win-bridge`). */
export function frontTargetName(as: string | undefined, platform: NodeJS.Platform = process.platform): string {
  if (as === undefined) return frontFileName(platform);
  const stem = as.replace(/\.exe$/i, '');
  if (stem !== 'hns-cni' && (familyOfName(stem) === undefined || /[\\/]/.test(stem)))
    throw new Error(
      `--as ${as}: not hns-cni nor an anchor plugin's name (win-bridge, win-overlay, nat, sdnbridge, ...)`,
    );
  return platform === 'win32' ? `${stem}.exe` : stem;
}

export interface PairOutcome {
  front: BinaryOutcome;
  engine: BinaryOutcome;
}

/**
 * Installs (or upgrades) the engine, then the front; records both. An anchor's own executable already under the
 * front's name (win-bridge.exe that hns-cni did not install) is kept unless `force`: replacing it is the operator's call.
 */
export function installPair(
  src: PairSources,
  binDir: string,
  frontName: string,
  record: InstallRecord,
  force = false,
): PairOutcome {
  const target = path.join(binDir, frontName);
  const ours = [...(record.fronts ?? []), ...(record.binary ? [record.binary] : [])].some((f) => f.path === target);
  if (frontName !== frontFileName() && fs.existsSync(target) && !ours && !force)
    throw new Error(`${target} was not installed by hns-cni (the plugin it replaces?): kept; --force replaces it`);
  const engine = installBinary(src.engine, binDir, engineFileName());
  const front = installBinary(src.front, binDir, frontName);
  record.engine = { path: engine.path, sha256: engine.sha256 };
  const fronts = (record.fronts ?? []).filter((f) => f.path !== front.path);
  if (record.binary !== undefined && record.fronts === undefined && record.binary.path !== front.path)
    fronts.push(record.binary);
  record.fronts = [...fronts, { path: front.path, sha256: front.sha256 }];
  record.binary = { path: front.path, sha256: front.sha256 };
  return { front, engine };
}

/**
 * Removes the installed fronts and the engine (the front first, so no front is left without its engine). A file
 * Windows refuses to delete (it is running) is renamed aside, as an upgrade does, and reported.
 */
export function uninstallPair(
  binDir: string,
  record: InstallRecord,
  force: boolean,
): { removed: string[]; kept: string[] } {
  const removed: string[] = [];
  const kept: string[] = [];
  const ours = new Set([...(record.fronts ?? []), ...(record.binary ? [record.binary] : [])].map((f) => f.path));
  // Every front's name once (hns-cni's own even when not recorded, for its set-aside copies), the engine last.
  const fronts = new Set([frontFileName(), ...[...ours].map((p) => path.basename(p))]);
  fronts.delete(engineFileName());
  for (const name of [...fronts, engineFileName()]) {
    const file = path.join(binDir, name);
    const recorded = ours.has(file) || (name === engineFileName() && record.engine?.path === file);
    if (fs.existsSync(file) && (force || recorded)) {
      try {
        fs.rmSync(file, { force: true });
        removed.push(file);
      } catch {
        // Windows: a running copy cannot be deleted; it is set aside for Install-HnsCni.ps1 (or a reboot) to finish.
        fs.renameSync(file, `${file}.old-${Date.now()}`);
      }
    }
    kept.push(...removeSetAside(binDir, name).map((f) => `${f} (in use)`));
  }
  return { removed, kept };
}
