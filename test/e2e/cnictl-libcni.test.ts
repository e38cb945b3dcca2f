// cnictl (test/clients/cnictl) is the CNI runtime the Linux end-to-end tests and the Wine stage use in place of
// containerd. These tests pin down that it behaves like one, against Debian's real host-local plugin and a small
// recording plugin: what reaches the plugin (env, stdin), how results and typed errors come back, and GC/STATUS.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const cnictl = join(repo, 'dist/test-tools/cnictl');
const debianPlugins = '/usr/lib/cni';
let work: string;

interface Outcome {
  status: number;
  out: Record<string, unknown>;
  err: Record<string, unknown>;
}

function run(args: string[]): Outcome {
  const env = { ...process.env, RECORDER_LOG: join(work, 'recorder.jsonl') };
  const r = spawnSync(cnictl, args, { encoding: 'utf8', timeout: 30_000, env });
  const lastLine = (text: string) => text.trim().split('\n').pop() ?? '';
  const parse = (text: string) => (text.trim() === '' ? {} : (JSON.parse(lastLine(text)) as Record<string, unknown>));
  return { status: r.status ?? -1, out: parse(r.stdout), err: parse(r.stderr) };
}

function conflist(name: string, body: object): string {
  const file = join(work, `${name}.conflist`);
  writeFileSync(file, JSON.stringify(body));
  return file;
}

// A recording plugin (like the reference plugins/debug): appends every request (CNI_* env + stdin) to a JSONL
// file, answers VERSION with 1.1.0 included, and answers ADD with the `reply` the config carries.
const recorderSource = `#!/usr/bin/env node
const fs = require('node:fs');
const cmd = process.env.CNI_COMMAND;
const stdin = cmd === 'VERSION' ? '' : fs.readFileSync(0, 'utf8');
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CNI_')));
fs.appendFileSync(process.env.RECORDER_LOG, JSON.stringify({ env, stdin }) + '\\n');
if (cmd === 'VERSION') {
  fs.writeSync(1, JSON.stringify({ cniVersion: '1.1.0', supportedVersions: ['0.4.0', '1.0.0', '1.1.0'] }));
  process.exit(0);
}
const conf = JSON.parse(stdin);
if (conf.failWith) { fs.writeSync(2, 'recorder: failing on purpose'); fs.writeSync(1, JSON.stringify(conf.failWith)); process.exit(1); }
if (cmd === 'ADD') fs.writeSync(1, JSON.stringify(conf.reply));
`;

interface Recorded {
  env: Record<string, string>;
  stdin: string;
}

