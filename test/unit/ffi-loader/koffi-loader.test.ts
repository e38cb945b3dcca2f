// The file logic behind loading koffi from a SEA asset, exercised in process with the real linux koffi module.
// (The SEA path itself, with `node:sea`, is covered end to end by test/e2e/build-sea.test.ts.)
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  extractNativeModule,
  loadKoffi,
  loadKoffiFromBytes,
  nativeModuleFileName,
} from '../../../src/hns/ffi/koffi-loader.js';

const modules = path.resolve(import.meta.dirname, '../../../node_modules');
const koffiPackageVersion = (
  JSON.parse(fs.readFileSync(path.join(modules, 'koffi/package.json'), 'utf8')) as { version: string }
).version;
const linuxKoffi = fs.readFileSync(path.join(modules, '@koromix/koffi-linux-x64/linux_x64/koffi.node'));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let dir: string;
beforeEach(() => {
  dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'koffi-loader-test-')), 'hns-cni');
});
afterEach(() => {
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

describe('nativeModuleFileName', () => {
  it('names the file after the first 16 hex digits of the content hash', () => {
    const digest = sha256(Buffer.from('abc'));
    expect(nativeModuleFileName(digest)).toBe(`koffi-${digest.slice(0, 16)}.node`);
  });

  it('refuses something that is not a sha256 digest (it would end up in a path)', () => {
    expect(() => nativeModuleFileName('../../etc/passwd')).toThrow(/sha256/);
    expect(() => nativeModuleFileName('ABC')).toThrow(/sha256/);
  });
});

describe('extractNativeModule', () => {
  const bytes = Buffer.from('pretend this is a native module');
  const digest = sha256(bytes);
  const expectedFile = () => path.join(dir, nativeModuleFileName(digest));

  it('writes the bytes to the hash-named file in a private directory, leaving no temp file behind', () => {
    const result = extractNativeModule(bytes, digest, dir);
    expect(result).toEqual({ file: expectedFile(), outcome: 'written' });
    expect(fs.readFileSync(result.file).equals(bytes)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual([path.basename(expectedFile())]);
    expect(fs.statSync(dir).mode & 0o077).toBe(0);
  });

  it('reuses an identical file without rewriting it', () => {
    extractNativeModule(bytes, digest, dir);
    const before = fs.statSync(expectedFile());
    fs.utimesSync(expectedFile(), new Date(1_000_000), new Date(1_000_000));
    const result = extractNativeModule(bytes, digest, dir);
    const after = fs.statSync(expectedFile());
    expect(result.outcome).toBe('reused');
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(1_000_000);
  });

  it('replaces a file whose content was corrupted', () => {
    extractNativeModule(bytes, digest, dir);
    const corrupted = Buffer.from(bytes);
    corrupted[5] ^= 0xff;
    fs.writeFileSync(expectedFile(), corrupted);
    const result = extractNativeModule(bytes, digest, dir);
    expect(result.outcome).toBe('replaced');
    expect(fs.readFileSync(expectedFile()).equals(bytes)).toBe(true);
    expect(fs.readdirSync(dir)).toHaveLength(1);
  });

  it('replaces a truncated file (a crash in the middle of a copy)', () => {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(expectedFile(), bytes.subarray(0, 4));
    expect(extractNativeModule(bytes, digest, dir).outcome).toBe('replaced');
    expect(fs.readFileSync(expectedFile()).equals(bytes)).toBe(true);
  });

  it('keeps modules of different builds side by side', () => {
    const other = Buffer.from('another koffi version');
    const a = extractNativeModule(bytes, digest, dir);
    const b = extractNativeModule(other, sha256(other), dir);
    expect(a.file).not.toBe(b.file);
    expect(fs.readFileSync(a.file).equals(bytes)).toBe(true);
    expect(fs.readFileSync(b.file).equals(other)).toBe(true);
  });

  it.runIf(process.platform !== 'win32')('refuses a directory that other users can write to', () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, 0o777);
    expect(() => extractNativeModule(bytes, digest, dir)).toThrow(/group or others may write to it \(mode 777\)/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('loadKoffiFromBytes', () => {
  it('extracts and dlopens the native module, which exposes the whole koffi API', () => {
    const koffi = loadKoffiFromBytes(linuxKoffi, { version: koffiPackageVersion, sha256: sha256(linuxKoffi) }, dir);
    expect(koffi.version).toBe(koffiPackageVersion);
    const getpid = koffi.load('libc.so.6').func('int getpid()');
    expect(getpid()).toBe(process.pid);
    expect(fs.readFileSync(path.join(dir, nativeModuleFileName(sha256(linuxKoffi)))).equals(linuxKoffi)).toBe(true);
  });

  it('refuses a module of another koffi version than the bundle was built against', () => {
    const meta = { version: '0.0.1', sha256: sha256(linuxKoffi) };
    expect(() => loadKoffiFromBytes(linuxKoffi, meta, dir)).toThrow(/is version .* want 0\.0\.1/);
  });
});

describe('loadKoffi outside a SEA', () => {
  it('loads the koffi package once and returns the same module afterwards', () => {
    const first = loadKoffi();
    expect(first.version).toBe(koffiPackageVersion);
    expect(typeof first.struct).toBe('function');
    expect(loadKoffi()).toBe(first);
  });
});
