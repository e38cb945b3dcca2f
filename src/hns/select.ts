// Which HNS the process talks to: on Windows the real one through FFI; elsewhere the simulator (in process, on its
// state file). HNS_CNI_HCN=ffi|sim overrides — `ffi` off Windows means the C stub named by HNS_CNI_HCN_LIBRARY,
// which forwards to `hns-cni sim serve`. Each backend's module loads only when chosen.
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

export async function selectHcnClient(opts: HcnClientOptions = {}): Promise<HcnClient> {
  if (selectedBackend() === 'ffi') {
    const { createFfiAbi } = await import('./ffi/abi.js');
    return createHcnClient(createFfiAbi(), opts);
  }
  const { createSimAbi } = await import('./sim/abi.js');
  return createHcnClient(createSimAbi(), opts);
}
