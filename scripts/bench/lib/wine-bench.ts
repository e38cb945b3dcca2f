// Runs CNI plugins side by side under Wine against one `hns-cni sim serve` (issue 14): hns-cni.exe and the anchor
// win-bridge.exe with host-local.exe (shared/peers/PEERS.md), the same prefix, the same stub DLLs, the same simulated
// HNS. Used by scripts/bench/side-by-side.ts (`npm run bench`) and, in short, by the peers stage (reporting only).
//
// The Wine root comes from HNS_CNI_WINE_ROOT (default: the shared one); its lock is held for the whole run, so a
// bench never shares a prefix with a Wine stage. On a shared machine, use your own copy (docs/wine.md).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UNCOUNTED_FUNCTIONS } from '../../../src/hns/abi.js';
import { createHcnClient } from '../../../src/hns/hcn-client.js';
import { createSimAbi } from '../../../src/hns/sim/abi.js';
import { latencyProfile } from '../../../src/hns/sim/latency-profile.js';
import { resetState, transact } from '../../../src/hns/sim/state-file.js';
import type { HostComputeNetwork } from '../../../src/hns/types.js';
import { WIN_BRIDGE_SAMPLE_V2 } from '../../../test/fixtures/win-bridge-sample.js';
import { acquireWineStage } from '../../wine/stage-lock.js';

const repo = resolve(import.meta.dirname, '../../..');
const scripts = {
  lib: join(repo, 'scripts/wine/lib.sh'),
  root: join(repo, 'scripts/wine/root.sh'),
  install: join(repo, 'scripts/wine/install.sh'),
  run: join(repo, 'scripts/wine/run.sh'),
  teardown: join(repo, 'scripts/wine/teardown.sh'),
};
const PEERS_WIN = 'C:\\peers';
const HNS_CNI_WIN = 'C:\\Program Files\\containerd\\cni\\bin\\hns-cni.exe';
/** The Windows CNI client (libcni), installed by scripts/wine/install.sh. */
const CNICTL_WIN = 'C:\\hns-cni-test\\cnictl.exe';
/** What kubelet's runtime passes for a pod. */
const POD_ARGS = 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=bench';

/** The L2Bridge network flannel's host-gw backend leaves (the peers stage's), and the pod subnet in it. */
export const POD_SUBNET = '10.244.1.0/24';
const NETWORK: HostComputeNetwork = {
  Name: 'cbr0',
  Type: 'L2Bridge',
  Ipams: [
    {
      Type: 'Static',
      Subnets: [{ IpAddressPrefix: POD_SUBNET, Routes: [{ NextHop: '10.244.1.1', DestinationPrefix: '0.0.0.0/0' }] }],
    },
  ],
  SchemaVersion: { Major: 2, Minor: 0 },
};

/** How fast the simulated HNS is: a flat figure per call, or the realistic profile; serialised or not. */
export interface HnsTiming {
  label: string;
  latency: { flatMs: number } | { profile: string };
  serialised: boolean;
}

export interface Contender {
  label: string;
  /** The program's Windows path in the prefix. */
  program: string;
  /** Its config on stdin (a fresh IPAM directory is filled in per reset, where the config names one). */
  config: (ipamDir: string) => Record<string, unknown>;
  /** More environment for each run. */
  env?: Record<string, string>;
}

/** A burst's wall time (cnictl's clock) and its failed pods, each with its error. */
export interface BurstRan {
  ms: number;
  failures: string[];
}

export interface Ran {
  ms: number;
  status: number;
  stdout: string;
  stderr: string;
}

/** HCN calls between two counter snapshots, with Close and without (the budgets count without). */
export interface CallCount {
  withClose: number;
  withoutClose: number;
}

/**
 * The anchor's own config: win-bridge's sample-v2 delegate as flannel hands it over (the peers stage's), with
 * host-local as IPAM.
 */
export function winBridgeConfig(type: string, ipamDir: string): Record<string, unknown> {
  return {
    cniVersion: '0.4.0',
    ...WIN_BRIDGE_SAMPLE_V2,
    type,
    // Disjoint from the built-in IPAM's range below: the contenders' pods share the network.
    ipam: {
      type: 'host-local',
      subnet: POD_SUBNET,
      rangeStart: '10.244.1.10',
      rangeEnd: '10.244.1.127',
      dataDir: ipamDir,
    },
  };
}

