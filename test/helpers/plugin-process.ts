// Runs the built plugin the way a container runtime does: a child process with CNI_* variables and the config on
// stdin. The binary is `$HNS_CNI_BIN` or dist/hns-cni (`npm run build`). Shared by every e2e test that drives it.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The executable under test (relative paths are taken from the repository root). */
export function pluginBinary(): string {
  return path.resolve(repoRoot, process.env.HNS_CNI_BIN ?? 'dist/hns-cni');
}

/** The engine the front starts (dist/hns-cni-engine beside dist/hns-cni); undefined when the binary is the engine. */
export function pluginEngine(binary = pluginBinary()): string | undefined {
  if (path.basename(binary).startsWith('hns-cni-engine')) return undefined;
  return path.join(path.dirname(binary), 'hns-cni-engine');
}

/**
 * Puts the plugin into `dir` as `name` the way an installation does: the front under that name and the engine beside
 * it (hard links where the file system allows: the engine is ~140 MB).
 */
export function installPluginAs(dir: string, name: string): string {
  const place = (from: string, to: string) => {
    if (fs.existsSync(to)) return;
    try {
      fs.linkSync(from, to);
    } catch {
      fs.copyFileSync(from, to);
      fs.chmodSync(to, 0o755);
    }
  };
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, name);
  place(pluginBinary(), target);
  const engine = pluginEngine();
  if (engine !== undefined) place(engine, path.join(dir, 'hns-cni-engine'));
  return target;
}

export interface PluginRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout as written. */
  stdout: string;
  /** stdout parsed as the one JSON document it must hold; undefined when stdout is empty. Throws if not JSON. */
  json: Record<string, unknown> | undefined;
  stderr: string;
}

export interface PluginRunOptions {
  /** Added to a clean environment (the parent's, minus any CNI_* and HNS_CNI_* variables). */
  env?: Record<string, string>;
  /** The config: an object is JSON-encoded; 'leave-open' never writes nor closes stdin (VERSION must not wait). */
  stdin?: string | Buffer | Record<string, unknown> | 'leave-open';
  args?: string[];
  /** Another path of the executable (a hard link named win-bridge, sdnbridge.exe, ...); default pluginBinary(). */
  binary?: string;
  timeoutMs?: number;
  /** Parse stdout as the one JSON document (default true); false for debug commands that print text. */
  expectJson?: boolean;
  /** The plugin's working directory (default: the test's). */
  cwd?: string;
}

export function runPlugin(options: PluginRunOptions = {}): Promise<PluginRun> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('CNI_') && !k.startsWith('HNS_CNI_')) env[k] = v;
  }
  Object.assign(env, options.env);
  const child = spawn(options.binary ?? pluginBinary(), options.args ?? [], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.cwd !== undefined && { cwd: options.cwd }),
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => stdout.push(b));
  child.stderr.on('data', (b: Buffer) => stderr.push(b));
  child.stdin.on('error', () => {}); // the plugin may exit without reading stdin (VERSION, env errors)
  const input = options.stdin;
  if (input !== 'leave-open') {
    const bytes =
      input === undefined || typeof input === 'string' || Buffer.isBuffer(input) ? input : JSON.stringify(input);
    child.stdin.end(bytes ?? '');
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${pluginBinary()} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      child.stdin.destroy();
      const out = Buffer.concat(stdout).toString('utf8');
      const err = Buffer.concat(stderr).toString('utf8');
      let json: Record<string, unknown> | undefined;
      if (options.expectJson !== false && out.trim() !== '') {
        try {
          json = JSON.parse(out) as Record<string, unknown>;
        } catch (e) {
          // Rejecting (not throwing here, inside an event handler) keeps the caller's await from hanging.
          reject(new Error(`stdout is not one JSON document (${(e as Error).message}): ${out.slice(0, 300)}`));
          return;
        }
      }
      resolve({ code, signal, stdout: out, json, stderr: err });
    });
  });
}

/** CNI variables for an attachment verb, with sensible defaults (a bare GUID netns, as containerd on Windows). */
export function cniEnv(verb: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CNI_COMMAND: verb,
    CNI_CONTAINERID: 'e2e0123456789abcdef',
    CNI_NETNS: '5a1e2c3d-0000-4000-8000-000000000001',
    CNI_IFNAME: 'eth0',
    CNI_PATH: '/opt/cni/bin',
    ...overrides,
  };
}

export interface LogDir {
  dir: string;
  logFile: string;
  /** `{ HNS_CNI_LOG: logFile }`, to spread into `env`. */
  env: { HNS_CNI_LOG: string };
  /** The log's JSON lines (empty when the file does not exist). */
  readLog(): Record<string, unknown>[];
  cleanup(): void;
}

/** A temp dir for one test's plugin log; HNS_CNI_LOG points into it. */
export function makeLogDir(prefix = 'hns-cni-e2e-'): LogDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const logFile = path.join(dir, 'hns-cni.log');
  return {
    dir,
    logFile,
    env: { HNS_CNI_LOG: logFile },
    readLog: () =>
      fs.existsSync(logFile)
        ? fs
            .readFileSync(logFile, 'utf8')
            .split(/\r?\n/)
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
