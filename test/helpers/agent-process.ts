// A node agent serving the CNI verbs (`hns-cni node --serve-only`, the built binary) for tests: started with a
// node's environment, ready once its endpoint file names its pid. `served()` counts the requests it answered, read
// from its log lines ("agent: CNI request served" carries the agent's pid): the proof that a verb went through it.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pluginBinary } from './plugin-process.js';

export interface AgentEndpointFile {
  port: number;
  pid: number;
  secret: string;
}

export class AgentProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly env: Record<string, string>,
    readonly endpoint: AgentEndpointFile,
  ) {}

  static async start(env: Record<string, string>, timeoutMs = 60_000): Promise<AgentProcess> {
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !k.startsWith('CNI_') && !k.startsWith('HNS_CNI_')) clean[k] = v;
    }
    const child = spawn(pluginBinary(), ['node', '--serve-only'], {
      env: { ...clean, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const file = path.join(env.HNS_CNI_DATA_DIR!, 'agent-cni.json');
    const started = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`agent exited early (${child.exitCode}): ${stderr}`);
      try {
        const endpoint = JSON.parse(fs.readFileSync(file, 'utf8')) as AgentEndpointFile;
        if (endpoint.pid === child.pid) return new AgentProcess(child, env, endpoint);
      } catch {
        // not written yet
      }
      if (Date.now() - started > timeoutMs) throw new Error(`agent did not publish ${file}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Log lines of this agent's served requests (optionally for one container). */
  servedLines(containerId?: string): Array<Record<string, unknown>> {
    let text = '';
    try {
      text = fs.readFileSync(this.env.HNS_CNI_LOG!, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((l) => l.includes('agent: CNI request served'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r.pid === this.child.pid && (containerId === undefined || r.containerId === containerId));
  }

  /**
   * How many requests it served, once its log is quiet: the agent replies before winston has written the line, and
   * a native front exits well within that time, so the count is read until it has not changed for 300 ms.
   */
  async served(containerId?: string): Promise<number> {
    let count = this.servedLines(containerId).length;
    let stableSince = Date.now();
    const deadline = Date.now() + 10_000;
    while (Date.now() - stableSince < 300 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      const now = this.servedLines(containerId).length;
      if (now !== count) {
        count = now;
        stableSince = Date.now();
      }
    }
    return count;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill(signal);
    await exited;
  }
}
