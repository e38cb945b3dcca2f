// install → upgrade → uninstall of the shipped hns-cni.exe under Wine, with Windows paths and Windows file semantics:
// the exe installs itself into a bin dir, the installed copy runs the node agent (HCN and IP Helper stub DLLs, the
// stand-in API server on the Linux side), an upgrade replaces it while an ADD started from the old copy is held
// inside HNS (rename-then-replace: Windows lets a running image be renamed, not overwritten), and the uninstall
// leaves HNS, the routing table and the three directories exactly as they were before the install.
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeStatusReport } from '../../src/node/status.js';
import { type RemoteKubeApiServer, startRemoteKubeApiServer } from '../fixtures/kube/api-server-remote.js';
import { builtPair, stagePair } from '../helpers/pair.js';
import { createNamespace, deleteNamespace, endpoints, networkNamed, networks } from './hns-view.js';
import { onDriveC, type Ran, scripts, simCli, simStats, stage, win, wineRun } from './stage.js';

const base = 'C:\\hns-cni-test\\install';
const dirs = {
  bin: `${base}\\bin`,
  conf: `${base}\\conf`,
  data: `${base}\\data`,
  next: `${base}\\next`,
  release: `${base}\\release`,
};
const installed = `${dirs.bin}\\hns-cni.exe`;
const installedEngine = `${dirs.bin}\\hns-cni-engine.exe`;
/** The release as shipped: front + engine in one directory (test/helpers/pair.ts: a stand-in front for now). */
const release = { front: `${dirs.release}\\hns-cni.exe`, engine: `${dirs.release}\\hns-cni-engine.exe` };
const kubeconfig = `${base}\\kubeconfig`;
const env: Record<string, string> = { HNS_CNI_IPHLP_LIBRARY: win.iphlpDll, HNS_CNI_DATA_DIR: dirs.data };

let api: RemoteKubeApiServer;
let io = 0;

function envArgs(extra: Record<string, string>): string[] {
  return Object.entries({ HNS_CNI_STUB_ADDR: stage().stubAddr, ...env, ...extra }).flatMap(([k, v]) => [
    '--env',
    `${k}=${v}`,
  ]);
}

