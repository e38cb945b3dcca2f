// The shipped hns-cni.exe's directory checks through Wine 10's own advapi32 (src/winsec): CreateDirectoryW with
// hns-cni's SDDL and GetNamedSecurityInfoW reading it back, on the real C:\ProgramData\hns-cni of the prefix.
//
// What Wine's security API supports (measured, docs/security.md): ConvertStringSecurityDescriptorToSecurityDescriptorW,
// CreateDirectoryW with a security descriptor, GetNamedSecurityInfoW(SE_FILE_OBJECT, OWNER|DACL),
// OpenProcessToken/GetTokenInformation(TokenUser). Wine keeps no security descriptor on disk: it maps the DACL
// onto Unix mode bits when creating and synthesises owner and DACL from the owner and mode when reading (owner: the
// Wine user for files the Linux user owns, ANONYMOUS LOGON for other uids; SYSTEM and the owner get full control;
// Everyone gets read, or modify when the file is world-writable). So the tests below set up each case with chown /
// chmod from the Linux side, and hns-cni.exe reads it through the Windows API.
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { onDriveC, runExe, win } from './stage.js';

const dataDir = onDriveC(win.dataDir);
const CONFIG = JSON.stringify({
  cniVersion: '1.0.0',
  name: 'secure-dir',
  type: 'hns-cni',
  mode: 'nat',
  ipam: { subnet: '10.88.0.0/24' },
});
/** Every pod an ADD here attached, DELed at the end. */
const attached: { containerId: string; netns: string }[] = [];

function cni(verb: 'ADD' | 'DEL', containerId: string, netns: string) {
  const env = { CNI_COMMAND: verb, CNI_CONTAINERID: containerId, CNI_NETNS: netns, CNI_IFNAME: 'eth0' };
  return runExe([], { env: { ...env, CNI_PATH: win.binDir }, stdin: CONFIG });
}

function add(containerId: string): { code: unknown; msg: string; details: string } {
  const ns = runExe(['hns', 'namespace-create', '--json']);
  expect(ns.status).toBe(0);
  const netns = String((JSON.parse(ns.stdout) as { ID: string }).ID);
  const run = cni('ADD', containerId, netns);
  const doc = JSON.parse(run.stdout) as Record<string, unknown>;
  if (run.status === 0) attached.push({ containerId, netns });
  return { code: doc.code ?? run.status, msg: String(doc.msg ?? ''), details: String(doc.details ?? '') };
}

