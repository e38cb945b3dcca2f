// A simulated Windows node for end-to-end tests: `hns-cni sim serve` (the built binary) holds the HNS state, and
// every plugin process reaches it the way hns-cni.exe reaches HNS on Windows: koffi → the C stub of
// computenetwork.dll (dist/native/libcomputenetwork.so) → loopback TCP. Assertions read HNS back through the same
// path (`hns-cni hns ... --json`), the IPAM through `hns-cni ipam --json`, and call counts from `hns-cni sim stats`.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { SimStats } from '../../src/hns/sim/instrumentation.js';
import { initialOptions } from '../../src/hns/sim/options.js';
import { type PluginRun, pluginBinary, runPlugin } from '../helpers/plugin-process.js';

export { minimalConfig } from '../fixtures/minimal-config.js';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const stubLibrary = path.join(repoRoot, 'dist/native/libcomputenetwork.so');

export interface Attachment {
  containerId: string;
  netns: string;
  ifName?: string;
}

export interface Allocation {
  address: string;
  containerId: string;
  ifName: string;
}

export class SimNode {
  readonly dir: string;
  readonly env: Record<string, string>;
  private server?: ChildProcess;
  /** How long one plugin process may take before the test calls it hung (raised where hundreds run at once). */
  cniTimeoutMs = 60_000;

  private constructor(dir: string, env: Record<string, string>) {
    this.dir = dir;
    this.env = env;
  }

  static async start(name = 'hns-cni-node-'): Promise<SimNode> {
    for (const file of [pluginBinary(), stubLibrary]) {
      if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run build and scripts/build-native.sh`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), name));
    const state = path.join(dir, 'sim-state.json');
    const server = spawn(pluginBinary(), ['sim', 'serve', '--listen', '127.0.0.1:0', '--state', state], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, HNS_CNI_LOG: path.join(dir, 'sim-serve.log') },
    });
    const address = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: server.stdout! });
      lines.once('line', (line) => resolve(line.trim()));
      server.once('exit', (code) => reject(new Error(`sim serve exited early (${code})`)));
    });
    const node = new SimNode(dir, {
      HNS_CNI_HCN: 'ffi',
      HNS_CNI_HCN_LIBRARY: stubLibrary,
      HNS_CNI_STUB_ADDR: address,
      HNS_CNI_SIM_STATE: state,
      HNS_CNI_DATA_DIR: path.join(dir, 'data'),
      HNS_CNI_LOG: path.join(dir, 'hns-cni.log'),
    });
    node.server = server;
    return node;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** One CNI invocation, as containerd makes it. */
  cni(
    verb: string,
    config: Record<string, unknown>,
    at?: Attachment,
    extraEnv: Record<string, string> = {},
  ): Promise<PluginRun> {
    const attachment: Record<string, string> = at
      ? { CNI_CONTAINERID: at.containerId, CNI_NETNS: at.netns, CNI_IFNAME: at.ifName ?? 'eth0' }
      : {};
    return runPlugin({
      env: {
        ...this.env,
        CNI_COMMAND: verb,
        CNI_PATH: '/usr/lib/cni',
        CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default',
        ...attachment,
        ...extraEnv,
      },
      stdin: config,
      timeoutMs: this.cniTimeoutMs,
    });
  }

  /** A debug command of the built binary, through the same backend as the plugin. */
  async command(args: string[], expectJson = false): Promise<PluginRun> {
    return runPlugin({ env: this.env, args, stdin: '', timeoutMs: 60_000, expectJson });
  }

  async json<T>(args: string[]): Promise<T> {
    const run = await this.command([...args, '--json'], true);
    if (run.code !== 0) throw new Error(`hns-cni ${args.join(' ')} failed (${run.code}): ${run.stderr}`);
    return run.json as T;
  }

  /** What containerd does before ADD: an HCN namespace, whose GUID becomes CNI_NETNS. */
  async createNamespace(): Promise<string> {
    const ns = await this.json<{ ID: string }>(['hns', 'namespace-create']);
    return ns.ID.toLowerCase();
  }

  async endpoints(): Promise<Array<Record<string, unknown>>> {
    return this.json(['hns', 'endpoints']);
  }

  async networks(): Promise<Array<Record<string, unknown>>> {
    return this.json(['hns', 'networks']);
  }

  async namespace(id: string): Promise<Record<string, unknown> | undefined> {
    const all = await this.json<Array<Record<string, unknown>>>(['hns', 'namespaces']);
    return all.find((n) => String(n.ID).toLowerCase() === id.toLowerCase());
  }

  /** Every allocation of every network's store (`hns-cni ipam --json`). */
  async allocations(): Promise<Allocation[]> {
    const report = await this.json<{ networks: Array<{ allocations: Allocation[] }> }>(['ipam']);
    return report.networks.flatMap((n) => n.allocations);
  }

  async stats(): Promise<SimStats> {
    return this.json<SimStats>(['sim', 'stats', '--state', this.env.HNS_CNI_SIM_STATE!]);
  }

  async sim(args: string[]): Promise<void> {
    const run = await this.command(['sim', ...args, '--state', this.env.HNS_CNI_SIM_STATE!]);
    if (run.code !== 0) throw new Error(`hns-cni sim ${args.join(' ')} failed: ${run.stderr}`);
  }
}

/** HCN calls the budgets count: everything but Close (CoTaskMemFree is not an HCN call at all). */
export function countedCalls(before: SimStats, after: SimStats): { total: number; byFunction: Record<string, number> } {
  const byFunction: Record<string, number> = {};
  let total = 0;
  const previous: Record<string, number | undefined> = before.calls;
  for (const [fn, n] of Object.entries(after.calls)) {
    const delta = (n ?? 0) - (previous[fn] ?? 0);
    if (delta === 0 || /^HcnClose/.test(fn)) continue;
    byFunction[fn] = delta;
    total += delta;
  }
  return { total, byFunction };
}

export const ALL_MODES = ['transparent', 'nat', 'l2bridge', 'overlay'] as const;

/**
 * The modes the simulated host of this run supports. The variant matrix (scripts/sim-matrix.mjs) starts every
 * simulator with HNS_CNI_SIM_OPTIONS; on a host whose HNS keeps only default endpoint routes
 * (endpointRoutes=default-only) hns-cni refuses transparent mode, and plugin-unknowns.test.ts checks that refusal,
 * so the generic lifecycle, fault and libcni tests run the other modes there.
 */
export function supportedModes(options = initialOptions()): ReadonlyArray<(typeof ALL_MODES)[number]> {
  return ALL_MODES.filter((m) => m !== 'transparent' || options.endpointRoutes !== 'default-only');
}

export const MODES = supportedModes();