function recorded(): Recorded[] {
  const file = join(work, 'recorder.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Recorded);
}

beforeAll(() => {
  execFileSync('bash', [join(repo, 'scripts/build-go-client.sh')], { stdio: 'inherit' });
  work = mkdtempSync(join(tmpdir(), 'cnictl-e2e-'));
  const bin = join(work, 'bin');
  execFileSync('mkdir', ['-p', bin]);
  writeFileSync(join(bin, 'recorder'), recorderSource);
  chmodSync(join(bin, 'recorder'), 0o755);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('cnictl against Debian host-local', () => {
  it('reads the plugin versions through libcni GetVersionInfo', () => {
    const r = run(['version', '--type', 'host-local', '--bin-dir', debianPlugins]);
    expect(r.status).toBe(0);
    expect(r.out).toEqual({
      plugins: { 'host-local': { supportedVersions: expect.arrayContaining(['0.3.1', '0.4.0', '1.0.0']) } },
    });
  });

  for (const [i, cniVersion] of ['0.3.1', '0.4.0', '1.0.0'].entries()) {
    it(`runs ADD, CHECK, DEL, DEL with a ${cniVersion} conflist and libcni accepts the result`, () => {
      const dataDir = join(work, `ipam-${i}`);
      const file = conflist(`hl-${i}`, {
        cniVersion,
        name: `hl${i}`,
        plugins: [
          { type: 'host-local', ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: `10.7${i}.0.0/24` }]] } },
        ],
      });
      const base = ['--conflist', file, '--bin-dir', debianPlugins, '--cache-dir', join(work, 'cache')];
      const attach = [...base, '--netns', '/var/run/netns/x', '--container-id', `ctr-${i}`];

      const add = run(['add', ...attach]);
      expect(add.err).toEqual({});
      expect(add.status).toBe(0);
      expect(add.out.podNetwork).toEqual({
        interfaces: { eth0: { ipConfigs: [{ ip: `10.7${i}.0.2`, gateway: `10.7${i}.0.1` }] } },
        podIP: `10.7${i}.0.2`,
      });
      expect((add.out.current as { cniVersion: string }).cniVersion).toBe('1.0.0');
      expect((add.out.result as { cniVersion: string }).cniVersion).toBe(cniVersion);
      expect(readdirSync(join(dataDir, `hl${i}`))).toContain(`10.7${i}.0.2`);
      expect(existsSync(join(work, 'cache/results', `hl${i}-ctr-${i}-eth0`))).toBe(true);

      const check = run(['check', ...attach]);
      if (cniVersion === '0.3.1') {
        expect(check.status).toBe(1);
        expect(check.err.error).toBe('configuration version "0.3.1" does not support the CHECK command');
      } else {
        expect(check.err).toEqual({});
        expect(check.out).toEqual({ ok: true });
      }

      expect(run(['del', ...attach]).out).toEqual({ ok: true });
      expect(readdirSync(join(dataDir, `hl${i}`))).not.toContain(`10.7${i}.0.2`);
      expect(existsSync(join(work, 'cache/results', `hl${i}-ctr-${i}-eth0`))).toBe(false);
      expect(run(['del', ...attach]).out).toEqual({ ok: true });
    });
  }

  it('GC deletes the cached attachments that are not valid and keeps the valid ones', () => {
    const dataDir = join(work, 'ipam-gc');
    const file = conflist('gc', {
      cniVersion: '1.0.0',
      name: 'gcnet',
      plugins: [{ type: 'host-local', ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.80.0.0/24' }]] } }],
    });
    const base = ['--conflist', file, '--bin-dir', debianPlugins, '--cache-dir', join(work, 'gc-cache')];
    for (const id of ['keep', 'stale']) {
      expect(run(['add', ...base, '--netns', '/x', '--container-id', id]).status).toBe(0);
    }
    const gc = run(['gc', ...base, '--valid', 'keep:eth0']);
    expect(gc.err).toEqual({});
    // Below 1.1.0 libcni's GC only runs the DELs: no GC command reaches the plugin.
    expect(gc.out).toEqual({ ok: true, deleted: [{ containerID: 'stale', ifname: 'eth0' }], gcSent: false });
    expect(readdirSync(join(dataDir, 'gcnet')).filter((f) => f.startsWith('10.'))).toEqual(['10.80.0.2']);
  });
});

describe('cnictl --pods: a burst, as the side-by-side bench runs it', () => {
  it('ADDs every pod at once through libcni, each with its own address, then DELs them all', () => {
    const dataDir = join(work, 'ipam-burst');
    const file = conflist('burst', {
      cniVersion: '1.0.0',
      name: 'burstnet',
      plugins: [{ type: 'host-local', ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.81.0.0/24' }]] } }],
    });
    const pods = Array.from({ length: 12 }, (_, i) => ({ containerId: `burst-${i}`, netns: `/var/run/netns/b${i}` }));
    const podsFile = join(work, 'burst-pods.json');
    writeFileSync(podsFile, JSON.stringify(pods));
    const base = ['--conflist', file, '--bin-dir', debianPlugins, '--cache-dir', join(work, 'burst-cache')];

    const add = run(['add', ...base, '--pods', podsFile]);
    expect(add.err).toEqual({});
    expect(add.status).toBe(0);
    const outcomes = add.out.pods as { containerId: string; ms: number; podIP?: string; error?: string }[];
    expect(outcomes.map((o) => o.containerId)).toEqual(pods.map((p) => p.containerId));
    expect(outcomes.every((o) => o.error === undefined && o.ms > 0 && o.ms <= (add.out.ms as number))).toBe(true);
    // At once, not one after the other: the pods' own times overlap (run in turn, they would add up to at most the
    // burst's).
    expect(outcomes.reduce((sum, o) => sum + o.ms, 0)).toBeGreaterThan(add.out.ms as number);
    // host-local under its own lock: twelve different addresses, each one on disk and in libcni's cache.
    const ips = outcomes.map((o) => o.podIP!);
    expect(new Set(ips).size).toBe(12);
    expect(
      readdirSync(join(dataDir, 'burstnet'))
        .filter((f) => f.startsWith('10.81.'))
        .sort(),
    ).toEqual([...ips].sort());
    for (const p of pods)
      expect(existsSync(join(work, 'burst-cache/results', `burstnet-${p.containerId}-eth0`))).toBe(true);

    const del = run(['del', ...base, '--pods', podsFile]);
    expect(del.status).toBe(0);
    expect((del.out.pods as { error?: string }[]).filter((o) => o.error)).toEqual([]);
    expect(readdirSync(join(dataDir, 'burstnet')).filter((f) => f.startsWith('10.81.'))).toEqual([]);
  });

  it('reports each failed pod and exits 1, still answering every outcome; --pods is only for add and del', () => {
    const file = conflist('burst-full', {
      cniVersion: '1.0.0',
      name: 'burstfull',
      // Room for two pods: the third of a burst of three is refused by host-local.
      plugins: [
        {
          type: 'host-local',
          ipam: {
            type: 'host-local',
            dataDir: join(work, 'ipam-burst-full'),
            ranges: [[{ subnet: '10.82.0.0/24', rangeStart: '10.82.0.10', rangeEnd: '10.82.0.11' }]],
          },
        },
      ],
    });
    const podsFile = join(work, 'burst-full-pods.json');
    writeFileSync(podsFile, JSON.stringify([0, 1, 2].map((i) => ({ containerId: `full-${i}`, netns: '/x' }))));
    const r = run([
      'add',
      '--conflist',
      file,
      '--bin-dir',
      debianPlugins,
      '--cache-dir',
      join(work, 'bf'),
      '--pods',
      podsFile,
    ]);
    expect(r.status).toBe(1);
    const outcomes = r.out.pods as { podIP?: string; error?: string }[];
    expect(outcomes.filter((o) => o.podIP !== undefined)).toHaveLength(2);
    expect(outcomes.filter((o) => o.error !== undefined)).toEqual([
      expect.objectContaining({ error: expect.stringContaining('no IP addresses available') }),
    ]);
    expect(r.err).toMatchObject({ stage: 'libcni', error: expect.stringContaining('no IP addresses available') });
    const check = run(['check', '--conflist', file, '--bin-dir', debianPlugins, '--pods', podsFile]);
    expect(check.status).toBe(2);
    expect(check.err.error).toMatch(/^--pods is for add and del/);
  });
});

describe('cnictl with a recording plugin', () => {
  const reply = {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'eth0', mac: '00-15-5D-00-00-01', sandbox: '6f1c8d0e-1111-4a4a-9b9b-0123456789ab' }],
    ips: [{ interface: 0, address: '10.90.0.5/24', gateway: '10.90.0.1' }],
  };

  function recorderList(name: string, cniVersion: string, extra: object = {}): string {
    return conflist(name, {
      cniVersion,
      name,
      plugins: [{ type: 'recorder', capabilities: { portMappings: true }, reply, ...extra }],
    });
  }

  it('passes an HCN namespace GUID, CNI_ARGS and only the declared capabilities through', () => {
    const file = recorderList('rec-add', '1.0.0');
    const r = run([
      'add',
      ...['--conflist', file, '--bin-dir', join(work, 'bin'), '--cache-dir', join(work, 'rec-cache')],
      ...['--netns', reply.interfaces[0].sandbox, '--container-id', 'pod-1'],
      ...['--cni-args', 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0'],
      ...['--cap-args', '{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],"bandwidth":{}}'],
    ]);
    expect(r.err).toEqual({});
    expect(r.out.podNetwork).toEqual({
      interfaces: {
        eth0: {
          mac: '00-15-5D-00-00-01',
          sandbox: reply.interfaces[0].sandbox,
          ipConfigs: [{ ip: '10.90.0.5', gateway: '10.90.0.1' }],
        },
      },
      podIP: '10.90.0.5',
    });
    const add = recorded().find((x) => x.env.CNI_COMMAND === 'ADD' && x.env.CNI_CONTAINERID === 'pod-1');
    expect(add?.env).toMatchObject({
      CNI_NETNS: reply.interfaces[0].sandbox,
      CNI_IFNAME: 'eth0',
      CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0',
      CNI_PATH: join(work, 'bin'),
    });
    const conf = JSON.parse(add?.stdin ?? '{}') as { runtimeConfig?: object; name: string };
    expect(conf.name).toBe('rec-add');
    expect(conf.runtimeConfig).toEqual({ portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] });
  });

  it('sends GC with cni.dev/valid-attachments and STATUS with a 1.1.0 config, and neither below 1.1.0', () => {
    const bin = join(work, 'bin');
    const v11 = recorderList('rec-gc', '1.1.0');
    const before = recorded().length;
    expect(
      run(['gc', '--conflist', v11, '--bin-dir', bin, '--cache-dir', join(work, 'none'), '--valid', 'a:eth0,b:eth1'])
        .out,
    ).toEqual({
      ok: true,
      deleted: [],
      gcSent: true,
    });
    expect(run(['status', '--conflist', v11, '--bin-dir', bin]).out).toEqual({ ok: true });
    const [gc, status] = recorded().slice(before);
    expect(gc.env).toMatchObject({ CNI_COMMAND: 'GC', CNI_CONTAINERID: '', CNI_NETNS: '', CNI_IFNAME: '' });
    expect(JSON.parse(gc.stdin)).toMatchObject({
      cniVersion: '1.1.0',
      name: 'rec-gc',
      'cni.dev/valid-attachments': [
        { containerID: 'a', ifname: 'eth0' },
        { containerID: 'b', ifname: 'eth1' },
      ],
    });
    expect(status.env.CNI_COMMAND).toBe('STATUS');

    const v10 = recorderList('rec-gc10', '1.0.0');
    const count = recorded().length;
    expect(run(['status', '--conflist', v10, '--bin-dir', bin]).out).toEqual({ ok: true });
    expect(run(['gc', '--conflist', v10, '--bin-dir', bin, '--cache-dir', join(work, 'none')]).out.gcSent).toBe(false);
    expect(recorded().length).toBe(count);
  });

  it('reports a typed CNI error with its code, msg, details and the plugin stderr', () => {
    const failWith = { cniVersion: '1.0.0', code: 11, msg: 'HNS unavailable', details: 'HRESULT 0x800706BA' };
    const file = recorderList('rec-err', '1.0.0', { failWith });
    const r = run([
      'add',
      '--conflist',
      file,
      '--bin-dir',
      join(work, 'bin'),
      '--netns',
      'ns',
      '--container-id',
      'pod-2',
    ]);
    expect(r.status).toBe(1);
    expect(r.err).toMatchObject({ stage: 'libcni', code: 11, msg: 'HNS unavailable', details: 'HRESULT 0x800706BA' });
    expect(r.out).toEqual({});
  });

  it('fails like containerd when the result has no IP for the pod interface', () => {
    const file = recorderList('rec-noip', '1.0.0', { reply: { ...reply, interfaces: [{ name: 'eth9' }] } });
    const r = run([
      'add',
      '--conflist',
      file,
      '--bin-dir',
      join(work, 'bin'),
      '--netns',
      'ns',
      '--container-id',
      'pod-3',
      '--cache-dir',
      join(work, 'c3'),
    ]);
    expect(r.status).toBe(1);
    expect(r.err).toMatchObject({
      stage: 'containerd',
      error: 'failed to find network info for sandbox: no IP for interface "eth0"',
    });
  });
});
