// The state file shared by every process that simulates HNS (plugin processes, `sim serve`, tests): each call is
// one transaction — cross-process lock, read, apply, atomic write — so concurrent one-shot processes see one HNS.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFileIfExists } from '../../store/atomic-file.js';
import { withFileLock } from '../../store/lock.js';
import { freshHostStack } from './host-stack.js';
import { DEFAULT_OPTIONS, initialOptions } from './options.js';
import { freshState, type SimState } from './state.js';

export function defaultStateFile(): string {
  return process.env.HNS_CNI_SIM_STATE || path.join(os.tmpdir(), 'hns-cni-sim', 'state.json');
}

export function readState(file: string): SimState {
  const text = readFileIfExists(file);
  if (text === undefined || text.trim() === '') return freshState();
  const state = JSON.parse(text) as SimState;
  if (state.format !== 1) throw new Error(`${file}: unsupported simulator state format ${String(state.format)}`);
  // Options and tables added after the file was written take their defaults.
  state.options = { ...DEFAULT_OPTIONS, ...state.options };
  state.loadBalancers ??= {};
  state.routes ??= {};
  state.computeSystems ??= {};
  state.accelnetMacs ??= [];
  state.hostStack ??= freshHostStack(state.options);
  return state;
}

/**
 * Runs fn on the current state under the lock and persists the state it leaves (also when fn throws). Callers of one
 * process take turns (withFileLock queues them); other processes wait on the lock directory.
 */
export function transact<T>(file: string, fn: (state: SimState) => T): Promise<T> {
  return withFileLock(file, () => applyAndSave(file, fn));
}

/**
 * Temp file + rename: a process killed mid-write (fault "kill", SIGKILL from a test) never leaves a torn file.
 * No fsync, unlike store/atomic-file.ts: the simulated HNS need not survive a power cut, and fsync per call would
 * dominate the cost of every simulated HCN call.
 */
function writeState(file: string, state: SimState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state));
  fs.renameSync(tmp, file);
}

function applyAndSave<T>(file: string, fn: (state: SimState) => T): T {
  const state = readState(file);
  try {
    return fn(state);
  } finally {
    writeState(file, state);
  }
}

/**
 * Forgets every object, handle, counter and fault (`sim reset`); options survive unless `keepOptions` is false.
 * Works on an unreadable state file too: reset is the way out of one.
 */
export function resetState(file: string, keepOptions = true): Promise<void> {
  return withFileLock(file, () => {
    let options = initialOptions();
    if (keepOptions) {
      try {
        options = readState(file).options;
      } catch {
        // corrupt file: start over with the defaults
      }
    }
    writeState(file, freshState(options));
  });
}