/** hns-cni's own config for the same network and policies, with its built-in IPAM on the range given. */
function ownConfig(rangeStart: string, rangeEnd: string): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    name: 'cbr0',
    type: 'hns-cni',
    mode: 'l2bridge',
    networkOwner: 'external',
    clusterCIDR: '10.244.0.0/16',
    serviceCIDR: '11.0.0.0/8',
    outboundNAT: { exceptions: ['192.168.0.0/16', '10.137.196.0/23'] },
    routes: [],
    loopbackDSR: true,
    dns: { nameservers: ['11.0.0.10'], search: ['svc.cluster.local'] },
    apiVersion: 2,
    policies: [
      {
        name: 'EndpointPolicy',
        value: { Type: 'SDNRoute', Settings: { DestinationPrefix: '10.137.198.27/32', NeedEncap: true } },
      },
    ],
    ipam: { subnet: POD_SUBNET, rangeStart, rangeEnd },
  };
}

/** The agent contender's data directory (its own: the other hns-cni runs must not find its endpoint file). */
const AGENT_DATA_WIN = 'C:\\agent-data';
const AGENT_DATA = 'agent-data';

/**
 * The contenders: win-bridge.exe; hns-cni.exe on the very same config (its drop-in for win-bridge, host-local too);
 * hns-cni.exe on its own config for the same network and policies, with its built-in IPAM; the same as a front to
 * the node agent (`hns-cni.exe node --serve-only` under the same Wine, WineBench.startAgent), on its own address range.
 */
