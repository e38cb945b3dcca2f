// Where the node agent's CNI server listens: `<data dir>/agent-cni.json` = {port, pid, secret}. It lives in the
// private data directory (store/data-dir.ts: SYSTEM and Administrators only, refused when others can write there)
// and is written 0600, so only a process that could run the plugin's verbs anyway can learn the secret. A new
// secret is drawn at every agent start; a stale file (the agent died) only costs the front a refused connection.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../store/atomic-file.js';

export const ENDPOINT_FILE = 'agent-cni.json';

export interface AgentEndpoint {
  port: number;
  pid: number;
  /** 32 bytes, hex. */
  secret: string;
}

export function endpointFile(dataDir: string): string {
  return path.join(dataDir, ENDPOINT_FILE);
}

export function writeEndpoint(dataDir: string, endpoint: AgentEndpoint): void {
  writeFileAtomic(endpointFile(dataDir), `${JSON.stringify(endpoint)}\n`);
}

/** The endpoint, or a reason why there is none usable (no agent, or a file that is not ours). */
export function readEndpoint(dataDir: string): AgentEndpoint | string {
  let text: string | undefined;
  try {
    text = readFileIfExists(endpointFile(dataDir));
  } catch (e) {
    return `cannot read ${ENDPOINT_FILE}: ${(e as Error).message}`;
  }
  if (text === undefined) return 'no agent endpoint file';
  try {
    const v = JSON.parse(text) as Partial<AgentEndpoint>;
    if (
      Number.isInteger(v.port) &&
      (v.port as number) > 0 &&
      (v.port as number) < 65536 &&
      Number.isInteger(v.pid) &&
      typeof v.secret === 'string' &&
      /^[0-9a-f]{64}$/.test(v.secret)
    ) {
      return { port: v.port as number, pid: v.pid as number, secret: v.secret };
    }
  } catch {
    // reported below
  }
  return `${ENDPOINT_FILE} is malformed`;
}

/** Removes the file if it is still this agent's (a newer agent may have replaced it). */
export function removeEndpoint(dataDir: string, pid: number): void {
  const current = readEndpoint(dataDir);
  if (typeof current !== 'string' && current.pid !== pid) return;
  fs.rmSync(endpointFile(dataDir), { force: true });
}
