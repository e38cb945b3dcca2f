// The plugin as a front to the node agent's CNI server, as shipped: hns-cni.exe node --serve-only under Wine (the
// mingw stub of computenetwork.dll, the default data directory C:\ProgramData\hns-cni and its DACL check), and
// libcni (cnictl.exe) running hns-cni.exe for ADD, CHECK and DEL. The agent's log proves each verb went through it;
// `node status` says it serves.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, deleteNamespace, endpointsIn, expectOk, type PodRef, podVerb } from './hns-view.js';
import { expectEveryOutStringFreed, onDriveC, runExe, scripts, stage, win, writeConflist } from './stage.js';

const net = 'wine-agent';
/** The same network with the log at debug: the agent (at info) refuses its requests. */
const refusedNet = 'wine-agent-debug';
let agent: ChildProcess | undefined;
const endpointFile = () => onDriveC(`${win.dataDir}\\agent-cni.json`);
const logFile = () => onDriveC(`${win.dataDir}\\hns-cni.log`);

function served(containerId: string): Array<Record<string, unknown>> {
  if (!existsSync(logFile())) return [];
  return readFileSync(logFile(), 'utf8')
    .split('\n')
    .filter((l) => l.includes('agent: CNI request served'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.containerId === containerId);
}

/** served(), once the agent's log has been quiet for 300 ms (it replies before winston writes the line). */
async function servedSettled(containerId: string): Promise<Array<Record<string, unknown>>> {
  let last = served(containerId).length;
  for (let quiet = 0; quiet < 6; ) {
    await new Promise((r) => setTimeout(r, 50));
    const now = served(containerId).length;
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
  return served(containerId);
}

beforeAll(async () => {
  writeConflist(`10-${net}.conflist`, {
    cniVersion: '1.0.0',
    name: net,
    plugins: [
      {
        type: 'hns-cni',
        mode: 'l2bridge',
        clusterCIDR: '10.244.0.0/16',
        serviceCIDR: '10.96.0.0/12',
        ipam: { subnet: '10.244.19.0/24' },
      },
    ],
  });
  writeConflist(`11-${refusedNet}.conflist`, {
    cniVersion: '1.0.0',
    name: refusedNet,
    plugins: [
      {
        type: 'hns-cni',
        mode: 'l2bridge',
        clusterCIDR: '10.244.0.0/16',
        serviceCIDR: '10.96.0.0/12',
        ipam: { subnet: '10.244.21.0/24' },
        log: { level: 'debug' },
      },
    ],
  });
  rmSync(endpointFile(), { force: true });
  const io = join(stage().root, 'tmp', `hns-cni-agent-${process.pid}`);
  mkdirSync(io, { recursive: true });
  agent = spawn(
    'bash',
    [
      scripts.run,
      '--timeout',
      '600',
      '--env',
      `HNS_CNI_STUB_ADDR=${stage().stubAddr}`,
      '--stdout',
      join(io, 'agent.out'),
      '--stderr',
      join(io, 'agent.err'),
      '--',
      win.exe,
      'node',
      '--serve-only',
    ],
    { stdio: 'ignore', detached: true },
  );
  const started = Date.now();
  while (!existsSync(endpointFile())) {
    if (agent.exitCode !== null) throw new Error(`the agent exited: ${readFileSync(join(io, 'agent.err'), 'utf8')}`);
    if (Date.now() - started > 120_000) throw new Error('the agent did not write its endpoint file');
    await new Promise((r) => setTimeout(r, 200));
  }
});

/** Withdraws the endpoint file: `node --serve-only` then ends on its own (a Linux signal does not reach Node under Wine). */
async function stopAgent(): Promise<number | null | undefined> {
  if (agent?.pid === undefined || agent.exitCode !== null || agent.signalCode !== null) return agent?.exitCode;
  const exited = new Promise<number | null>((r) => agent!.once('exit', (code) => r(code)));
  rmSync(endpointFile(), { force: true });
  const timer = setTimeout(() => process.kill(-agent!.pid!, 'SIGKILL'), 60_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

afterAll(async () => {
  await stopAgent();
  rmSync(endpointFile(), { force: true });
  rmSync(onDriveC(`${win.confDir}\\10-${net}.conflist`), { force: true });
  rmSync(onDriveC(`${win.confDir}\\11-${refusedNet}.conflist`), { force: true });
});

describe('hns-cni.exe through the agent under Wine', () => {
  it('node status says the CNI server serves', () => {
    const r = runExe(['node', 'status', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { cniServer: { serving: boolean; port?: number } };
    expect(report.cniServer.serving).toBe(true);
    expect(report.cniServer.port).toBe((JSON.parse(readFileSync(endpointFile(), 'utf8')) as { port: number }).port);
  });

  it('runs with the libuv pool the front set for `node` (SetEnvironmentVariableW, inherited by CreateProcessW)', async () => {
    const listening = () =>
      readFileSync(logFile(), 'utf8')
        .split('\n')
        .filter((l) => l.includes('agent: CNI server listening'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const deadline = Date.now() + 10_000;
    while (listening().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(listening().at(-1)?.threadPool).toBe('64');
  });

  it('libcni ADD, CHECK and DEL are served by the agent', async () => {
    const pod: PodRef = { net, containerId: 'wine-agent-1', netns: createNamespace() };
    try {
      const add = podVerb('add', pod);
      expectOk(add);
      expect((add.out.result as { ips: Array<{ address: string }> }).ips[0]!.address).toMatch(/^10\.244\.19\./);
      expect(endpointsIn(pod.netns)).toHaveLength(1);
      expectOk(podVerb('check', pod));
      expectOk(podVerb('del', pod));
      expect(endpointsIn(pod.netns)).toEqual([]);
      expect((await servedSettled(pod.containerId)).map((r) => r.command)).toEqual(['ADD', 'CHECK', 'DEL']);
    } finally {
      deleteNamespace(pod.netns);
    }
  });

  it('a request the agent refuses (another log level) runs in the engine, with the stdin the front had read', async () => {
    // The front read stdin for the request; the engine gets those bytes through a pipe (node.exe under Wine cannot
    // fstat a regular-file stdin). A config the engine could not read whole would not give this ADD its address.
    const pod: PodRef = { net: refusedNet, containerId: 'wine-agent-refused', netns: createNamespace() };
    try {
      const add = podVerb('add', pod);
      expectOk(add);
      expect((add.out.result as { ips: Array<{ address: string }> }).ips[0]!.address).toMatch(/^10\.244\.21\./);
      expectOk(podVerb('del', pod));
      expect(endpointsIn(pod.netns)).toEqual([]);
    } finally {
      deleteNamespace(pod.netns);
    }
    expect(await servedSettled(pod.containerId)).toEqual([]);
    const reasons = readFileSync(logFile(), 'utf8')
      .split('\n')
      .filter((l) => l.includes('agent: running the verb in-process') && l.includes('wine-agent-refused'))
      .map((l) => (JSON.parse(l) as { reason: string }).reason);
    expect(reasons).toEqual(['refused', 'refused']);
  });

  it('a data directory others may write to: the front relays nothing, and the engine refuses it (104)', async () => {
    const dir = onDriveC(win.dataDir);
    const mode = statSync(dir).mode & 0o777;
    const pod: PodRef = { net, containerId: 'wine-agent-open', netns: createNamespace() };
    chmodSync(dir, 0o777); // what Wine shows as Everyone: modify (the DACL the front reads through GetNamedSecurityInfoW)
    try {
      const add = podVerb('add', pod);
      expect(add.status).not.toBe(0);
      expect(add.err.code).toBe(104);
      expect(endpointsIn(pod.netns)).toEqual([]);
    } finally {
      chmodSync(dir, mode);
      deleteNamespace(pod.netns);
    }
    expect(await servedSettled(pod.containerId)).toEqual([]);
  });

  it('ends when its endpoint file is withdrawn, having freed every out-string it got', async () => {
    expect(await stopAgent()).toBe(0);
    expectEveryOutStringFreed();
  });

  it('with no agent, the same verbs run in hns-cni.exe itself', () => {
    const pod: PodRef = { net, containerId: 'wine-agent-2', netns: createNamespace() };
    try {
      expectOk(podVerb('add', pod));
      expect(endpointsIn(pod.netns)).toHaveLength(1);
      expectOk(podVerb('del', pod));
      expect(endpointsIn(pod.netns)).toEqual([]);
      expect(served(pod.containerId)).toEqual([]);
    } finally {
      deleteNamespace(pod.netns);
    }
  });
});
