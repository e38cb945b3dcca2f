// DEL: detach → delete endpoint(s) → release the address, each step idempotent. No lookup is needed: endpoint
// GUIDs derive from the attachment. Every not-found is success; the address is released only when no endpoint of
// the attachment is left (the anchors free it first and hand a live address to the next pod), and not while a
// create that ADD abandoned may still land (abandoned-creates.ts). DEL needs the IPAM store, never the subnet source.
// HCN calls: OpenNamespace + one Modify per endpoint + one Delete per endpoint (nat/l2bridge 3, transparent 5);
// with an empty CNI_NETNS only the deletes. Attachments named before the name escaping may cost 2 more per endpoint.

import { isGuid, normalizeGuid } from '../hns/guid.js';
import { log } from '../log/logger.js';
import { planDel } from '../plan/del.js';
import { settleAbandonedCreates } from './abandoned-creates.js';
import type { VerbContext } from './context.js';
import { deleteEndpoint, detachAll } from './endpoint-removal.js';
import { withHnsErrors } from './hns-errors.js';
import { removeLegacyEndpoints } from './legacy-endpoints.js';

export async function del(ctx: VerbContext): Promise<void> {
  const { req, conf } = ctx;
  let netns = req.netns;
  if (netns !== '' && !isGuid(netns)) {
    // DEL must succeed whatever is left; a netns we cannot name is one we cannot detach from.
    log.warn('DEL: CNI_NETNS is not an HCN namespace GUID; skipping the detach', { netns });
    netns = '';
  }
  netns = netns && normalizeGuid(netns);
  const plan = planDel(conf, { containerId: req.containerId, netns, ifName: req.ifName });
  const deleted = new Set<string>();
  await withHnsErrors('DEL', async () => {
    for (const step of plan.steps) {
      if (step.kind === 'detachEndpoints') await detachAll(ctx, step.namespaceId, step.requests.map(endpointIdOf));
      else if (await deleteEndpoint(ctx, step.id)) deleted.add(normalizeGuid(step.id));
    }
    await removeLegacyEndpoints(ctx, netns);
  });
  settleAbandonedCreates(ctx, deleted);
  // Only now, with every endpoint gone, may the address go back to the pool.
  await ctx.addressing.release();
  log.info('DEL: attachment removed', { endpoints: plan.steps.filter((s) => s.kind === 'deleteEndpoint').length });
}

function endpointIdOf(request: { Settings: unknown }): string {
  return (request.Settings as { EndpointId: string }).EndpointId;
}
