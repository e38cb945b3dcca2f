// Which HNS the process talks to: on Windows the real one through FFI; elsewhere the simulator (in process, on its
// state file). HNS_CNI_HCN=ffi|sim overrides — `ffi` off Windows means the C stub named by HNS_CNI_HCN_LIBRARY,
// which forwards to `hns-cni sim serve`. Each backend's module loads only when chosen.
import type { HcnAbi } from './abi.js';
import type { HcnClient, HcnClientOptions } from './client.js';
import { createHcnClient } from './hcn-client.js';

export type HcnBackend = 'ffi' | 'sim';

export function selectedBackend(env: NodeJS.ProcessEnv = process.env, platform = process.platform): HcnBackend {
  const forced = env.HNS_CNI_HCN;
  if (forced === 'ffi' || forced === 'sim') return forced;
  if (forced !== undefined && forced !== '') {
    throw new Error(`HNS_CNI_HCN must be "ffi" or "sim", not ${JSON.stringify(forced)}`);
  }
  return platform === 'win32' ? 'ffi' : 'sim';
}

// One FFI ABI per process: the node agent's CNI server runs many verbs, and each must not load koffi and the
// libraries again (nor register another exit hook). The simulator's ABI is cheap and reads the environment when made
// (tests change it between calls), so it is made per client. Clients stay per verb (their timeout is the config's).
let ffiAbi: Promise<HcnAbi> | undefined;

export async function selectHcnClient(opts: HcnClientOptions = {}): Promise<HcnClient> {
  if (selectedBackend() === 'ffi') {
    ffiAbi ??= import('./ffi/abi.js').then((m) => m.createFfiAbi());
    return createHcnClient(await ffiAbi, opts);
  }
  const { createSimAbi } = await import('./sim/abi.js');
  return createHcnClient(createSimAbi(), opts);
}
