// The in-process simulator backend: an HcnAbi whose calls run against the shared state file (HNS_CNI_SIM_STATE),
// so separate plugin processes see one simulated HNS.
import type { AbiCall, AbiReply, HcnAbi } from '../abi.js';
import { faultsFromEnv } from './instrumentation.js';
import { invokeSim } from './invoke.js';
import { defaultStateFile } from './state-file.js';

export interface SimAbiOptions {
  /** Defaults to HNS_CNI_SIM_STATE, else <tmpdir>/hns-cni-sim/state.json. */
  stateFile?: string;
}

export function createSimAbi(opts: SimAbiOptions = {}): HcnAbi {
  const file = opts.stateFile ?? defaultStateFile();
  const localFaults = faultsFromEnv();
  return {
    kind: 'sim',
    async invoke(call: AbiCall): Promise<AbiReply> {
      const { reply, kill } = await invokeSim(file, call, { localFaults });
      // Fault "kill": the plugin process dies mid-call, as if containerd's timeout or the OOM killer struck.
      if (kill) process.kill(process.pid, 'SIGKILL');
      return reply;
    },
  };
}
