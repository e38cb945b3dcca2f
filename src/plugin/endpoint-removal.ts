// Taking endpoints out of a namespace and deleting them, for DEL, ADD's rollback, GC and the legacy-name cleanup:
// idempotent (not found is done) and independent of the HRESULTs HNS picks for "not attached".
import { isHcnError, isNotFound, isRetryable } from '../hns/errors.js';
import { sameGuid } from '../hns/guid.js';
import { log } from '../log/logger.js';
import { attachRequest } from '../plan/add.js';
import type { VerbContext } from './context.js';
import { ignoreNotFound } from './hns-errors.js';

const HCN_E_ENTITY_HAS_REFERENCES = 0x803b002c;

/**
 * Removes the endpoints from the namespace (one Open, one Modify each). Which HRESULT HNS gives for removing an
 * endpoint that is not in the namespace is unknown (not found, HCN_E_ENDPOINT_NOT_ATTACHED, success...; simulator
 * option detachNotAttachedHresult), so a failed Remove is judged by HNS's view instead: an endpoint that is gone, or
 * not in this namespace, is detached whatever the answer was; one still in it makes the detach fail. The requests
 * after the failed one were never sent: they go again.
 */
export async function detachAll(ctx: VerbContext, namespaceId: string, endpointIds: string[]): Promise<void> {
  try {
    await ctx.hcn.modifyNamespace(
      namespaceId,
      endpointIds.map((id) => attachRequest(id, 'Remove')),
    );
    return;
  } catch (error) {
    if (isHcnError(error) && error.call.fn === 'HcnOpenNamespace' && isNotFound(error)) return; // namespace gone
    if (!isHcnError(error) || isRetryable(error)) throw error; // HNS unreachable or slow: nothing is known
    const failed = error.call.request ?? 0;
    if (!isNotFound(error)) {
      const endpoint = await ignoreNotFound(() => ctx.hcn.getEndpoint(endpointIds[failed]!));
      if (endpoint !== undefined && sameGuid(endpoint.HostComputeNamespace, namespaceId)) throw error;
    }
    log.info('detach: the endpoint is not in the namespace (HNS said so with an error)', {
      namespace: namespaceId,
      endpoint: endpointIds[failed],
      error: error.message,
    });
    const rest = endpointIds.slice(failed + 1);
    if (rest.length > 0) await detachAll(ctx, namespaceId, rest);
  }
}

/**
 * Deletes the endpoint; one still attached elsewhere (the pod's namespace already gone) is detached first.
 * Returns whether it existed (false: HNS said not found).
 */
export async function deleteEndpoint(ctx: VerbContext, id: string): Promise<boolean> {
  try {
    return (await ignoreNotFound(async () => ctx.hcn.deleteEndpoint(id).then(() => true))) ?? false;
  } catch (error) {
    if (!(isHcnError(error) && error.hr === HCN_E_ENTITY_HAS_REFERENCES)) throw error;
    const endpoint = await ignoreNotFound(() => ctx.hcn.getEndpoint(id));
    if (endpoint?.HostComputeNamespace) await detachAll(ctx, endpoint.HostComputeNamespace, [id]);
    return (await ignoreNotFound(async () => ctx.hcn.deleteEndpoint(id).then(() => true))) ?? false;
  }
}
