// Everything a verb needs, opened once per invocation: the config, the HCN client (FFI on Windows, the simulator
// elsewhere; a per-call timeout from the config), the network cache and the pod's addressing.
import { CNI_CODE, CniError } from '../cni/errors.js';
import type { CniRequest } from '../cni/types.js';
import type { NetConf } from '../config/types.js';
import type { HcnClient } from '../hns/client.js';
import { selectedBackend, selectHcnClient } from '../hns/select.js';
import { openDataDir } from '../store/data-dir.js';
import { NetworkCache } from './network-cache.js';
import type { NetworkContext } from './networks.js';
import { type PodAddressing, podAddressing } from './pod-address.js';

export interface VerbContext extends NetworkContext {
  req: CniRequest;
  addressing: PodAddressing;
}

export async function openContext(req: CniRequest, conf: NetConf): Promise<VerbContext> {
  try {
    selectedBackend();
  } catch (e) {
    throw new CniError(CNI_CODE.INVALID_ENVIRONMENT, (e as Error).message);
  }
  // Closes go out beside the verb's next call; run() (index.ts) waits for them before the verb answers.
  const hcn: HcnClient = await selectHcnClient({ timeoutMs: conf.timeouts.hnsCallMs, closeInBackground: true });
  const dataDir = await openDataDir();
  return {
    conf,
    req,
    hcn,
    dataDir,
    cache: new NetworkCache(dataDir),
    addressing: podAddressing(conf, req, hcn),
  };
}
