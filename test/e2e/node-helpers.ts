// What the node-agent tests need around a SimNode: the IP Helper stub on the same `sim serve`, a conf dir with a
// conflist, the node's routing table as IP Helper reports it, `hns-cni node status --json`, and a long-running
// `hns-cni node` child process. Conditions are awaited with a bounded poll (never a fixed sleep, never a timing
// assertion): a slow machine only makes the wait longer.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NodeStatusReport } from '../../src/node/status.js';
import { pluginBinary } from '../helpers/plugin-process.js';
import { repoRoot, SimNode } from './plugin-harness.js';

export const iphlpLibrary = path.join(repoRoot, 'dist/native/libiphlpapi.so');

export interface RouteRow {
  destinationPrefix: string;
  nextHop: string;
  interfaceIndex: number;
  metric: number;
  protocol: number;
}

export async function startNode(name: string): Promise<SimNode> {
  if (!fs.existsSync(iphlpLibrary)) throw new Error(`${iphlpLibrary} is missing: run scripts/build-native.sh`);
  const node = await SimNode.start(name);
  node.env.HNS_CNI_IPHLP_LIBRARY = iphlpLibrary;
  return node;
}

export function writeConflist(node: SimNode, plugin: Record<string, unknown>, name = 'cbr0'): string {
  const dir = path.join(node.dir, 'conf');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, '10-hns-cni.conflist');
  fs.writeFileSync(file, JSON.stringify({ cniVersion: '1.0.0', name, plugins: [{ type: 'hns-cni', ...plugin }] }));
  return dir;
}

export function routes(node: SimNode): Promise<RouteRow[]> {
  return node.json<RouteRow[]>(['sim', 'routes', '--state', node.env.HNS_CNI_SIM_STATE!]);
}

/**
 * The routes that are not hns-cni's business: everything except those to the given pod CIDRs. Without the interface
 * index: an external vSwitch moves the host's routes to its vNIC (a new index), which is Windows, not hns-cni.
 */
export function routesExcept(rows: RouteRow[], podCidrs: string[]): string[] {
  return rows
    .filter((r) => !podCidrs.includes(r.destinationPrefix))
    .map((r) => `${r.destinationPrefix} via ${r.nextHop} metric ${r.metric} protocol ${r.protocol}`)
    .sort();
}

export function status(node: SimNode, confDir: string): Promise<NodeStatusReport> {
  return node.json<NodeStatusReport>([
    'node',
    'status',
    '--conf-dir',
    confDir,
    '--bin-dir',
    path.join(node.dir, 'bin'),
  ]);
}

/** Polls `check` until it returns true (bounded: 60 s); the last failure's message explains a timeout. */
export async function eventually(what: string, check: () => Promise<boolean>, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  let last = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface RunningAgent {
  child: ChildProcess;
  stop(): Promise<number | null>;
  stderr(): string;
}

export function startAgent(node: SimNode, args: string[]): RunningAgent {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('HNS_CNI_') && k !== 'KUBECONFIG') env[k] = v;
  }
  const child = spawn(pluginBinary(), ['node', ...args], {
    env: { ...env, ...node.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString('utf8');
  });
  child.stdout!.resume();
  return {
    child,
    stderr: () => err,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

export { repoRoot };