afterAll(() => {
  // The files after this one share the simulated HNS: no pod of ours may be left in it (node teardown refuses a
  // network with pods), and they find the data directory as a fresh node has it: absent.
  for (const pod of attached) expect(cni('DEL', pod.containerId, pod.netns).status).toBe(0);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('C:\\ProgramData\\hns-cni under Wine', () => {
  it('is created with SYSTEM + Administrators only: Wine maps that DACL to a mode without group or world write', () => {
    rmSync(dataDir, { recursive: true, force: true });
    expect(add('secure-dir-fresh').code).toBe(0);
    const st = statSync(dataDir);
    expect(st.isDirectory()).toBe(true);
    expect(st.mode & 0o022).toBe(0); // nobody but the owner may write
    expect(st.mode & 0o007).toBe(0); // Everyone gets no ACE at all
    expect(existsSync(onDriveC(`${win.dataDir}\\ipam\\secure-dir`))).toBe(true);
  });

  it('an existing one that others may write to is refused (104), with the fix, and nothing is written into it', () => {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o777); // what Wine shows as Everyone: modify
    const e = add('secure-dir-open');
    expect(e.code).toBe(104);
    expect(e.msg).toContain(`data directory ${win.dataDir} (the default data directory) is not safe`);
    expect(e.msg).toContain('Everyone (S-1-1-0) may add files, add subdirectories');
    expect(e.msg).toContain("SetSecurityDescriptorSddlForm('O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)')");
    expect(JSON.parse(e.details).fix[1]).toContain('icacls "C:\\ProgramData\\hns-cni" /setowner *S-1-5-32-544');
    expect(readdirSync(dataDir)).toEqual([]); // no IPAM store, no network cache, no log
  });

  it('an existing one owned by another account is refused (104)', () => {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    chownSync(dataDir, 4242, 4242); // Wine shows an owner it cannot map as ANONYMOUS LOGON
    const e = add('secure-dir-foreign');
    expect(e.code).toBe(104);
    expect(e.msg).toContain('its owner is NT AUTHORITY\\ANONYMOUS LOGON (S-1-5-7), not SYSTEM or Administrators');
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('a safe existing one is used as is', () => {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(onDriveC(`${win.dataDir}\\keep.txt`), 'kept');
    expect(add('secure-dir-kept').code).toBe(0);
    expect(readdirSync(dataDir)).toContain('keep.txt');
  });
});

describe('hns-cni install: the bin dir under Wine', () => {
  const base = 'C:\\hns-cni-test\\bin-dir';
  const env = { HNS_CNI_DATA_DIR: `${base}\\data` };
  const install = (binDir: string, ...extra: string[]) =>
    runExe(['install', '--bin-dir', binDir, '--no-conflist', ...extra], { env });

  afterAll(() => rmSync(onDriveC(base), { recursive: true, force: true }));

  it('one Everyone may write to is refused before anything is copied, with the commands that close it', () => {
    const open = `${base}\\open`;
    mkdirSync(onDriveC(open), { recursive: true });
    chmodSync(onDriveC(open), 0o777); // what Wine shows as Everyone: modify
    const r = install(open);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`the bin dir ${open} is open to others: Everyone (S-1-1-0) may add files`);
    expect(r.stderr).toContain('(A;OICI;0x1200a9;;;BU)'); // the fix keeps Users on read and execute
    expect(r.stderr).toContain(`icacls "${open}" /setowner *S-1-5-32-544`);
    expect(readdirSync(onDriveC(open))).toEqual([]);
  });

  it('one under a directory Everyone may modify is refused, naming that directory (read through GetNamedSecurityInfoW)', () => {
    const above = `${base}\\shared`;
    const bin = `${above}\\cni\\bin`;
    mkdirSync(onDriveC(bin), { recursive: true, mode: 0o755 });
    chmodSync(onDriveC(above), 0o777);
    const r = install(bin);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`the bin dir ${bin} is open to others: ${above}, above it: Everyone (S-1-1-0) may `);
    expect(r.stderr).toContain(`icacls "${above}" /setowner *S-1-5-32-544`);
    expect(readdirSync(onDriveC(bin))).toEqual([]);
  });

  it('a missing one is created by CreateDirectoryW with the bin DACL: no group or world write', () => {
    const fresh = `${base}\\fresh\\bin`;
    const r = install(fresh);
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(onDriveC(fresh)).mode & 0o022).toBe(0);
    expect(readdirSync(onDriveC(fresh)).sort()).toEqual(['hns-cni-engine.exe', 'hns-cni.exe']);
  });
});

describe('a kubeconfig under Wine (GetNamedSecurityInfoW on a file)', () => {
  const base = 'C:\\hns-cni-test\\kubeconfig';
  const file = `${base}\\config`;
  const env = { HNS_CNI_DATA_DIR: `${base}\\data` };
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]',
    'users: [{name: u, user: {token: t}}]',
    'contexts: [{name: x, context: {cluster: c, user: u}}]',
    'current-context: x',
    '',
  ].join('\n');
  const fromNode = () =>
    runExe(
      [
        'install',
        '--bin-dir',
        `${base}\\bin`,
        '--from-node',
        '--kubeconfig',
        file,
        '--node-name',
        'n1',
        '--cluster-cidr',
        '10.244.0.0/16',
        '--service-cidr',
        '10.96.0.0/12',
      ],
      { env },
    );

  afterAll(() => rmSync(onDriveC(base), { recursive: true, force: true }));

  it('one Everyone may write is not loaded (no credentials); the same file closed is', () => {
    mkdirSync(onDriveC(base), { recursive: true, mode: 0o755 });
    writeFileSync(onDriveC(file), kubeconfig, { mode: 0o666 });
    chmodSync(onDriveC(file), 0o666);
    const open = fromNode();
    expect(open.status).toBe(1);
    expect(open.stderr).toContain(
      `kubeconfig ${file} not used: users other than SYSTEM and Administrators can change it (Everyone (S-1-1-0) may write`,
    );
    expect(open.stderr).toContain(`icacls "${file}" /setowner *S-1-5-32-544`);
    chmodSync(onDriveC(file), 0o644);
    const closed = fromNode();
    expect(closed.status).toBe(1);
    expect(closed.stderr).not.toContain('not used'); // loaded: it failed reaching the API server
    expect(closed.stderr).not.toContain('needs API credentials');
  });
});
