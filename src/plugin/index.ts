// Placeholder handlers: the protocol core (src/cni/) is complete, the verbs are not yet. The integrator replaces
// this module with the real handlers (one per verb); until then every verb answers with a well-formed CNI error.
import type { PluginHandlers } from '../cni/dispatch.js';
import { CNI_CODE, CniError } from '../cni/errors.js';
import { baseNetConfSchema, parseConfig } from '../cni/netconf.js';
import type { CniVerb } from '../cni/types.js';

function notImplemented(verb: CniVerb): never {
  throw new CniError(CNI_CODE.PLUGIN_UNAVAILABLE, `${verb} is not implemented yet`);
}

export const handlers: PluginHandlers = {
  // The standard fields only (strict): enough for the protocol's code-7 path until src/config/ provides the schema.
  loadConfig: (raw) => parseConfig(baseNetConfSchema, raw),
  add: async () => notImplemented('ADD'),
  del: async () => notImplemented('DEL'),
  check: async () => notImplemented('CHECK'),
  gc: async () => notImplemented('GC'),
  status: async () => notImplemented('STATUS'),
};
