// The plugin's front: a CNI verb is first offered to the node agent's CNI server (server.ts), which runs it in a
// process that is already started, and the agent's stdout document and exit code are relayed as they are. Whenever
// the agent cannot take the request — no endpoint file, nothing listening, the server fails to prove the secret, it
// refuses (another environment, other log options, timed out), or the connection drops after the request was sent
// (the agent died mid-verb) — the caller runs the verb in-process as before: the attachment lock (taken over from a
// dead holder), rollback by GUID and abandoned-create cleanup make a repeated ADD or DEL safe.
// Only node built-ins and the data directory's safety check load here: no zod, winston, planner or koffi (except
// Windows' DACL check of the data directory, which the in-process path makes too).
import { connect, type Socket } from 'node:net';
import { log } from '../log/logger.js';
import { openDataDir } from '../store/data-dir.js';
import { readEndpoint } from './endpoint-file.js';
import { cniVariables, comparedVariables } from './forwarded-env.js';
import { encodeFrame, type Message, MessageReader } from './frames.js';
import { checkProof, HANDSHAKE_MS, isNonce, newNonce, PROTOCOL, proof } from './handshake.js';

export interface AgentReply {
  code: number;
  /** The bytes the verb wrote to stdout (one JSON document and a newline, or nothing for a successful DEL). */
  out: Buffer;
}

export type FrontOutcome = { forwarded: AgentReply } | { fallback: string };

/** A verb itself may take as long as the agent's own timeout allows; this only bounds a hung agent. */
const VERB_CAP_MS = 10 * 60_000;

export async function offerToAgent(env: NodeJS.ProcessEnv, stdin: Buffer, execPath: string): Promise<FrontOutcome> {
  let dataDir: string;
  try {
    dataDir = await openDataDir();
  } catch (e) {
    return { fallback: `data directory not usable: ${(e as Error).message}` };
  }
  const endpoint = readEndpoint(dataDir);
  if (typeof endpoint === 'string') return { fallback: endpoint };
  let socket: Socket;
  try {
    socket = await open(endpoint.port);
  } catch (e) {
    return { fallback: `agent (pid ${endpoint.pid}) not reachable on port ${endpoint.port}: ${(e as Error).message}` };
  }
  const reader = new MessageReader(socket);
  let sent = false;
  try {
    const frontNonce = newNonce();
    socket.write(encodeFrame({ t: 'hello', protocol: PROTOCOL, nonce: frontNonce }));
    const challenge = await reader.next(HANDSHAKE_MS);
    const serverNonce = challenge.nonce;
    if (challenge.t !== 'challenge' || !isNonce(serverNonce) || serverNonce === frontNonce) {
      return { fallback: 'the agent port answered without a valid challenge' };
    }
    if (!checkProof(challenge.proof, endpoint.secret, 'server', frontNonce, serverNonce)) {
      return { fallback: `the process on port ${endpoint.port} does not know the agent's secret` };
    }
    socket.write(
      encodeFrame({
        t: 'request',
        proof: proof(endpoint.secret, 'front', frontNonce, serverNonce),
        cni: cniVariables(env),
        compared: comparedVariables(env),
        execPath,
        stdin: stdin.toString('base64'),
      }),
    );
    sent = true;
    return interpret(await reader.next(VERB_CAP_MS));
  } catch (e) {
    const when = sent ? 'after the request was sent (the agent may have died mid-verb)' : 'during the handshake';
    return { fallback: `agent connection failed ${when}: ${(e as Error).message}` };
  } finally {
    socket.destroy();
  }
}

function interpret(m: Message): FrontOutcome {
  if (m.t === 'reply' && Number.isInteger(m.code) && typeof m.out === 'string' && BASE64.test(m.out)) {
    return { forwarded: { code: m.code as number, out: Buffer.from(m.out, 'base64') } };
  }
  if (m.t === 'refused') return { fallback: `the agent refused: ${String(m.reason)}` };
  return { fallback: 'the agent sent an unexpected message' };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('connect timed out'));
    }, HANDSHAKE_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Logs why the verb runs in-process (written once the in-process path opens the log): at debug when no agent runs
 * (this front's reason, or the native front's `no-endpoint-file` or `no-data-dir`: none has run here yet), else as a warning.
 */
export function logFallback(reason: string): void {
  const expected = ['no agent endpoint file', 'no-endpoint-file', 'no-data-dir'].includes(reason);
  (expected ? log.debug : log.warn)('agent: running the verb in-process', { reason });
}
