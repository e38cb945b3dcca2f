// DEL: detach → delete endpoint(s) → release the address, each step idempotent. No lookup is needed: endpoint
// GUIDs derive from the attachment. Every not-found is success; the address is released only when no endpoint of
// the attachment is left (the anchors free it first and hand a live address to the next pod).
// HCN calls: OpenNamespace + one Modify per endpoint + one Delete per endpoint (nat/l2bridge 3, transparent 5);
// with an empty CNI_NETNS only the deletes.

import { isHcnError, isNotFound } from '../hns/errors.js';
import { isGuid, normalizeGuid } from '../hns/guid.js';
import { log } from '../log/logger.js';
import { attachRequest } from '../plan/add.js';
import { planDel } from '../plan/del.js';
import type { VerbContext } from './context.js';
import { ignoreNotFound, withHnsErrors } from './hns-errors.js';

const HCN_E_ENTITY_HAS_REFERENCES = 0x803b002c;

export async function del(ctx: VerbContext): Promise<void> {
  const { req, conf } = ctx;
  let netns = req.netns;
  if (netns !== '' && !isGuid(netns)) {
    // DEL must succeed whatever is left; a netns we cannot name is one we cannot detach from.
    log.warn('DEL: CNI_NETNS is not an HCN namespace GUID; skipping the detach', { netns });
    netns = '';
  }
  const plan = planDel(conf, {
    containerId: req.containerId,
    netns: netns && normalizeGuid(netns),
    ifName: req.ifName,
  });
  await withHnsErrors('DEL', async () => {
    for (const step of plan.steps) {
      if (step.kind === 'detachEndpoints') await detachAll(ctx, step.namespaceId, step.requests.map(endpointIdOf));
      else await deleteEndpoint(ctx, step.id);
    }
  });
  // Only now, with every endpoint gone, may the address go back to the pool.
  await ctx.addressing.release();
  log.info('DEL: attachment removed', { endpoints: plan.steps.filter((s) => s.kind === 'deleteEndpoint').length });
}

function endpointIdOf(request: { Settings: unknown }): string {
  return (request.Settings as { EndpointId: string }).EndpointId;
}

/** One Modify per endpoint in one open namespace; endpoints that are not (or no longer) attached are skipped. */
async function detachAll(ctx: VerbContext, namespaceId: string, endpointIds: string[]): Promise<void> {
  try {
    await ctx.hcn.modifyNamespace(
      namespaceId,
      endpointIds.map((id) => attachRequest(id, 'Remove')),
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
    if (isHcnError(error) && error.call.fn === 'HcnOpenNamespace') return; // the namespace is gone: nothing to detach
    // One endpoint was not in the namespace; detach the others one by one (rare: a half-done ADD or DEL).
    if (endpointIds.length === 1) return;
    for (const id of endpointIds) {
      await ignoreNotFound(() => ctx.hcn.modifyNamespace(namespaceId, [attachRequest(id, 'Remove')]));
    }
  }
}

/** Deletes the endpoint; one still attached elsewhere (the pod's namespace already gone) is detached first. */
export async function deleteEndpoint(ctx: VerbContext, id: string): Promise<void> {
  try {
    await ignoreNotFound(() => ctx.hcn.deleteEndpoint(id));
  } catch (error) {
    if (!(isHcnError(error) && error.hr === HCN_E_ENTITY_HAS_REFERENCES)) throw error;
    const endpoint = await ignoreNotFound(() => ctx.hcn.getEndpoint(id));
    if (endpoint?.HostComputeNamespace) await detachAll(ctx, endpoint.HostComputeNamespace, [id]);
    await ignoreNotFound(() => ctx.hcn.deleteEndpoint(id));
  }
}
