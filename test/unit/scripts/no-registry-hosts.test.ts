// The project works against whatever npm registry and apt mirror the machine is set up for, so no registry or
// archive host may be written in the repository. The Wine root's Debian archive is read from the machine's own apt
// sources (scripts/wine/lib.sh `wine_apt_archive`). The hosts checked for are read at run time from this machine's
// configuration, so this file names none either.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const lib = path.join(repo, 'scripts/wine/lib.sh');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'apt-archive-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Runs `wine_apt_archive ROOT` from lib.sh: its stdout and exit status. */
function archiveOf(files: Record<string, string>): { uri: string; status: number | null } {
  const root = fs.mkdtempSync(path.join(scratch, 'root-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  const run = spawnSync('bash', ['-c', `. "${lib}"; wine_apt_archive "$1"`, 'test', root], { encoding: 'utf8' });
  return { uri: run.stdout.trim(), status: run.status };
}

describe('wine_apt_archive reads the Debian archive from apt sources', () => {
  it('takes the first enabled deb822 source with a release suite, skipping security, updates and deb-src', () => {
    const sources = [
      'Types: deb-src',
      'URIs: http://src.mirror.test/debian',
      'Suites: bookworm',
      '',
      '# a comment',
      'Types: deb',
      'URIs: http://security.mirror.test/debian-security',
      'Suites: bookworm-security',
      'Components: main',
      '',
      'Types: deb',
      'Enabled: no',
      'URIs: http://disabled.mirror.test/debian',
      'Suites: bookworm',
      '',
      'Types: deb',
      '# http://snapshot.mirror.test/archive/debian/20250520T000000Z',
      'URIs: http://archive.mirror.test/debian',
      'Suites: bookworm bookworm-updates',
      'Components: main',
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
    ].join('\n');
    expect(archiveOf({ 'etc/apt/sources.list.d/debian.sources': sources })).toEqual({
      uri: 'http://archive.mirror.test/debian',
      status: 0,
    });
  });

  it('falls back to one-line sources.list entries, options in brackets included', () => {
    const list = [
      '# deb http://commented.mirror.test/debian bookworm main',
      'deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://sec.mirror.test/debian-security bookworm-security main',
      'deb [ arch=amd64 ] http://proxy.mirror.test:3142/debian bookworm main contrib',
    ].join('\n');
    expect(archiveOf({ 'etc/apt/sources.list': list })).toEqual({
      uri: 'http://proxy.mirror.test:3142/debian',
      status: 0,
    });
  });

  it('fails (status 1, nothing printed) when apt has no usable source, so root.sh can say so', () => {
    expect(archiveOf({ 'etc/apt/sources.list': '# nothing\n' })).toEqual({ uri: '', status: 1 });
  });

  it("finds this machine's own archive", () => {
    const run = spawnSync('bash', ['-c', `. "${lib}"; wine_apt_archive`], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^(https?|file):\/\//);
  });
});

/** Host names of the machine's apt sources and npm registry: what a hard-coded default would name. */
function configuredHosts(): string[] {
  const hosts = new Set<string>();
  const aptFiles = ['/etc/apt/sources.list'];
  if (fs.existsSync('/etc/apt/sources.list.d')) {
    for (const f of fs.readdirSync('/etc/apt/sources.list.d')) aptFiles.push(path.join('/etc/apt/sources.list.d', f));
  }
  for (const file of aptFiles) {
    if (!fs.existsSync(file)) continue;
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/[a-z][a-z0-9+.-]*:\/\/([A-Za-z0-9.-]+)/g)) hosts.add(m[1]!);
  }
  try {
    const registry = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8', cwd: repo }).trim();
    hosts.add(new URL(registry).hostname);
  } catch {
    // npm missing: the apt hosts are still checked
  }
  return [...hosts].filter((h) => h.includes('.'));
}

describe('no registry or archive host is written in the repository', () => {
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: repo, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && fs.existsSync(path.join(repo, f)) && fs.statSync(path.join(repo, f)).isFile());
  const texts = tracked.map((f) => ({ file: f, text: fs.readFileSync(path.join(repo, f), 'latin1') }));

  it("names none of this machine's apt or npm hosts", () => {
    const hosts = configuredHosts();
    expect(hosts.length).toBeGreaterThan(0);
    const found = texts.flatMap(({ file, text }) =>
      hosts.filter((h) => text.toLowerCase().includes(h.toLowerCase())).map((h) => `${file}: ${h}`),
    );
    expect(found).toEqual([]);
  });

  it('writes URLs only for citations and loopback (github.com, 127.0.0.1, localhost, example and .test hosts)', () => {
    // package-lock.json is npm's: its only URLs are packages' `funding` links (it carries no `resolved` hosts).
    const allowed = (host: string) =>
      ['github.com', '127.0.0.1', 'localhost'].includes(host) ||
      /(^|\.)example\.(com|org|net)$/.test(host) ||
      /\.(test|invalid)$/.test(host);
    const found = texts
      .filter(({ file }) => file !== 'package-lock.json')
      .flatMap(({ file, text }) =>
        [...text.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/(?:[^/\s@]*@)?([A-Za-z0-9.-]+)/g)]
          .map((m) => m[1]!.toLowerCase())
          .filter((host) => !allowed(host))
          .map((host) => `${file}: ${host}`),
      );
    expect(found).toEqual([]);
  });
});
