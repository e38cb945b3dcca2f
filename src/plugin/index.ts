// The plugin behind the CNI protocol: the config is loaded and validated once (code 7 on any problem), then the
// verb's handler runs with a context holding the HCN client, the network cache and the pod's addressing. ADD, DEL
// and CHECK run under their attachment's lock (attachment-lock.ts).
import type { PluginHandlers } from '../cni/dispatch.js';
import { currentInvocation } from '../cni/invocation.js';
import type { CniRequest } from '../cni/types.js';
import { loadNetConf } from '../config/load.js';
import { logConfigNotes } from '../config/notes.js';
import type { NetConf } from '../config/types.js';
import { add } from './add.js';
import { withAttachmentLock } from './attachment-lock.js';
import { check } from './check.js';
import { openContext, type VerbContext } from './context.js';
import { del } from './del.js';
import { gc } from './gc.js';
import { toCniError } from './hns-errors.js';
import { status } from './status.js';

type Verb<T> = (ctx: VerbContext) => Promise<T>;

// Whatever a verb lets through that is not a CniError yet (a file-system error from the data directory, say) gets its
// CNI form here; only a true bug reaches the runtime as 999.
const run =
  <T>(verb: Verb<T>) =>
  async (req: CniRequest, conf: NetConf): Promise<T> => {
    let ctx: VerbContext | undefined;
    try {
      ctx = await openContext(req, conf);
      return await verb(ctx);
    } catch (error) {
      throw toCniError(error, req.verb);
    } finally {
      // Every handle the verb opened is closed before it answers (the budgets count the closes of each verb).
      await ctx?.hcn.settled();
    }
  };

/** ADD, DEL and CHECK hold their attachment's lock for the whole verb. */
const runLocked = <T>(verb: Verb<T>) => run((ctx) => withAttachmentLock(ctx, ctx.req.verb, () => verb(ctx)));

export const handlers: PluginHandlers<NetConf> = {
  loadConfig: (raw) => {
    // The executable's own file name selects an anchor's rules when hns-cni is installed as win-bridge.exe & co.
    const conf = loadNetConf(raw, { invokedAs: currentInvocation().execPath });
    logConfigNotes(conf);
    return conf;
  },
  add: runLocked(add),
  del: runLocked(del),
  check: runLocked(check),
  gc: run(gc),
  status: run(status),
};
