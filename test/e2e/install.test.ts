// install → upgrade → uninstall with the built executable on a simulated node (HCN and IP Helper stubs, the
// stand-in API server): the upgrade happens while a CNI ADD of the old binary is in flight (held inside HNS by a
// "hang" fault) and that ADD still succeeds; an operator's conflist is never overwritten without --force; the
// uninstall leaves the node exactly as it was before the install — HNS objects, routing table, files — and
// `hns-cni node status` says nothing is left.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeApiServer, startKubeApiServer } from '../fixtures/kube/api-server.js';
import { stagePair } from '../helpers/pair.js';
import { eventually, routes, startNode } from './node-helpers.js';
import type { SimNode } from './plugin-harness.js';

let node: SimNode;
let api: KubeApiServer;
let binDir: string;
let confDir: string;
/** The release directory: front + engine (test/helpers/pair.ts; a stand-in front until the build makes one). */
let release: { front: string; engine: string };

/** Every file under a dir (relative path + size), or 'absent'. */
function files(dir: string): string[] | 'absent' {
  if (!fs.existsSync(dir)) return 'absent';
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

async function snapshot() {
  return {
    networks: (await node.networks()).map((n) => `${n.Name} ${n.ID}`).sort(),
    endpoints: (await node.endpoints()).map((e) => `${e.Name} ${e.ID}`).sort(),
    routes: (await routes(node)).map((r) => `${r.destinationPrefix} via ${r.nextHop} metric ${r.metric}`).sort(),
    bin: files(binDir),
    conf: files(confDir),
    data: files(node.env.HNS_CNI_DATA_DIR!),
  };
}

const installed = () => path.join(binDir, 'hns-cni');
const installedEngine = () => path.join(binDir, 'hns-cni-engine');
const run = (exe: string, args: string[]) => runWith(exe, args);

function runWith(exe: string, args: string[], env: Record<string, string> = {}, stdin = '') {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(exe, args, { env: { ...process.env, ...node.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.stdin.end(stdin);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const installArgs = (source: string, dirs = { bin: binDir, conf: confDir }) => [
  'install',
  '--bin-dir',
  dirs.bin,
  '--conf-dir',
  dirs.conf,
  '--source',
  source,
  '--subnet',
  '10.244.1.0/24',
  '--cluster-cidr',
  '10.244.0.0/16',
  '--service-cidr',
  '10.96.0.0/12',
];

let before: Awaited<ReturnType<typeof snapshot>>;

beforeAll(async () => {
  node = await startNode('hns-install-');
  api = await startKubeApiServer(node.dir);
  api.setNode({ name: 'win-a', podCIDRs: ['10.244.1.0/24'], internalIP: '10.0.0.4' });
  api.setNode({ name: 'win-b', podCIDRs: ['10.244.2.0/24'], internalIP: '10.0.0.5' });
  binDir = path.join(node.dir, 'cni', 'bin');
  confDir = path.join(node.dir, 'cni', 'conf');
  fs.mkdirSync(binDir, { recursive: true });
  fs.mkdirSync(confDir, { recursive: true });
  release = stagePair(path.join(node.dir, 'release'));
  const r = await node.command(
    ['sim', 'routes', '--add', '10.60.0.0/16', '--via', '10.0.0.9', '--state', node.env.HNS_CNI_SIM_STATE!],
    false,
  );
  expect(r.code, r.stderr).toBe(0);
  before = await snapshot();
}, 180_000);

afterAll(async () => {
  await api?.close();
  await node?.stop();
});

describe('install → upgrade → uninstall', () => {
  it("an operator's conflist is kept; --force takes it over", async () => {
    const mine = path.join(confDir, '10-hns-cni.conflist');
    fs.writeFileSync(mine, '{"cniVersion":"1.0.0","name":"operator","plugins":[]}');
    const kept = await run(release.front, installArgs(release.engine));
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).toContain('conflist kept');
    expect(fs.readFileSync(mine, 'utf8')).toContain('"operator"');
    const forced = await run(release.front, [...installArgs(release.engine), '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(mine, 'utf8')).plugins[0]).toMatchObject({
      type: 'hns-cni',
      ipam: { subnet: '10.244.1.0/24' },
    });
    // From now on the file is hns-cni's: a second install rewrites it without --force.
    const again = await run(release.front, installArgs(release.engine));
    expect(again.stdout).toContain(`unchanged: ${installed()}`);
    expect(again.stdout).toContain(`engine unchanged: ${installedEngine()}`);
    expect(again.stdout).toContain('conflist unchanged');
    expect(fs.readFileSync(installed()).equals(fs.readFileSync(release.front))).toBe(true);
    expect(fs.readFileSync(installedEngine()).equals(fs.readFileSync(release.engine))).toBe(true);
  });

  it('a release without its front is refused and changes nothing', async () => {
    const lone = path.join(node.dir, 'lone');
    fs.mkdirSync(lone, { recursive: true });
    fs.copyFileSync(release.engine, path.join(lone, 'hns-cni-engine'));
    const bin = files(binDir);
    const r = await run(release.front, installArgs(path.join(lone, 'hns-cni-engine')));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the native front ${path.join(lone, 'hns-cni')} is not beside the engine`);
    expect(files(binDir)).toEqual(bin);
  });

  it('a drop-in name (--as win-bridge) is a second front sharing the one engine; an unknown name is refused', async () => {
    const bad = await run(release.front, [...installArgs(release.engine), '--as', 'bridge2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--as bridge2: not hns-cni nor an anchor');
    const r = await run(release.front, [...installArgs(release.engine), '--as', 'win-bridge']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`installed: ${path.join(binDir, 'win-bridge')}`);
    expect(r.stdout).toContain(`engine unchanged: ${installedEngine()}`);
    expect(files(binDir)).toEqual(['hns-cni', 'hns-cni-engine', 'win-bridge']);
  });

  it('the installed agent prepares the node and routes win-b', async () => {
    const r = await run(installed(), [
      'node',
      '--once',
      '--conf-dir',
      confDir,
      '--node-name',
      'win-a',
      '--kubeconfig',
      api.kubeconfig,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((await routes(node)).some((x) => x.destinationPrefix === '10.244.2.0/24' && x.nextHop === '10.0.0.5')).toBe(
      true,
    );
  });

  it('an upgrade while an ADD of the old binary is inside HNS: the ADD completes, the new binary is in place', async () => {
    const oldSha = fs.readFileSync(installed());
    const netns = await node.createNamespace();
    const fault = await node.command(
      ['sim', 'fault', '--fn', 'HcnCreateEndpoint', '--hang', '4000', '--state', node.env.HNS_CNI_SIM_STATE!],
      false,
    );
    expect(fault.code, fault.stderr).toBe(0);
    const conf = JSON.parse(fs.readFileSync(path.join(confDir, '10-hns-cni.conflist'), 'utf8'));
    const add = runWith(
      installed(),
      [],
      { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'upgrade-pod', CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_PATH: binDir },
      JSON.stringify({ ...conf.plugins[0], name: conf.name, cniVersion: conf.cniVersion }),
    );
    await eventually('the ADD to be held inside HNS', async () =>
      (await node.stats()).faults.some((f) => f.fired === 1),
    );
    const next = path.join(node.dir, 'next');
    fs.mkdirSync(next, { recursive: true });
    const upgraded = path.join(next, 'hns-cni');
    const upgradedEngine = path.join(next, 'hns-cni-engine');
    fs.copyFileSync(release.front, upgraded);
    fs.appendFileSync(upgraded, 'upgrade-marker');
    fs.copyFileSync(release.engine, upgradedEngine);
    fs.appendFileSync(upgradedEngine, 'engine-upgrade-marker');
    const up = await run(release.front, installArgs(upgradedEngine));
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`upgraded: ${installed()}`);
    expect(up.stdout).toContain(`engine upgraded: ${installedEngine()}`);
    expect(fs.readFileSync(installedEngine()).equals(fs.readFileSync(upgradedEngine))).toBe(true);
    const result = await add;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).ips[0].address).toMatch(/^10\.244\.1\./);
    expect(fs.readFileSync(installed()).equals(fs.readFileSync(upgraded))).toBe(true);
    expect(fs.readFileSync(installed()).equals(oldSha)).toBe(false);
    await node.command(['sim', 'fault', '--clear', '--state', node.env.HNS_CNI_SIM_STATE!], false);
    const del = await runWith(
      installed(),
      [],
      { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'upgrade-pod', CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_PATH: binDir },
      JSON.stringify({ ...conf.plugins[0], name: conf.name, cniVersion: conf.cniVersion }),
    );
    expect(del.code, del.stderr).toBe(0);
  });

  it('uninstall refuses while a pod holds the network, then leaves the node exactly as it was', async () => {
    const netns = await node.createNamespace();
    const conf = JSON.parse(fs.readFileSync(path.join(confDir, '10-hns-cni.conflist'), 'utf8'));
    const plugin = { ...conf.plugins[0], name: conf.name, cniVersion: conf.cniVersion };
    const env = { CNI_CONTAINERID: 'last-pod', CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_PATH: binDir };
    expect((await runWith(installed(), [], { ...env, CNI_COMMAND: 'ADD' }, JSON.stringify(plugin))).code).toBe(0);
    const refused = await run(installed(), ['uninstall', '--bin-dir', binDir, '--conf-dir', confDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('1 pod endpoint(s)');
    expect(fs.existsSync(installed())).toBe(true);
    // Refused before anything was touched: the node keeps its routes and host endpoint.
    expect((await routes(node)).some((x) => x.destinationPrefix === '10.244.2.0/24')).toBe(true);
    expect((await runWith(installed(), [], { ...env, CNI_COMMAND: 'DEL' }, JSON.stringify(plugin))).code).toBe(0);
    await node.command(['hns', 'namespace-delete', netns], false);

    const r = await run(installed(), ['uninstall', '--bin-dir', binDir, '--conf-dir', confDir]);
    expect(r.code, r.stderr).toBe(0);
    const namespaces = await node.json<unknown[]>(['hns', 'namespaces']);
    for (const ns of namespaces)
      await node.command(['hns', 'namespace-delete', String((ns as { ID: string }).ID)], false);
    expect(await snapshot()).toEqual(before);
    const status = await node.json<{ clean: boolean }>(['node', 'status', '--conf-dir', confDir, '--bin-dir', binDir]);
    expect(status.clean).toBe(true);
  });
});

describe('the bin dir must be closed to other users', () => {
  // Its own data directory: the install record of the lifecycle above is not this one's.
  const elsewhere = () => ({ HNS_CNI_DATA_DIR: path.join(node.dir, 'bin-dir-checks', 'data') });
  const argsFor = (dir: string, ...extra: string[]) => [
    'install',
    '--bin-dir',
    dir,
    '--source',
    release.engine,
    '--front',
    release.front,
    '--no-conflist',
    ...extra,
  ];

  it('one that group or others may write is refused before anything is written, with the fix', async () => {
    const open = path.join(node.dir, 'bin-dir-checks', 'open');
    fs.mkdirSync(open, { recursive: true });
    fs.chmodSync(open, 0o777);
    const r = await runWith(release.engine, argsFor(open), elsewhere());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the bin dir ${open} is open to others: group or others may write to it (mode 777)`);
    expect(r.stderr).toContain('runs code as SYSTEM when containerd starts the plugin');
    expect(r.stderr).toContain(`chmod go-w '${open}'`);
    expect(fs.readdirSync(open)).toEqual([]);
    expect(fs.existsSync(elsewhere().HNS_CNI_DATA_DIR)).toBe(false); // no install record either

    const allowed = await runWith(release.engine, argsFor(open, '--allow-unsafe-dirs', '--json'), elsewhere());
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toContain('warning: the bin dir');
    expect(JSON.parse(allowed.stdout).unsafeDirs).toEqual({
      bin: {
        problems: ['group or others may write to it (mode 777)'],
        fix: [`chown 0 '${open}' && chmod go-w '${open}'`],
      },
    });
    expect(fs.readdirSync(open).sort()).toEqual(['hns-cni', 'hns-cni-engine']);

    // node status keeps saying so, and stops once the directory is closed.
    const statusOf = async () => {
      const r = await runWith(release.engine, ['node', 'status', '--json', '--bin-dir', open, '--conf-dir', confDir]);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { binDirProblems?: string[] }).binDirProblems;
    };
    expect(await statusOf()).toEqual(['group or others may write to it (mode 777)']);
    fs.chmodSync(open, 0o755);
    expect(await statusOf()).toEqual([]);
    const text = await runWith(release.engine, ['node', 'status', '--bin-dir', open, '--conf-dir', confDir]);
    expect(text.stdout).toContain('bin dir: closed to other users');
  });

  it('one under a directory others may rename entries in is refused, naming that directory; sticky is fine', async () => {
    const above = path.join(node.dir, 'bin-dir-checks', 'shared');
    const bin = path.join(above, 'cni', 'bin');
    fs.mkdirSync(bin, { recursive: true, mode: 0o755 });
    fs.chmodSync(above, 0o777); // anyone may rename `cni` away and put a `cni/bin` of their own there
    const r = await runWith(release.engine, argsFor(bin), elsewhere());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `the bin dir ${bin} is open to others: ${above}, above it: group or others may rename or delete what is in it (mode 777)`,
    );
    expect(fs.readdirSync(bin)).toEqual([]);
    fs.chmodSync(above, 0o1777); // /tmp's way: the sticky bit keeps others' hands off entries they do not own
    const sticky = await runWith(release.engine, argsFor(bin), elsewhere());
    expect(sticky.code, sticky.stderr).toBe(0);
  });

  it("an anchor's own executable under the drop-in name is kept, and the engine not touched, unless --force", async () => {
    const bin = path.join(node.dir, 'bin-dir-checks', 'anchor');
    fs.mkdirSync(bin, { recursive: true, mode: 0o755 });
    const theirs = path.join(bin, 'win-bridge');
    fs.writeFileSync(theirs, '#!/bin/sh\necho the real win-bridge\n', { mode: 0o755 });
    const r = await runWith(release.engine, argsFor(bin, '--as', 'win-bridge'), elsewhere());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${theirs} was not installed by hns-cni (the plugin it replaces?): kept; --force replaces it`,
    );
    expect(fs.readdirSync(bin)).toEqual(['win-bridge']);
    expect(fs.readFileSync(theirs, 'utf8')).toContain('the real win-bridge');

    const forced = await runWith(release.engine, argsFor(bin, '--as', 'win-bridge', '--force'), elsewhere());
    expect(forced.code, forced.stderr).toBe(0);
    expect(fs.readFileSync(theirs)).toEqual(fs.readFileSync(release.front));
  });

  it('so must the conf dir the conflist goes to: an open one is refused before anything is written', async () => {
    const bin = path.join(node.dir, 'bin-dir-checks', 'with-conf', 'bin');
    const conf = path.join(node.dir, 'bin-dir-checks', 'with-conf', 'conf');
    fs.mkdirSync(conf, { recursive: true });
    fs.chmodSync(conf, 0o777);
    const args = [...installArgs(release.engine, { bin, conf }), '--front', release.front];
    const r = await runWith(release.engine, args, elsewhere());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the conf dir ${conf} is open to others: group or others may write to it (mode 777)`);
    expect(r.stderr).toContain('chooses which plugin containerd runs as SYSTEM');
    expect(fs.readdirSync(conf)).toEqual([]);
    expect(fs.existsSync(bin)).toBe(false); // both judged before anything was created
    fs.chmodSync(conf, 0o755);
    const ok = await runWith(release.engine, args, elsewhere());
    expect(ok.code, ok.stderr).toBe(0);
    expect(fs.readdirSync(conf)).toEqual(['10-hns-cni.conflist']);
  });

  it('a missing one is created closed (0755), parents included', async () => {
    const fresh = path.join(node.dir, 'bin-dir-checks', 'fresh', 'cni', 'bin');
    const r = await runWith(release.engine, argsFor(fresh), elsewhere());
    expect(r.code, r.stderr).toBe(0);
    expect(fs.statSync(fresh).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.dirname(fresh)).mode & 0o022).toBe(0);
    expect(fs.readdirSync(fresh).sort()).toEqual(['hns-cni', 'hns-cni-engine']);
  });
});