function ioFiles(): { out: string; err: string } {
  const dir = join(stage().root, 'tmp', `hns-cni-install-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  io += 1;
  return { out: join(dir, `${io}.out`), err: join(dir, `${io}.err`) };
}

/** One run of a Windows executable (the staged or the installed hns-cni.exe), waited for. */
function exe(program: string, args: string[], extra: Record<string, string> = {}, stdin = ''): Ran {
  const f = ioFiles();
  const r = wineRun(
    [...envArgs(extra), '--stdout', f.out, '--stderr', f.err],
    program,
    args,
    `install test: ${args[0] ?? extra.CNI_COMMAND}`,
    120,
    stdin,
  );
  return { ...r, stdout: readFileSync(f.out, 'utf8'), stderr: readFileSync(f.err, 'utf8') };
}

/** The same, in the background: the test goes on while the program runs. */
function exeInBackground(program: string, extra: Record<string, string>, stdin: string): Promise<Ran> {
  const f = ioFiles();
  return new Promise((resolve, reject) => {
    const child = spawn(
      'bash',
      [scripts.run, '--timeout', '120', ...envArgs(extra), '--stdout', f.out, '--stderr', f.err, '--', program],
      {
        stdio: ['pipe', 'ignore', 'inherit'],
      },
    );
    child.stdin.end(stdin);
    child.on('error', reject);
    child.on('close', (status) =>
      resolve({ status: status ?? -1, stdout: readFileSync(f.out, 'utf8'), stderr: readFileSync(f.err, 'utf8') }),
    );
  });
}

/** Every file under a C:\ dir (relative path), or 'absent'. */
function files(windowsDir: string): string[] | 'absent' {
  const dir = onDriveC(windowsDir);
  if (!existsSync(dir)) return 'absent';
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

interface RouteRow {
  destinationPrefix: string;
  nextHop: string;
  metric: number;
}

function nodeState() {
  return {
    networks: networks()
      .map((n) => `${n.Name} ${n.ID}`)
      .sort(),
    endpoints: endpoints()
      .map((e) => `${e.Name} ${e.ID}`)
      .sort(),
    routes: simCli<RouteRow[]>(['sim', 'routes', '--json'])
      .map((r) => `${r.destinationPrefix} via ${r.nextHop} metric ${r.metric}`)
      .sort(),
    bin: files(dirs.bin),
    conf: files(dirs.conf),
    data: files(dirs.data),
  };
}

const installArgs = (source: string) => [
  'install',
  '--bin-dir',
  dirs.bin,
  '--conf-dir',
  dirs.conf,
  '--source',
  source,
  '--subnet',
  '10.247.1.0/24',
  '--cluster-cidr',
  '10.247.0.0/16',
  '--service-cidr',
  '10.96.0.0/12',
];

function podConfig(): string {
  const conflist = JSON.parse(readFileSync(join(onDriveC(dirs.conf), '10-hns-cni.conflist'), 'utf8'));
  return JSON.stringify({ ...conflist.plugins[0], name: conflist.name, cniVersion: conflist.cniVersion });
}

const podEnv = (id: string, netns: string) => ({
  CNI_CONTAINERID: id,
  CNI_NETNS: netns,
  CNI_IFNAME: 'eth0',
  CNI_PATH: dirs.bin,
});

let before: ReturnType<typeof nodeState>;

beforeAll(async () => {
  rmSync(onDriveC(base), { recursive: true, force: true });
  for (const d of [dirs.bin, dirs.conf, dirs.next]) mkdirSync(onDriveC(d), { recursive: true });
  stagePair(onDriveC(dirs.release), true);
  api = await startRemoteKubeApiServer(stage().runDir);
  await api.setNode({ name: 'win-i', podCIDRs: ['10.247.1.0/24'], internalIP: '10.0.0.24' });
  await api.setNode({ name: 'win-j', podCIDRs: ['10.247.2.0/24'], internalIP: '10.0.0.25' });
  writeFileSync(onDriveC(kubeconfig), readFileSync(api.kubeconfig, 'utf8'));
  before = nodeState();
}, 120_000);

afterAll(async () => {
  await api?.close();
  rmSync(onDriveC(base), { recursive: true, force: true });
});

describe('hns-cni.exe install → upgrade → uninstall under Wine', () => {
  it('installs the pair (front + engine) into the bin dir and writes the conflist; a second install changes nothing', () => {
    const r = exe(release.front, installArgs(release.engine));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`installed: ${installed}`);
    expect(r.stdout).toContain(`engine installed: ${installedEngine}`);
    expect(readFileSync(onDriveC(installed)).equals(readFileSync(builtPair(true).front))).toBe(true);
    expect(readFileSync(onDriveC(installedEngine)).equals(readFileSync(builtPair(true).engine))).toBe(true);
    expect(JSON.parse(podConfig())).toMatchObject({ type: 'hns-cni', ipam: { subnet: '10.247.1.0/24' } });
    const again = exe(installed, installArgs(release.engine));
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain(`unchanged: ${installed}`);
    expect(again.stdout).toContain(`engine unchanged: ${installedEngine}`);
    expect(again.stdout).toContain('conflist unchanged');
  });

  it('the installed exe runs the node agent: network, host endpoint, the route to the other node', () => {
    const r = exe(installed, [
      'node',
      '--once',
      '--conf-dir',
      dirs.conf,
      '--node-name',
      'win-i',
      '--kubeconfig',
      kubeconfig,
    ]);
    expect(r.status, `${r.stderr}${r.stdout}`).toBe(0);
    const network = networkNamed(JSON.parse(podConfig()).name as string);
    expect(network?.Type).toBe('L2Bridge');
    expect(endpoints().some((e) => e.Name === `${network?.Name}_ep`)).toBe(true);
    const routes = simCli<RouteRow[]>(['sim', 'routes', '--json']);
    expect(routes.some((x) => x.destinationPrefix === '10.247.2.0/24' && x.nextHop === '10.0.0.25')).toBe(true);
  });

  it('an upgrade while an ADD of the old exe is held inside HNS: the ADD completes, the new exe is in place', async () => {
    const old = readFileSync(onDriveC(installed));
    const netns = createNamespace();
    simCli(['sim', 'fault', '--fn', 'HcnCreateEndpoint', '--hang', '5000']);
    const add = exeInBackground(installed, { ...podEnv('upgrade-pod', netns), CNI_COMMAND: 'ADD' }, podConfig());
    for (const deadline = Date.now() + 90_000; ; ) {
      if (simStats().faults.some((f) => f.fn === 'HcnCreateEndpoint' && f.fired === 1)) break;
      if (Date.now() > deadline) throw new Error('the ADD never reached HcnCreateEndpoint');
      await new Promise((r) => setTimeout(r, 100));
    }
    // The new build: the same exe with bytes appended (PE overlay data), so that it differs from the running one.
    const next = `${dirs.next}\\hns-cni.exe`;
    const nextEngine = `${dirs.next}\\hns-cni-engine.exe`;
    copyFileSync(onDriveC(release.front), onDriveC(next));
    appendFileSync(onDriveC(next), 'upgrade-marker');
    copyFileSync(onDriveC(release.engine), onDriveC(nextEngine));
    appendFileSync(onDriveC(nextEngine), 'engine-upgrade-marker');
    const up = exe(release.front, installArgs(nextEngine));
    expect(up.status, up.stderr).toBe(0);
    expect(up.stdout).toContain(`upgraded: ${installed}`);
    expect(up.stdout).toContain(`engine upgraded: ${installedEngine}`);
    expect(readFileSync(onDriveC(installedEngine)).equals(readFileSync(onDriveC(nextEngine)))).toBe(true);
    const result = await add;
    simCli(['sim', 'fault', '--clear']);
    expect(result.status, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { ips: { address: string }[] }).ips[0]?.address).toMatch(/^10\.247\.1\./);
    expect(readFileSync(onDriveC(installed)).equals(readFileSync(onDriveC(next)))).toBe(true);
    expect(readFileSync(onDriveC(installed)).equals(old)).toBe(false);
    const del = exe(installed, [], { ...podEnv('upgrade-pod', netns), CNI_COMMAND: 'DEL' }, podConfig());
    expect(del.status, `${del.stderr}${del.stdout}`).toBe(0);
    deleteNamespace(netns);
  });

  it('uninstall refuses while a pod holds the network, then leaves the node exactly as it was', () => {
    const netns = createNamespace();
    const pod = podEnv('last-pod', netns);
    expect(exe(installed, [], { ...pod, CNI_COMMAND: 'ADD' }, podConfig()).status).toBe(0);
    const refused = exe(installed, ['uninstall', '--bin-dir', dirs.bin, '--conf-dir', dirs.conf]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('1 pod endpoint(s)');
    expect(existsSync(onDriveC(installed))).toBe(true);
    expect(exe(installed, [], { ...pod, CNI_COMMAND: 'DEL' }, podConfig()).status).toBe(0);
    deleteNamespace(netns);

    // The installed exe removes itself: run it from the bin dir it uninstalls.
    const r = exe(installed, ['uninstall', '--bin-dir', dirs.bin, '--conf-dir', dirs.conf]);
    expect(r.status, `${r.stderr}${r.stdout}`).toBe(0);
    // Windows semantics, which Wine keeps: a running image cannot be deleted (renamed aside instead) nor can a loaded
    // DLL. The uninstall names both; Install-HnsCni.ps1 removes them once the process has exited, as done here.
    const left = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('left: '))
      .map((l) => l.slice('left: '.length));
    // The front runs the engine as a child: both images are in use.
    expect(left).toEqual([
      expect.stringMatching(/^C:\\hns-cni-test\\install\\bin\\hns-cni\.exe\.old-\d+ \(in use\)$/),
      expect.stringMatching(/^C:\\hns-cni-test\\install\\bin\\hns-cni-engine\.exe\.old-\d+ \(in use\)$/),
      expect.stringMatching(/^C:\\hns-cni-test\\install\\bin\\koffi-[0-9a-f]{16}\.node \(in use\)$/),
    ]);
    for (const l of left) rmSync(onDriveC(l.replace(/ \(in use\)$/, '')));
    rmSync(onDriveC(dirs.next), { recursive: true, force: true });
    rmSync(onDriveC(dirs.release), { recursive: true, force: true });
    expect(nodeState()).toEqual(before);
    const status = exe(win.exe, ['node', 'status', '--json', '--conf-dir', dirs.conf, '--bin-dir', dirs.bin]);
    expect(status.status, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as NodeStatusReport & { clean: boolean }).clean).toBe(true);
  });
});
