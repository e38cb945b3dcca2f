// The executable pair's install on real files (src/node/install-pair.ts): the engine before the front, every front
// recorded, a drop-in name sharing the one engine, an uninstall that removes exactly what was recorded.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstallRecord } from '../../../src/node/install.js';
import { frontTargetName, installPair, pairSources, uninstallPair } from '../../../src/node/install-pair.js';

let dir: string;
let release: string;
let bin: string;
const record = (): InstallRecord => ({ version: 1, installedAt: '' });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-pair-'));
  release = path.join(dir, 'release');
  bin = path.join(dir, 'bin');
  fs.mkdirSync(release);
  fs.writeFileSync(path.join(release, 'hns-cni'), 'front v1');
  fs.writeFileSync(path.join(release, 'hns-cni-engine'), 'engine v1');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the executable pair', () => {
  it('the front is taken beside the engine; a release without it is refused', () => {
    expect(pairSources(path.join(release, 'hns-cni-engine'), undefined)).toEqual({
      front: path.join(release, 'hns-cni'),
      engine: path.join(release, 'hns-cni-engine'),
    });
    fs.rmSync(path.join(release, 'hns-cni'));
    expect(() => pairSources(path.join(release, 'hns-cni-engine'), undefined)).toThrow(/native front .* is not beside/);
  });

  it('--as takes hns-cni and the anchors, with .exe on Windows; anything else is refused', () => {
    expect(frontTargetName(undefined, 'linux')).toBe('hns-cni');
    expect(frontTargetName('win-bridge', 'win32')).toBe('win-bridge.exe');
    expect(frontTargetName('sdnbridge.exe', 'win32')).toBe('sdnbridge.exe');
    for (const bad of ['bridge', '..\\nat', 'x/win-bridge', 'hns-cni-engine'])
      expect(() => frontTargetName(bad, 'win32')).toThrow(/not hns-cni nor an anchor/);
  });

  it('installs the engine first, then the front; a second install changes nothing; an upgrade replaces both', () => {
    const rec = record();
    const src = pairSources(path.join(release, 'hns-cni-engine'), undefined);
    const first = installPair(src, bin, 'hns-cni', rec);
    expect([first.engine.action, first.front.action]).toEqual(['installed', 'installed']);
    // The engine's file is older than (or as old as) the front's: it was written first.
    expect(fs.statSync(first.engine.path).mtimeMs).toBeLessThanOrEqual(fs.statSync(first.front.path).mtimeMs);
    const again = installPair(src, bin, 'hns-cni', rec);
    expect([again.engine.action, again.front.action]).toEqual(['unchanged', 'unchanged']);
    fs.writeFileSync(src.engine, 'engine v2');
    fs.writeFileSync(src.front, 'front v2');
    const up = installPair(src, bin, 'hns-cni', rec);
    expect([up.engine.action, up.front.action]).toEqual(['upgraded', 'upgraded']);
    expect(fs.readFileSync(path.join(bin, 'hns-cni-engine'), 'utf8')).toBe('engine v2');
    expect(fs.readFileSync(path.join(bin, 'hns-cni'), 'utf8')).toBe('front v2');
    expect(fs.readdirSync(bin).sort()).toEqual(['hns-cni', 'hns-cni-engine']);
  });

  it('two fronts share one engine; the uninstall removes both and the engine, and leaves a file it did not install', () => {
    const rec = record();
    const src = pairSources(path.join(release, 'hns-cni-engine'), undefined);
    installPair(src, bin, 'hns-cni', rec);
    installPair(src, bin, 'win-bridge', rec);
    fs.writeFileSync(path.join(bin, 'win-overlay'), 'the real win-overlay');
    expect(rec.fronts!.map((f) => path.basename(f.path))).toEqual(['hns-cni', 'win-bridge']);
    expect(rec.engine!.path).toBe(path.join(bin, 'hns-cni-engine'));
    const out = uninstallPair(bin, rec, false);
    expect(out.removed.map((f) => path.basename(f)).sort()).toEqual(['hns-cni', 'hns-cni-engine', 'win-bridge']);
    expect(fs.readdirSync(bin)).toEqual(['win-overlay']);
  });

  it("an anchor's own executable under the drop-in name is kept unless force", () => {
    const rec = record();
    const src = pairSources(path.join(release, 'hns-cni-engine'), undefined);
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'win-bridge'), 'the real win-bridge');
    expect(() => installPair(src, bin, 'win-bridge', rec)).toThrow(
      /was not installed by hns-cni .* --force replaces it/,
    );
    expect(fs.readdirSync(bin)).toEqual(['win-bridge']);
    installPair(src, bin, 'win-bridge', rec, true);
    expect(fs.readFileSync(path.join(bin, 'win-bridge'), 'utf8')).toBe('front v1');
  });

  it('a record from before the pair (one executable) keeps that front and adds the engine', () => {
    const rec: InstallRecord = { ...record(), binary: { path: path.join(bin, 'win-bridge'), sha256: 'x' } };
    installPair(pairSources(path.join(release, 'hns-cni-engine'), undefined), bin, 'hns-cni', rec);
    expect(rec.fronts!.map((f) => path.basename(f.path))).toEqual(['win-bridge', 'hns-cni']);
  });
});
