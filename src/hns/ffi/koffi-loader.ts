// Loads koffi, the FFI library, both from node_modules (development, tests, the plain bundle) and from inside the
// single executable, where `require('koffi')` cannot work: a SEA's require only knows built-in modules. The build
// (scripts/build.mjs) embeds koffi's native module for the target platform as the SEA asset `koffi.node`, plus
// `koffi.json` ({ version, sha256 }). At first use we copy the asset to a hash-named file in the OS temp dir and
// `process.dlopen` it; koffi's native module exports the whole koffi API (its index.cjs only re-exports it).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sea from 'node:sea';
import { log } from '../../log/logger.js';

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
  return loadKoffiFromBytes(bytes, meta, koffiExtractionDir());
}

/** `<tmp>/hns-cni`: the temp dir of whoever runs the plugin (containerd's: C:\Windows\Temp as LocalSystem). */
export function koffiExtractionDir(): string {
  return path.join(os.tmpdir(), 'hns-cni');
}

/** Extracts the native module to `dir` and loads it; checks it is the koffi version the bundle was built with. */
export function loadKoffiFromBytes(bytes: Uint8Array, meta: KoffiAssetMeta, dir: string): Koffi {
  const extracted = extractNativeModule(bytes, meta.sha256, dir);
  const mod: { exports: Record<string, unknown> } = { exports: {} };
  process.dlopen(mod, extracted.file);
  if (mod.exports.version !== meta.version) {
    throw new Error(
      `koffi native module ${extracted.file} is version ${String(mod.exports.version)}, want ${meta.version}`,
    );
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
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  assertPrivateDir(dir);
  const existing = readIfPresent(file);
  if (existing?.equals(bytes)) return { file, outcome: 'reused' };

  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temp, bytes, { mode: 0o755 });
  const outcome: ExtractionOutcome = existing ? 'replaced' : 'written';
  if (existing) log.warn('koffi module in the temp dir was corrupted; replacing it', { file });
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

/**
 * A native module is executable code: on a shared temp dir (Linux /tmp) another user could pre-create `hns-cni/` and
 * swap the file between our check and dlopen. Refuse a directory we do not own or that others can write to.
 * POSIX only: Windows ACLs are not in mode bits, and nothing can read them before koffi is loaded. There the dir is
 * the service account's %TEMP% (C:\Windows\Temp for LocalSystem), where other users may create folders: see the
 * open risk in docs/build.md.
 */
function assertPrivateDir(dir: string): void {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return;
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || st.uid !== process.getuid() || (st.mode & 0o022) !== 0) {
    throw new Error(`${dir} must be a directory owned by uid ${process.getuid()} and not writable by others`);
  }
}
