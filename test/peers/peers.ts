// The peers stage's harness: runs the peer programs (shared/peers/PEERS.md) under Wine against `sim serve`, and
// reads and resets the simulated HNS in process, on the state file the server uses (the same transactions as
// `hns-cni sim reset|options`, without a process per call).
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { HcnClient } from '../../src/hns/client.js';
import { createHcnClient } from '../../src/hns/hcn-client.js';
import { createSimAbi } from '../../src/hns/sim/abi.js';
import { createComputeSystem } from '../../src/hns/sim/compute-systems.js';
import type { SimOptions } from '../../src/hns/sim/options.js';
import type { SimState } from '../../src/hns/sim/state.js';
import { readState, resetState, transact } from '../../src/hns/sim/state-file.js';
import { type Ran, stage, wineRun } from '../wine/stage.js';
import type { PeersStageInfo } from './global-setup.js';

export function peers(): PeersStageInfo {
  return inject('peersStage');
}

/** A peer program under Wine, with the stub DLLs pointed at `sim serve`; stdin through a pipe (PEERS.md). */
export function runPeer(
  program: string,
  args: string[],
  opts: { env?: Record<string, string>; stdin?: string; timeoutSec?: number; what?: string } = {},
): Ran {
  const env = { HNS_CNI_STUB_ADDR: stage().stubAddr, ...opts.env };
  return wineRun(
    Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    `${peers().windowsDir}\\${program}`,
    args,
    opts.what ?? `${program} ${args[0] ?? ''}`.trim(),
    opts.timeoutSec ?? 90,
    opts.stdin ?? '',
  );
}

/** Forgets every object, handle and counter; options back to their defaults, then `options` applied. */
export async function resetSimulator(options: Partial<SimOptions> = {}): Promise<void> {
  const file = stage().simState;
  await resetState(file, false);
  if (Object.keys(options).length > 0) await transact(file, (s) => Object.assign(s.options, options));
}

export function simState(): SimState {
  return readState(stage().simState);
}

/** A container as the runtime creates it in HCS (what `hns-cni sim container --create` does). */
export async function createContainer(id: string, owner = 'docker'): Promise<void> {
  await transact(stage().simState, (s) => {
    createComputeSystem(s, id, owner);
  });
}

/** The simulated HNS through the project's own client, in process (for set-up, like flannel or containerd). */
export function hcn(): HcnClient {
  return createHcnClient(createSimAbi({ stateFile: stage().simState }));
}

/** A v1 API request (vmcompute.dll!HNSCall), in process: the `Output` of a successful answer. */
export async function hnsCallV1<T>(method: string, path: string, request = ''): Promise<T> {
  const reply = await createSimAbi({ stateFile: stage().simState }).invoke({ fn: 'HNSCall', method, path, request });
  const answer = JSON.parse(reply.output ?? '{}') as { Success?: boolean; Output?: T; Error?: string };
  if (reply.hr !== 0 || answer.Success !== true) {
    throw new Error(`HNSCall ${method} ${path}: hr ${reply.hr}, ${reply.output ?? reply.errorRecord}`);
  }
  return answer.Output as T;
}

/** One line of the stage's figures, printed at the end of the run and kept in the run's scratch dir. */
export function report(line: string): void {
  process.stderr.write(`[peers-stage] ${line}\n`);
  appendFileSync(join(stage().runDir, 'peers-figures.txt'), `${line}\n`);
}