export const CONTENDERS: Record<'winBridge' | 'dropIn' | 'native' | 'agent', Contender> = {
  winBridge: {
    label: 'win-bridge.exe + host-local.exe',
    program: `${PEERS_WIN}\\win-bridge.exe`,
    config: (dir) => winBridgeConfig('win-bridge', dir),
  },
  dropIn: {
    label: 'hns-cni.exe, same config (host-local)',
    program: HNS_CNI_WIN,
    config: (dir) => winBridgeConfig('hns-cni', dir),
  },
  native: {
    label: 'hns-cni.exe, own config (built-in IPAM)',
    program: HNS_CNI_WIN,
    config: () => ownConfig('10.244.1.130', '10.244.1.189'),
  },
  agent: {
    label: 'hns-cni.exe + agent (node --serve-only)',
    program: HNS_CNI_WIN,
    config: () => ownConfig('10.244.1.190', '10.244.1.250'),
    env: { HNS_CNI_DATA_DIR: AGENT_DATA_WIN, HNS_CNI_LOG: `${AGENT_DATA_WIN}\\hns-cni.log` },
  },
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
export { median };

function wineRoot(): string {
  return execFileSync('bash', ['-c', `. "${scripts.lib}"; printf %s "$HNS_WINE_ROOT"`], { encoding: 'utf8' });
}

/** Locates the peer programs as test/peers/locate.ts does. */
export function peersDir(): string | undefined {
  if (process.env.HNS_CNI_PEERS_DIR) return process.env.HNS_CNI_PEERS_DIR;
  let dir = resolve(repo, '..');
  for (;;) {
    if (existsSync(join(dir, 'shared/peers/bin'))) return join(dir, 'shared/peers/bin');
    const up = resolve(dir, '..');
    if (up === dir) return undefined;
    dir = up;
  }
}

export class WineBench {
  private ioCounter = 0;
  private ipamDir = '';
  private agent: ChildProcess | undefined;
  private constructor(
    readonly root: string,
    readonly driveC: string,
    private readonly work: string,
    readonly simState: string,
    readonly stubAddr: string,
    /** Ours to stop (the lock holder and `sim serve`), or none when attached to a running Wine stage. */
    private readonly owned?: { holder: ChildProcess; server: ChildProcess },
  ) {}

  /**
   * On a Wine stage that is already set up (the peers stage: its lock, prefix, `sim serve`, peers in C:\peers).
   */
  static async attach(stage: { root: string; driveC: string; stubAddr: string; simState: string }): Promise<WineBench> {
    const bench = new WineBench(
      stage.root,
      stage.driveC,
      mkdtempSync(join(tmpdir(), 'hns-cni-bench-wine-')),
      stage.simState,
      stage.stubAddr,
    );
    await bench.warmUp();
    return bench;
  }

  /** The first run of each program pays for loading it from disk: one unmeasured VERSION each. */
  private async warmUp(): Promise<void> {
    for (const c of Object.values(CONTENDERS)) await this.run(c, 'VERSION', 'warm-up', 'none');
  }

  /** Takes the root's lock, installs the Windows side and the peers, starts `sim serve` and a lasting wineserver. */
  static async start(peers: string): Promise<WineBench> {
    const root = wineRoot();
    const driveC = join(root, 'wine/prefix/drive_c');
    const holder = await acquireWineStage(root);
    mkdirSync(join(driveC, 'peers'), { recursive: true });
    for (const p of ['win-bridge.exe', 'host-local.exe']) {
      const to = join(driveC, 'peers', p);
      if (!existsSync(to) || !readFileSync(to).equals(readFileSync(join(peers, p)))) copyFileSync(join(peers, p), to);
    }
    rmSync(join(driveC, 'ProgramData/hns-cni'), { recursive: true, force: true });
    const work = mkdtempSync(join(tmpdir(), 'hns-cni-bench-wine-'));
    const simState = join(work, 'sim-state.json');
    const { server, addr } = await startSimServer(work, simState);
    // One wineserver for the whole run: otherwise a pause between runs lets it exit, and the next run pays its start.
    // It daemonises: its stdio must not be our pipes, or we would wait for it to exit. HNS_CNI_BENCH_WINESERVER=
    // default keeps Wine's own behaviour (it exits a few seconds after the last program), to see what that costs.
    if (process.env.HNS_CNI_BENCH_WINESERVER !== 'default')
      execFileSync('bash', ['-c', `. "${scripts.lib}"; wine_in_root "$HNS_WINE_ROOT" 30 -- "$HNS_WINESERVER_BIN" -p`], {
        stdio: 'ignore',
      });
    const bench = new WineBench(root, driveC, work, simState, addr, { holder, server });
    await bench.warmUp();
    return bench;
  }

  /** Forgets everything, creates the network, and sets the timing. New IPAM directories for the next pods. */
  async reset(timing: HnsTiming): Promise<void> {
    await resetState(this.simState, true);
    const hcn = createHcnClient(createSimAbi({ stateFile: this.simState }));
    await hcn.createNetwork(NETWORK);
    await transact(this.simState, (s) => {
      s.options.changeSerialisation = timing.serialised ? 'serialised' : 'concurrent';
      s.latencyMs =
        'profile' in timing.latency ? latencyProfile(timing.latency.profile) : { '*': timing.latency.flatMs };
      s.counters = {};
    });
    // host-local's store and the built-in IPAM's: both empty again, like the simulated HNS.
    rmSync(join(this.driveC, 'bench-ipam'), { recursive: true, force: true });
    rmSync(join(this.driveC, 'bench-burst'), { recursive: true, force: true });
    this.ipamDir = `C:\\bench-ipam\\${++this.ioCounter}`;
    rmSync(join(this.driveC, 'ProgramData/hns-cni'), { recursive: true, force: true });
    // The agent's state too, but not its endpoint file (it keeps serving) nor its log.
    const agentData = join(this.driveC, AGENT_DATA);
    if (existsSync(agentData)) {
      for (const f of readdirSync(agentData)) {
        if (f !== 'agent-cni.json' && f !== 'hns-cni.log') rmSync(join(agentData, f), { recursive: true, force: true });
      }
    }
  }

  /** Whether an agent serves the agent contender (startAgent). */
  get hasAgent(): boolean {
    return this.agent !== undefined;
  }

  /**
   * Starts `hns-cni.exe node --serve-only` under the same Wine and simulated HNS, for the agent contender; resolves
   * once its endpoint file is written. It runs until stop() (the Wine teardown ends it).
   */
  async startAgent(): Promise<void> {
    const agentData = join(this.driveC, AGENT_DATA);
    rmSync(agentData, { recursive: true, force: true });
    const base = join(this.work, 'agent');
    this.agent = spawn(
      'bash',
      [
        scripts.run,
        '--timeout',
        '86400',
        '--env',
        `HNS_CNI_STUB_ADDR=${this.stubAddr}`,
        ...Object.entries(CONTENDERS.agent.env ?? {}).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
        '--stdout',
        `${base}.out`,
        '--stderr',
        `${base}.err`,
        '--',
        HNS_CNI_WIN,
        'node',
        '--serve-only',
      ],
      { stdio: 'ignore' },
    );
    const file = join(agentData, 'agent-cni.json');
    const started = performance.now();
    while (!existsSync(file)) {
      if (this.agent.exitCode !== null) {
        throw new Error(`the agent exited (${this.agent.exitCode}): ${readFileSync(`${base}.err`, 'utf8')}`);
      }
      if (performance.now() - started > 120_000) throw new Error('the agent did not write its endpoint file');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The agent's count of requests it served (its log), to check the agent contender went through it. */
  agentServed(): number {
    const logFile = join(this.driveC, AGENT_DATA, 'hns-cni.log');
    if (!existsSync(logFile)) return 0;
    return readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('agent: CNI request served')).length;
  }

  /** A pod's HCN namespace, as containerd creates it (in process, not counted against the plugins). */
  async namespace(): Promise<string> {
    const before = this.countersNow();
    const hcn = createHcnClient(createSimAbi({ stateFile: this.simState }));
    const id = (await hcn.createNamespace({ SchemaVersion: { Major: 2, Minor: 0 } })).ID!;
    await transact(this.simState, (s) => {
      s.counters = before;
    });
    return id;
  }

  countersNow(): Record<string, number> {
    const state = JSON.parse(readFileSync(this.simState, 'utf8')) as { counters: Record<string, number> };
    return { ...state.counters };
  }

  /** Calls per function between two snapshots (those made at least once). */
  static byFunction(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [fn, n] of Object.entries(after)) if (n - (before[fn] ?? 0) > 0) out[fn] = n - (before[fn] ?? 0);
    return out;
  }

  static callsBetween(before: Record<string, number>, after: Record<string, number>): CallCount {
    let withClose = 0;
    let withoutClose = 0;
    for (const [fn, n] of Object.entries(after)) {
      const d = n - (before[fn] ?? 0);
      withClose += d;
      if (!(UNCOUNTED_FUNCTIONS as readonly string[]).includes(fn)) withoutClose += d;
    }
    return { withClose, withoutClose };
  }

  /** One plugin invocation under Wine; the wall time is the whole `run.sh` (chroot, Wine, the program). */
  run(
    c: Contender,
    verb: 'ADD' | 'DEL' | 'CHECK' | 'VERSION',
    containerId: string,
    netns: string,
    extraEnv: Record<string, string> = {},
  ): Promise<Ran> {
    const io = join(this.root, 'tmp', `hns-cni-bench-${process.pid}`);
    mkdirSync(io, { recursive: true });
    const env = {
      CNI_COMMAND: verb,
      CNI_CONTAINERID: containerId,
      CNI_NETNS: netns,
      CNI_IFNAME: 'eth0',
      CNI_PATH: PEERS_WIN,
      CNI_ARGS: POD_ARGS,
      ...c.env,
      ...extraEnv,
    };
    return this.runSh(
      join(io, String(++this.ioCounter)),
      300,
      env,
      [c.program],
      JSON.stringify(c.config(this.ipamDir)),
    );
  }

  /**
   * A burst, the way a node runs one: cnictl.exe (libcni, as containerd) ADDs or DELs every pod at once, one
   * goroutine per pod, each plugin started by libcni's exec inside Wine (CreateProcess). The wall time is cnictl's,
   * from the first start to the last end; one run.sh for the whole burst, not one per pod.
   */
  async burst(c: Contender, verb: 'ADD' | 'DEL', pods: { id: string; netns: string }[]): Promise<BurstRan> {
    // In the prefix, where cnictl.exe reads them as C:\bench-burst\…; its stdio stays outside (run.sh's).
    const io = join(this.driveC, 'bench-burst');
    mkdirSync(io, { recursive: true });
    const base = join(io, String(++this.ioCounter));
    const { cniVersion, name, ...plugin } = c.config(this.ipamDir);
    writeFileSync(`${base}.conflist`, JSON.stringify({ cniVersion, name: name ?? NETWORK.Name, plugins: [plugin] }));
    writeFileSync(`${base}.pods`, JSON.stringify(pods.map((p) => ({ containerId: p.id, netns: p.netns }))));
    const win = (f: string) => `C:\\bench-burst\\${f.slice(io.length + 1)}`;
    const ran = await this.runSh(base, 600, c.env ?? {}, [
      CNICTL_WIN,
      verb.toLowerCase(),
      '--conflist',
      win(`${base}.conflist`),
      '--pods',
      win(`${base}.pods`),
      '--bin-dir',
      `${HNS_CNI_WIN.slice(0, HNS_CNI_WIN.lastIndexOf('\\'))};${PEERS_WIN}`,
      '--cache-dir',
      `${this.ipamDir}-libcni`,
      '--cni-args',
      POD_ARGS,
    ]);
    let doc: { ms: number; pods: { containerId: string; podIP?: string; error?: string }[] };
    try {
      doc = JSON.parse(ran.stdout);
    } catch {
      throw new Error(`cnictl ${verb} burst (${ran.status}) answered no outcome: ${ran.stderr.slice(-2000)}`);
    }
    // An ADD counts only with the pod address containerd would find (cnictl checks as go-cni does), in the subnet.
    const failed = (p: (typeof doc.pods)[number]) =>
      p.error ?? (verb === 'ADD' && !p.podIP?.startsWith('10.244.1.') ? `no pod address (${p.podIP})` : undefined);
    return { ms: doc.ms, failures: doc.pods.flatMap((p) => (failed(p) ? [`${p.containerId}: ${failed(p)}`] : [])) };
  }

  /** `run.sh` with the stub's address and `env`, stdout and stderr to `<base>.out|.err`, `input` on stdin. */
  private runSh(
    base: string,
    timeoutS: number,
    env: Record<string, string>,
    command: string[],
    input?: string,
  ): Promise<Ran> {
    const args = [
      scripts.run,
      '--timeout',
      String(timeoutS),
      ...Object.entries({ HNS_CNI_STUB_ADDR: this.stubAddr, ...env }).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
      '--stdout',
      `${base}.out`,
      '--stderr',
      `${base}.err`,
      '--',
      ...command,
    ];
    return new Promise((done, fail) => {
      const started = performance.now();
      const child = spawn('bash', args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
      let err = '';
      child.stderr?.on('data', (b: Buffer) => {
        err += b.toString();
      });
      child.on('error', fail);
      child.on('exit', (code) => {
        const ms = performance.now() - started;
        const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
        done({ ms, status: code ?? -1, stdout: read(`${base}.out`), stderr: err + read(`${base}.err`) });
      });
      child.stdin?.end(input);
    });
  }

  async stop(): Promise<void> {
    try {
      // Withdrawing its endpoint file ends `node --serve-only` (a Linux signal does not reach Node under Wine).
      rmSync(join(this.driveC, AGENT_DATA, 'agent-cni.json'), { force: true });
      if (this.agent !== undefined && this.agent.exitCode === null) {
        const agent = this.agent;
        const exited = new Promise<void>((r) => agent.once('exit', () => r()));
        const killer = setTimeout(() => agent.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }
      if (this.owned) {
        await closeAndWait(this.owned.server);
        try {
          execFileSync('bash', [scripts.teardown], { stdio: ['ignore', 'ignore', 'inherit'] });
        } finally {
          await closeAndWait(this.owned.holder);
        }
      }
    } finally {
      rmSync(this.work, { recursive: true, force: true });
      rmSync(join(this.root, 'tmp', `hns-cni-bench-${process.pid}`), { recursive: true, force: true });
      rmSync(join(this.driveC, 'bench-burst'), { recursive: true, force: true });
    }
  }
}

/** `sim serve` of dist/hns-cni, stopped when our end of its stdin closes (as the Wine stage runs it). */
function startSimServer(work: string, simState: string): Promise<{ server: ChildProcess; addr: string }> {
  const script = `exec 3<&0
  "$0" sim serve --listen 127.0.0.1:0 </dev/null &
  server=$!
  ( cat <&3 >/dev/null; kill -TERM "$server" 2>/dev/null ) &
  wait "$server"`;
  const server = spawn('bash', ['-c', script, process.env.HNS_CNI_BIN ?? join(repo, 'dist/hns-cni')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, HNS_CNI_HCN: 'sim', HNS_CNI_SIM_STATE: simState, HNS_CNI_LOG: join(work, 'sim.log') },
  });
  writeFileSync(join(work, 'README'), 'hns-cni side-by-side bench scratch\n');
  return new Promise((done, fail) => {
    let out = '';
    server.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /\b(127\.0\.0\.1:\d+)\b/.exec(out);
      if (m) done({ server, addr: m[1]! });
    });
    server.on('exit', (code) => fail(new Error(`sim serve exited (${code}) before listening`)));
  });
}

async function closeAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.stdin?.end();
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(killer);
}
