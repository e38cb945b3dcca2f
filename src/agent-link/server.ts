// The node agent's CNI server: runs the verbs the plugin's front (front.ts) forwards, through the same runCni as the
// plugin process, each in its own invocation (cni/invocation.ts: environment, executable name, log context). Loopback
// TCP on an ephemeral port, not a named pipe: libuv opens pipes without SECURITY_SQOS, so a squatted pipe could
// impersonate its SYSTEM client (docs/security.md). Mutual HMAC authentication (handshake.ts) with a secret drawn at
// every start and kept in the private data directory (endpoint-file.ts); until a connection has proved it, the agent
// holds little for it (MAX_UNPROVEN, MAX_HELLO_FRAME). A request is refused, and the front runs
// the verb itself, when its behaviour-changing environment or log options differ from the agent's, or when it takes
// longer than the per-request timeout (the verb keeps its attachment lock until it ends, so the front's own run
// waits for it).
import { createServer, type Server, type Socket } from 'node:net';
import { logOptionsFrom, type PluginHandlers, runCni } from '../cni/dispatch.js';
import { runInvocation } from '../cni/invocation.js';
import { stdoutDocument } from '../cni/io.js';
import { log, resolveLogOptions } from '../log/logger.js';
import { openDataDir } from '../store/data-dir.js';
import { type AgentEndpoint, readEndpoint, removeEndpoint, writeEndpoint } from './endpoint-file.js';
import { environmentMismatch, isPerRequest } from './forwarded-env.js';
import { encodeFrame, MAX_FRAME, type Message, MessageReader } from './frames.js';
import { checkProof, HANDSHAKE_MS, isNonce, newNonce, newSecret, PROTOCOL, proof } from './handshake.js';

export interface CniServerOptions {
  dataDir: string;
  loadHandlers: () => Promise<PluginHandlers<unknown>>;
  /** A verb that has not finished after this is handed back to the front (default 120 s). */
  requestTimeoutMs?: number;
  /**
   * Called once when the endpoint file disappears or names another process: nobody can reach this server any more
   * (an operator or a newer agent withdrew it). The server has stopped by then.
   */
  onWithdrawn?: () => void;
}

export interface CniServerCounters {
  served: number;
  refused: number;
  rejected: number;
  /** Connections closed on arrival because MAX_UNPROVEN others had not proved the secret yet. */
  shed: number;
}

/**
 * Connections that have not yet proved the secret, at most; a new one beyond is closed at once, and its front runs the
 * verb itself. With the frame limits below this bounds what a local user without the secret can make the agent hold
 * (a flood of idle or half-sent connections: about MAX_UNPROVEN × MAX_FRAME bytes, each for HANDSHAKE_MS per step).
 */
export const MAX_UNPROVEN = 64;
/** A hello is a protocol name and a nonce: a few dozen bytes. Longer first frames close the connection. */
export const MAX_HELLO_FRAME = 1024;

export class CniServer {
  private server: Server | undefined;
  private endpoint: AgentEndpoint | undefined;
  readonly counters: CniServerCounters = { served: 0, refused: 0, rejected: 0, shed: 0 };
  private readonly sockets = new Set<Socket>();
  private unproven = 0;
  private shedding = false;
  private watch: NodeJS.Timeout | undefined;

  constructor(private readonly opts: CniServerOptions) {}

