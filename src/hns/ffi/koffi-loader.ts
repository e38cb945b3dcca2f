// Loads koffi, the FFI library, both from node_modules (development, tests, the plain bundle) and from inside the
// single executable, where `require('koffi')` cannot work: a SEA's require only knows built-in modules. The build
// (scripts/build.mjs) embeds koffi's native module for the target platform as the SEA asset `koffi.node`, plus
// `koffi.json` ({ version, sha256 }). At first use we copy the asset to a hash-named file and `process.dlopen` it;
// koffi's native module exports the whole koffi API (its index.cjs only re-exports it). Where the file goes is a
// security decision (docs/security.md): on Windows next to the executable, never a temp directory.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sea from 'node:sea';
import { log } from '../../log/logger.js';
import { ensurePrivatePosixDirectory } from '../../store/private-dir.js';

export type Koffi = typeof import('koffi');

export const KOFFI_ASSET = 'koffi.node';
export const KOFFI_META_ASSET = 'koffi.json';

/** What the build records about the embedded module. */
export interface KoffiAssetMeta {
  version: string;
  sha256: string;
}

export type ExtractionOutcome = 'reused' | 'written' | 'replaced';

export interface ExtractedModule {
  file: string;
  outcome: ExtractionOutcome;
}

let koffi: Koffi | undefined;

/** koffi, loaded on first call (the CNI verbs that never touch HNS never pay for it). */
export function loadKoffi(): Koffi {
  koffi ??= sea.isSea() ? loadFromSeaAssets() : loadFromPackage();
  return koffi;
}

function loadFromPackage(): Koffi {
  // createRequire rather than `import`: koffi stays outside the esbuild bundle (a native module cannot be bundled)
  // and is loaded only when needed. In the CJS bundle there is no import.meta: scripts/build.mjs defines
  // `import.meta.url` as the bundle file's URL, so this line works unchanged under tsx/vitest (ESM) and in the bundle.
  return createRequire(import.meta.url)('koffi') as Koffi;
}

function loadFromSeaAssets(): Koffi {
  const bytes = new Uint8Array(sea.getRawAsset(KOFFI_ASSET) as ArrayBuffer);
  const meta = JSON.parse(sea.getAsset(KOFFI_META_ASSET, 'utf8')) as KoffiAssetMeta;
  const dir = koffiExtractionDir();
  const extracted = extractNativeModule(bytes, meta.sha256, dir);
  const loaded = loadExtracted(extracted.file, meta);
  if (extracted.outcome !== 'reused' && process.platform === 'win32') void warnIfExecutableDirIsOpen(dir);
  return loaded;
}

/**
 * Windows: the directory of hns-cni.exe itself. The CNI bin directory is writable by administrators only, and
 * whoever can write there can replace the executable anyway, so the module adds no way in. A temp directory would:
 * LocalSystem's %TEMP% is C:\Windows\Temp, where any user may create `hns-cni\` first and swap the DLL between
 * the check and the load. Elsewhere: `<tmp>/hns-cni`, which must be this user's and closed to others (POSIX modes
 * can be checked before any native code is loaded).
 */
export function koffiExtractionDir(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return path.dirname(process.execPath);
  return path.join(os.tmpdir(), 'hns-cni');
}

/**
 * After writing the module next to the executable (first run, or a repair): say so in the log when that directory
 * is open to other users (e.g. C:\opt\cni\bin inheriting C:\'s grants to Authenticated Users). The module adds
 * nothing an attacker there could not do to hns-cni.exe itself, so this warns rather than refuses.
 */
async function warnIfExecutableDirIsOpen(dir: string): Promise<void> {
  try {
    const { judgeWindowsDirectory } = await import('../../winsec/private-dir.js');
    const { verdict, fix } = judgeWindowsDirectory(dir);
    if (!verdict.ok) {
      log.warn('the directory of hns-cni.exe is writable by other users: they can replace hns-cni.exe', {
        dir,
        problems: verdict.problems,
        fix,
      });
    }
  } catch (error) {
    log.debug('could not read the permissions of the executable directory', { dir, error });
  }
}

/** Extracts the native module to `dir` and loads it; checks it is the koffi version the bundle was built with. */
export function loadKoffiFromBytes(bytes: Uint8Array, meta: KoffiAssetMeta, dir: string): Koffi {
  return loadExtracted(extractNativeModule(bytes, meta.sha256, dir).file, meta);
}

function loadExtracted(file: string, meta: KoffiAssetMeta): Koffi {
  const mod: { exports: Record<string, unknown> } = { exports: {} };
  process.dlopen(mod, file);
  if (mod.exports.version !== meta.version) {
    throw new Error(`koffi native module ${file} is version ${String(mod.exports.version)}, want ${meta.version}`);
  }
  // Same shape as koffi's index.cjs exports, whose `default` is the native object itself.
  return { ...mod.exports, default: mod.exports } as unknown as Koffi;
}

/** The file name for a module with this content hash: the same bytes always land in the same file. */
export function nativeModuleFileName(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256 hex digest: ${sha256}`);
  return `koffi-${sha256.slice(0, 16)}.node`;
}

/**
 * Makes sure `dir/koffi-<hash>.node` holds exactly `bytes` and returns its path. An existing file is reused only when
 * its content is identical: a byte comparison, stricter than a hash check and cheaper (`sha256` is the build's digest
 * of `bytes`, not recomputed on every start). A truncated or corrupted file is replaced. New content is written to a
 * unique temp name and renamed into place, so a concurrent invocation sees either no file or a complete one.
 */
export function extractNativeModule(bytes: Uint8Array, sha256: string, dir: string): ExtractedModule {
  const file = path.join(dir, nativeModuleFileName(sha256));
  // POSIX: created 0700 and checked before anything is loaded from it. Windows: the executable's own directory,
  // which exists (see koffiExtractionDir).
  if (process.platform !== 'win32') ensurePrivatePosixDirectory(dir);
  const existing = readIfPresent(file);
  if (existing?.equals(bytes)) return { file, outcome: 'reused' };

  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(temp, bytes, { mode: 0o755 });
  } catch (err) {
    throw new Error(
      `cannot write koffi's native module to ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)}): ` +
        'run hns-cni once as an administrator or LocalSystem (as containerd does), so it can be written next to ' +
        'the executable; it is never loaded from a temp directory',
    );
  }
  const outcome: ExtractionOutcome = existing ? 'replaced' : 'written';
  if (existing) log.warn('koffi native module was corrupted; replacing it', { file });
  try {
    fs.renameSync(temp, file);
  } catch (err) {
    // Windows refuses to replace a DLL another process has loaded. If that process put the right bytes there, use
    // them; otherwise load our own complete copy from its unique name.
    if (readIfPresent(file)?.equals(bytes)) {
      fs.rmSync(temp, { force: true });
      return { file, outcome: 'reused' };
    }
    log.warn('could not rename the koffi module into place; loading the temp copy', { file, err: String(err) });
    return { file: temp, outcome };
  }
  return { file, outcome };
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
