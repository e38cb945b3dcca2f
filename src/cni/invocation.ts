// What belongs to one CNI invocation rather than to the process: the runtime's environment, the executable's name
// (an anchor's rules when installed as win-bridge.exe), and the log's invocation id, verb and container id. A plugin
// process has one invocation and keeps it in `processInvocation`; the node agent's CNI server (agent-link/server.ts)
// runs many at once, each inside `runInvocation`, so concurrent verbs never see each other's environment or log
// context. The AsyncLocalStorage is made on first use, not in the executable's start-up snapshot.
import { AsyncLocalStorage } from 'node:async_hooks';
import { invokedPath } from './front-origin.js';

export interface Invocation {
  env: NodeJS.ProcessEnv;
  execPath: string;
  /** The log's invocation id, drawn on first use (logger.invocationId). */
  inv: string | undefined;
  verb: string;
  cid: string;
  /** Data directories already opened (checked) in this invocation: the front and the in-process path share one. */
  openedDataDirs?: Set<string>;
}

const processInvocation: Invocation = { env: process.env, execPath: '', inv: undefined, verb: '', cid: '' };
let storage: AsyncLocalStorage<Invocation> | undefined;

/** The invocation the caller runs in: the agent's request, or the process's own. */
export function currentInvocation(): Invocation {
  const own = storage?.getStore();
  if (own !== undefined) return own;
  processInvocation.env = process.env;
  processInvocation.execPath ||= invokedPath();
  return processInvocation;
}

/** The environment of the current invocation (the runtime's CNI_* variables and the rest). */
export function invocationEnv(): NodeJS.ProcessEnv {
  return currentInvocation().env;
}

/** Runs `fn` (and everything it awaits) as its own invocation. */
export async function runInvocation<T>(
  init: { env: NodeJS.ProcessEnv; execPath: string },
  fn: () => Promise<T>,
): Promise<T> {
  storage ??= new AsyncLocalStorage<Invocation>();
  return storage.run({ ...init, inv: undefined, verb: '', cid: '' }, fn);
}

/** Forgets the process's invocation (the start-up snapshot is taken after this). */
export function resetProcessInvocation(): void {
  processInvocation.inv = undefined;
  processInvocation.verb = '';
  processInvocation.cid = '';
  processInvocation.execPath = '';
  processInvocation.openedDataDirs = undefined;
}
