// The plugin behind the CNI protocol: the config is loaded and validated once (code 7 on any problem), then the
// verb's handler runs with a context holding the HCN client, the network cache and the pod's addressing. ADD, DEL
// and CHECK run under their attachment's lock (attachment-lock.ts).
import type { PluginHandlers } from '../cni/dispatch.js';
import type { CniRequest } from '../cni/types.js';
import { loadNetConf } from '../config/load.js';
import type { NetConf } from '../config/types.js';
import { add } from './add.js';
import { withAttachmentLock } from './attachment-lock.js';
import { check } from './check.js';
import { openContext } from './context.js';
import { del } from './del.js';
import { gc } from './gc.js';
import { status } from './status.js';

type Verb<T> = (ctx: Awaited<ReturnType<typeof openContext>>) => Promise<T>;

const run =
  <T>(verb: Verb<T>) =>
  async (req: CniRequest, conf: NetConf): Promise<T> =>
    verb(await openContext(req, conf));

const runLocked =
  <T>(verb: Verb<T>) =>
  async (req: CniRequest, conf: NetConf): Promise<T> => {
    const ctx = await openContext(req, conf);
    return withAttachmentLock(ctx, req.verb, () => verb(ctx));
  };

export const handlers: PluginHandlers<NetConf> = {
  loadConfig: (raw) => loadNetConf(raw),
  add: runLocked(add),
  del: runLocked(del),
  check: runLocked(check),
  gc: run(gc),
  status: run(status),
};
