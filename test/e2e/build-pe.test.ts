// dist/hns-cni-engine.exe (the engine the native front starts) as Windows will see it: a PE32+ x86-64 console program carrying the SEA blob as the resource
// RT_RCDATA/NODE_SEA_BLOB, the fuse flipped, and inside the blob the win32 koffi module and our bundle.
// Needs `npm run build` first (scripts/test.sh runs it); a missing executable fails these tests.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PINNED } from '../../scripts/build/pins.mjs';
import {
  IMAGE_FILE_MACHINE_AMD64,
  IMAGE_SUBSYSTEM_WINDOWS_CUI,
  listResources,
  type PeHeaders,
  parsePeHeaders,
  RT_RCDATA,
  readResource,
} from '../helpers/pe.js';

const repo = path.resolve(import.meta.dirname, '../..');
const exePath = path.join(repo, 'dist/hns-cni-engine.exe');
// Written out here rather than imported from the build, so that a wrong constant there cannot hide here.
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

interface BuildInfo {
  koffi: string;
  signatureRemoved: boolean;
  baseWin32: string;
  koffiWin32: { file: string };
  koffiLinux: { file: string };
  startupRequested: 'snapshot' | 'code-cache' | 'none';
  startup: { win32: 'snapshot' | 'code-cache' | 'none' };
  win32StartupNote?: string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const count = (haystack: Buffer, needle: string | Buffer) => {
  let n = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) n++;
  return n;
};

let exe: Buffer;
let headers: PeHeaders;
let blob: Buffer;
let info: BuildInfo;

beforeAll(() => {
  if (!fs.existsSync(exePath)) throw new Error(`${exePath} is missing: run npm run build first`);
  exe = fs.readFileSync(exePath);
  headers = parsePeHeaders(exe);
  info = JSON.parse(fs.readFileSync(path.join(repo, 'dist/build-info.json'), 'utf8')) as BuildInfo;
  const resource = readResource(exe, RT_RCDATA, 'NODE_SEA_BLOB');
  if (!resource) throw new Error('hns-cni.exe has no RT_RCDATA/NODE_SEA_BLOB resource');
  blob = resource;
});

describe('dist/hns-cni-engine.exe headers', () => {
  it('is a PE32+ x86-64 console program', () => {
    expect(headers.machine).toBe(IMAGE_FILE_MACHINE_AMD64);
    expect(headers.isPe32Plus).toBe(true);
    expect(headers.subsystem).toBe(IMAGE_SUBSYSTEM_WINDOWS_CUI);
  });

  it('carries no Authenticode signature that the injection would have broken', () => {
    expect(info.signatureRemoved).toBe(true);
    expect(headers.certificateTable).toEqual({ rva: 0, size: 0 });
  });

  it('keeps the resources of the official node.exe (version info, icon) next to the blob', () => {
    const base = fs.readFileSync(info.baseWin32);
    const key = (r: { type: number | string; name: number | string }) => `${r.type}/${r.name}`;
    const before = listResources(base, parsePeHeaders(base)).map(key);
    const after = listResources(exe, headers).map(key);
    expect(before).not.toContain('10/NODE_SEA_BLOB');
    expect(after.sort()).toEqual([...before, '10/NODE_SEA_BLOB'].sort());
  });
});

describe('the SEA blob in RT_RCDATA/NODE_SEA_BLOB', () => {
  it('is switched on: the fuse occurs once and reads :1', () => {
    expect(count(exe, FUSE)).toBe(1);
    expect(count(exe, `${FUSE}:1`)).toBe(1);
  });

  it('has the SEA header: magic, assets, no warning, and the start-up aid the build recorded (none if Linux-made)', () => {
    // node_sea.h: uint32 magic 0x143da20, then uint32 flags. A snapshot or code cache is only usable when node.exe
    // made the blob itself (under Wine): a Linux-made snapshot stops the exe from starting and a Linux-made code
    // cache is rejected. The build records what it made, and why the exe has none when it has none.
    const SEA_MAGIC = 0x143da20;
    const flags = { disableWarning: 1 << 0, useSnapshot: 1 << 1, useCodeCache: 1 << 2, includeAssets: 1 << 3 };
    expect(blob.readUInt32LE(0)).toBe(SEA_MAGIC);
    const f = blob.readUInt32LE(4);
    expect(f & flags.disableWarning).toBe(flags.disableWarning);
    expect(f & flags.includeAssets).toBe(flags.includeAssets);
    expect(f & flags.useSnapshot).toBe(info.startup.win32 === 'snapshot' ? flags.useSnapshot : 0);
    expect(f & flags.useCodeCache).toBe(info.startup.win32 === 'code-cache' ? flags.useCodeCache : 0);
    if (info.startup.win32 !== info.startupRequested) expect(info.win32StartupNote ?? '').not.toBe('');
  });

  it("contains the win32 koffi module of koffi's version, byte for byte, and not the Linux one", () => {
    const win32Koffi = fs.readFileSync(info.koffiWin32.file);
    expect(sha256(win32Koffi)).toBe(PINNED[`@koromix/koffi-win32-x64@${info.koffi}`]?.memberSha256);
    expect(win32Koffi.subarray(0, 2).toString('latin1')).toBe('MZ');
    expect(blob.includes(win32Koffi)).toBe(true);
    expect(blob.includes(fs.readFileSync(info.koffiLinux.file))).toBe(false);
    expect(blob.includes(`"sha256": "${sha256(win32Koffi)}"`)).toBe(true); // koffi.json, which the loader reads
  });

  it('contains the bundle as its main script', () => {
    const bundle = fs.readFileSync(path.join(repo, 'dist/bundle/hns-cni.cjs'));
    expect(bundle.length).toBeGreaterThan(0);
    expect(blob.includes(bundle)).toBe(true);
  });
});

describe('the PE reader itself', () => {
  it('rejects a file that is not a PE (the Linux executable)', () => {
    const fd = fs.openSync(path.join(repo, 'dist/hns-cni-engine'), 'r');
    const elf = Buffer.alloc(4096);
    fs.readSync(fd, elf, 0, elf.length, 0);
    fs.closeSync(fd);
    expect(elf.subarray(1, 4).toString('latin1')).toBe('ELF');
    expect(() => parsePeHeaders(elf)).toThrow(/no MZ signature/);
  });
});

describe('dist/hns-cni.exe, the native front', () => {
  const front = fs.readFileSync(path.join(repo, 'dist/hns-cni.exe'));
  it('is a small PE32+ x86-64 console program with no build timestamp (reproducible) and no SEA blob', () => {
    const h = parsePeHeaders(front);
    expect(h.machine).toBe(IMAGE_FILE_MACHINE_AMD64);
    expect(h.isPe32Plus).toBe(true);
    expect(h.subsystem).toBe(IMAGE_SUBSYSTEM_WINDOWS_CUI);
    // COFF header TimeDateStamp: 4 bytes after the machine and section count, at e_lfanew + 8.
    expect(front.readUInt32LE(front.readUInt32LE(0x3c) + 8)).toBe(0);
    expect(front.includes(Buffer.from(FUSE))).toBe(false);
    expect(front.length).toBeLessThan(1024 * 1024);
  });
});