  /** Listens, then publishes the endpoint file (the port and a fresh secret). */
  async start(): Promise<AgentEndpoint> {
    const dataDir = await openDataDir(this.opts.dataDir);
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve());
    });
    this.server = server;
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the CNI server has no TCP address');
    this.endpoint = { port: address.port, pid: process.pid, secret: newSecret() };
    writeEndpoint(dataDir, this.endpoint);
    // Each request's HNS calls and file operations hold libuv worker threads; the front raises the pool for `node`.
    log.info('agent: CNI server listening', {
      port: address.port,
      threadPool: process.env.UV_THREADPOOL_SIZE ?? 'libuv default (4)',
    });
    this.watch = setInterval(() => this.checkStillPublished(), 1_000);
    this.watch.unref();
    return this.endpoint;
  }

  private checkStillPublished(): void {
    const current = readEndpoint(this.opts.dataDir);
    if (typeof current !== 'string' && current.pid === process.pid) return;
    log.info('agent: the CNI endpoint file was withdrawn; the CNI server stops', {
      reason: typeof current === 'string' ? current : `it names pid ${current.pid}`,
    });
    this.endpoint = undefined; // not ours to remove any more
    void this.stop().then(() => this.opts.onWithdrawn?.());
  }

  get port(): number | undefined {
    return this.endpoint?.port;
  }

  /** Stops accepting, withdraws the endpoint file; verbs in flight finish (their connections then close). */
  async stop(): Promise<void> {
    clearInterval(this.watch);
    if (this.endpoint) removeEndpoint(this.opts.dataDir, this.endpoint.pid);
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.unproven >= MAX_UNPROVEN) {
      this.counters.shed++;
      if (!this.shedding) {
        this.shedding = true;
        log.warn('agent: too many connections that have not proved the secret; closing new ones until they end', {
          limit: MAX_UNPROVEN,
        });
      }
      socket.destroy();
      return;
    }
    this.unproven++;
    let proving = true;
    const proved = () => {
      if (!proving) return;
      proving = false;
      this.unproven--;
      if (this.shedding && this.unproven < MAX_UNPROVEN / 2) {
        this.shedding = false;
        log.info('agent: accepting connections again', { shed: this.counters.shed });
      }
    };
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => {
      this.sockets.delete(socket);
      proved();
    });
    this.converse(socket, proved).catch((e: unknown) => {
      this.counters.rejected++;
      log.warn('agent: CNI connection closed', { reason: (e as Error).message });
      socket.destroy();
    });
  }

  private async converse(socket: Socket, proved: () => void): Promise<void> {
    const secret = this.endpoint?.secret;
    if (secret === undefined) throw new Error('not serving');
    const reader = new MessageReader(socket);
    reader.decoder.maxFrame = MAX_HELLO_FRAME;
    const hello = await reader.next(HANDSHAKE_MS);
    if (hello.t !== 'hello' || hello.protocol !== PROTOCOL || !isNonce(hello.nonce)) throw new Error('bad hello');
    const frontNonce = hello.nonce;
    const serverNonce = newNonce();
    socket.write(
      encodeFrame({ t: 'challenge', nonce: serverNonce, proof: proof(secret, 'server', frontNonce, serverNonce) }),
    );
    reader.decoder.maxFrame = MAX_FRAME; // the request: a config and an environment
    const request = await reader.next(HANDSHAKE_MS);
    if (request.t !== 'request' || !checkProof(request.proof, secret, 'front', frontNonce, serverNonce)) {
      throw new Error('the front did not prove the secret');
    }
    proved();
    const reply = await this.answer(request);
    if (reply.t === 'refused') this.counters.refused++;
    socket.end(encodeFrame(reply));
  }

  private async answer(request: Message): Promise<Message> {
    const { cni, compared, execPath, stdin } = request;
    if (
      !isStringRecord(cni) ||
      !isStringRecord(compared) ||
      typeof execPath !== 'string' ||
      typeof stdin !== 'string'
    ) {
      throw new Error('malformed request');
    }
    const mismatch = environmentMismatch(compared, process.env) ?? inClusterMismatch(cni);
    if (mismatch !== undefined) return refuse(`${mismatch} differs from the agent's`);
    const input = Buffer.from(stdin, 'base64');
    const logProblem = logOptionsDiffer(input, compared);
    if (logProblem !== undefined) return refuse(logProblem);
    // The agent's environment without its own per-request variables, then the front's (forwarded-env.ts).
    const env: NodeJS.ProcessEnv = { ...withoutPerRequest(process.env), ...cni };
    // Exactly the bytes io.ts writeStdoutJson would write in-process, so a front relays them untouched.
    const stdout: Buffer[] = [];
    const verb = runInvocation({ env, execPath }, () =>
      runCni(this.opts.loadHandlers, {
        env,
        platform: process.platform,
        readStdin: () => input,
        writeStdoutJson: (value) => stdout.push(Buffer.from(stdoutDocument(value), 'utf8')),
        writeStderrText: () => {},
        configureLog: async () => {}, // the agent's log is open, with the same options (checked above)
      }),
    );
    const timeoutMs = this.opts.requestTimeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const code = await Promise.race([verb, timedOut]).finally(() => clearTimeout(timer));
    if (code === 'timeout') {
      log.warn('agent: CNI request timed out; handed back to the front', { command: cni.CNI_COMMAND, timeoutMs });
      return refuse(`timed out after ${timeoutMs} ms`);
    }
    this.counters.served++;
    log.info('agent: CNI request served', {
      pid: process.pid,
      command: cni.CNI_COMMAND,
      containerId: cni.CNI_CONTAINERID,
      code,
      served: this.counters.served,
    });
    return { t: 'reply', code, out: Buffer.concat(stdout).toString('base64') };
  }
}

/**
 * A front that has in-cluster credentials (unusual for containerd's plugin) would have the client library read the
 * process's own KUBERNETES_SERVICE_* and token: served only when they are the agent's.
 */
function inClusterMismatch(cni: Record<string, string>): string | undefined {
  if (cni.KUBERNETES_SERVICE_HOST === undefined) return undefined;
  for (const k of ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'CONTAINER_SANDBOX_MOUNT_POINT']) {
    if (cni[k] !== process.env[k]) return k;
  }
  return undefined;
}

function refuse(reason: string): Message {
  log.info('agent: CNI request refused', { reason });
  return { t: 'refused', reason };
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
  );
}

function withoutPerRequest(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !isPerRequest(k)));
}

/**
 * The log is the agent's: one file, one level. A config that asks for another file or level (after the
 * environment's overrides, which were compared already) is run by the front itself, so its lines land where asked.
 */
function logOptionsDiffer(stdin: Buffer, env: Record<string, string>): string | undefined {
  let config: unknown;
  try {
    config = JSON.parse(stdin.toString('utf8'));
  } catch {
    return undefined; // runCni reports the bad document
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return undefined;
  const wanted = resolveLogOptions(logOptionsFrom(config as Record<string, unknown>), env);
  const mine = resolveLogOptions({}, process.env);
  if (wanted.file !== mine.file) return 'the config asks for another log file than the agent writes';
  if (wanted.level !== mine.level) return 'the config asks for another log level than the agent uses';
  return undefined;
}
