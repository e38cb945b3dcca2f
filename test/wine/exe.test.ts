// The shipped hns-cni.exe under Wine 10: it starts (Node 24 SEA), answers VERSION directly and through libcni, loads
// computenetwork.dll by the normal DLL search and talks to the simulator through it, extracts koffi's native module
// next to itself once (never into %TEMP%) and repairs it when corrupted, logs at the Windows default path, and
// answers protocol errors exactly as the Linux build does.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cnictlExe,
  expectEveryOutStringFreed,
  onDriveC,
  repo,
  runExe,
  runLinuxExe,
  simCli,
  simStats,
  win,
} from './stage.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface HnsObject {
  ID: string;
}

function namespaceIds(): string[] {
  return simCli<HnsObject[]>(['hns', 'namespaces', '--json']).map((n) => n.ID.toLowerCase());
}

function parseStdout(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('hns-cni.exe under Wine', () => {
  it('answers VERSION directly, byte for byte as the Linux build does', () => {
    const winRun = runExe([], { env: { CNI_COMMAND: 'VERSION' } });
    const linuxRun = runLinuxExe([], { env: { CNI_COMMAND: 'VERSION' } });
    expect(winRun.status).toBe(0);
    expect(linuxRun.status).toBe(0);
    expect(winRun.stdout).toBe(linuxRun.stdout);
    expect(parseStdout(winRun.stdout)).toEqual({
      cniVersion: '1.1.0',
      supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
  });

  it('answers VERSION through libcni (cnictl.exe runs it from C:\\...\\cni\\bin with Windows pipes)', () => {
    const r = cnictlExe(['version', '--type', 'hns-cni']);
    expect({ status: r.status, err: r.err }).toEqual({ status: 0, err: {} });
    expect(r.out.plugins).toEqual({
      'hns-cni': { supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] },
    });
  });

  it('reports every missing CNI variable in one error, as the Linux build does', () => {
    const env = { CNI_COMMAND: 'ADD' };
    const stdin = '{"cniVersion":"1.0.0","name":"n","type":"hns-cni"}';
    const winRun = runExe([], { env, stdin });
    const linuxRun = runLinuxExe([], { env, stdin });
    expect(winRun.status).toBe(1);
    expect(parseStdout(winRun.stdout)).toEqual(parseStdout(linuxRun.stdout));
    expect(parseStdout(winRun.stdout).code).toBe(4);
  });

  it('answers unparsable config JSON with code 6, as the Linux build does', () => {
    const env = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: 'x', CNI_IFNAME: 'eth0', CNI_PATH: win.binDir };
    const winRun = runExe([], { env, stdin: '{"cniVersion": "1.0.0", "name": ' });
    const linuxRun = runLinuxExe([], {
      env: { ...env, CNI_PATH: '/opt/cni/bin' },
      stdin: '{"cniVersion": "1.0.0", "name": ',
    });
    expect(winRun.status).toBe(1);
    expect(parseStdout(winRun.stdout)).toEqual(parseStdout(linuxRun.stdout));
    expect(parseStdout(winRun.stdout).code).toBe(6);
  });

  it('creates and deletes an HCN namespace through computenetwork.dll; the simulator sees both', () => {
    const before = simStats().calls;
    const created = runExe(['hns', 'namespace-create', '--json']);
    expect(created.stderr).not.toMatch(/error/i);
    expect(created.status).toBe(0);
    const id = (parseStdout(created.stdout) as unknown as HnsObject).ID;
    expect(id).toMatch(GUID);
    expect(namespaceIds()).toContain(id.toLowerCase());
    expect(simStats().calls.HcnCreateNamespace ?? 0).toBe((before.HcnCreateNamespace ?? 0) + 1);

    const deleted = runExe(['hns', 'namespace-delete', id]);
    expect(deleted.status).toBe(0);
    expect(namespaceIds()).not.toContain(id.toLowerCase());
  });

  it('extracts koffi next to hns-cni.exe once, reuses it, replaces a corrupted copy, and ignores %TEMP%', () => {
    const info = JSON.parse(readFileSync(join(repo, 'dist/build-info.json'), 'utf8')) as {
      koffiWin32: { sha256: string };
    };
    const sha = info.koffiWin32.sha256;
    const file = onDriveC(`${win.koffiDir}\\koffi-${sha.slice(0, 16)}.node`);
    const digest = () => createHash('sha256').update(readFileSync(file)).digest('hex');
    rmSync(file, { force: true });
    // What an unprivileged user could plant where earlier versions extracted it: never loaded (it would crash the
    // process if it were), never touched.
    const planted = onDriveC(`${win.tempDir}\\hns-cni\\koffi-${sha.slice(0, 16)}.node`);
    mkdirSync(dirname(planted), { recursive: true });
    writeFileSync(planted, 'not a DLL: whoever loads this crashes');

    // Any HNS access loads koffi.
    expect(runExe(['hns', 'namespaces', '--json']).status).toBe(0);
    expect(digest()).toBe(sha);
    const first = statSync(file);

    expect(runExe(['hns', 'namespaces', '--json']).status).toBe(0);
    const second = statSync(file);
    expect({ ino: second.ino, mtime: second.mtimeMs }).toEqual({ ino: first.ino, mtime: first.mtimeMs });

    // Corrupt it in place from the Linux side (same size, different bytes): the next run must notice and repair.
    const bytes = readFileSync(file);
    bytes.fill(0, 0, 4096);
    writeFileSync(file, bytes);
    const repaired = runExe(['hns', 'namespaces', '--json']);
    expect(repaired.status).toBe(0);
    expect(Array.isArray(JSON.parse(repaired.stdout))).toBe(true);
    expect(digest()).toBe(sha);
    expect(readFileSync(onDriveC(win.log), 'utf8')).toContain('koffi native module was corrupted');
    expect(readFileSync(planted, 'utf8')).toBe('not a DLL: whoever loads this crashes');
    rmSync(dirname(planted), { recursive: true, force: true });
  });

  it('writes its log to C:\\ProgramData\\hns-cni\\hns-cni.log by default', () => {
    const containerId = `log-probe-${process.pid}`;
    runExe([], {
      env: {
        CNI_COMMAND: 'DEL',
        CNI_CONTAINERID: containerId,
        CNI_NETNS: '',
        CNI_IFNAME: 'eth0',
        CNI_PATH: win.binDir,
      },
      stdin: '{"cniVersion":"1.0.0","name":"log-probe","type":"hns-cni","mode":"nat"}',
    });
    const logFile = onDriveC(win.log);
    expect(existsSync(logFile)).toBe(true);
    expect(readFileSync(logFile, 'utf8')).toContain(containerId);
  });

  it('freed every out-string the stub allocated, in every Windows process', () => {
    expectEveryOutStringFreed();
  });
});
