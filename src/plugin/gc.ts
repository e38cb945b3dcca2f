// GC (CNI 1.1): remove hns-cni's endpoints and addresses whose attachment is not in `cni.dev/valid-attachments`
// (or libcni's legacy `cni.dev/attachments`). A GC without the list is refused (7): only an explicit `[]` says that
// nothing is valid.
// Ours only: an endpoint counts only when its GUID is derived from its own name (plan/identity.ts), so win-bridge's
// or kube-proxy's endpoints are never touched. Carries on after errors and reports them all; an address is kept
// while the endpoint that holds it could not be removed.
import { CNI_CODE, CniError } from '../cni/errors.js';
import type { Attachment } from '../cni/types.js';
import { normalizeGuid } from '../hns/guid.js';
import type { HostComputeEndpoint } from '../hns/types.js';
import { log } from '../log/logger.js';
import { endpointsOfAttachment } from '../plan/del.js';
import { attachmentOfEndpointName, isHnsCniEndpoint } from '../plan/identity.js';
import type { VerbContext } from './context.js';
import { deleteEndpoint } from './endpoint-removal.js';
import { toCniError } from './hns-errors.js';
import { networkNamesOf } from './networks.js';

export async function gc(ctx: VerbContext): Promise<void> {
  const { conf } = ctx;
  const valid = conf.validAttachments;
  if (valid === undefined) {
    // The spec's GC input always carries the list (libcni sends it whenever the runtime gives GC arguments). Without
    // it we cannot tell running pods from gone ones: refuse rather than read "nothing is valid" and wipe the node.
    throw new CniError(
      CNI_CODE.INVALID_CONFIG,
      'GC: cni.dev/valid-attachments is missing; refusing to treat every attachment as gone',
      'send the attachments that are still valid (an empty list means none is)',
    );
  }
  // A valid attachment's endpoints, under today's GUIDs and the ones given before the name escaping.
  const keep = new Set(
    valid.flatMap((a) =>
      endpointsOfAttachment(conf, a.containerID, a.ifname).flatMap((e) =>
        [e.id, e.legacyId].filter((id): id is string => id !== undefined).map(normalizeGuid),
      ),
    ),
  );
  const errors: string[] = [];
  const stillHeld: Attachment[] = [];
  let removed = 0;

  for (const network of networkNamesOf(conf)) {
    let endpoints: HostComputeEndpoint[];
    try {
      endpoints = await ctx.hcn.listEndpoints({ VirtualNetworkName: network });
    } catch (error) {
      errors.push(`listing endpoints of network ${network}: ${(error as Error).message}`);
      continue;
    }
    for (const endpoint of endpoints) {
      if (!isHnsCniEndpoint(endpoint) || keep.has(normalizeGuid(endpoint.ID!))) continue;
      try {
        await deleteEndpoint(ctx, endpoint.ID!);
        removed++;
        log.info('GC: removed endpoint of a gone attachment', { endpoint: endpoint.Name, id: endpoint.ID });
      } catch (error) {
        errors.push(`removing endpoint ${endpoint.Name}: ${(error as Error).message}`);
        const key = attachmentOfEndpointName(endpoint.Name!, network);
        if (key) stillHeld.push({ containerID: key.containerId, ifname: key.ifName });
      }
    }
  }

  if (ctx.addressing.builtin) {
    try {
      const ipam = await ctx.addressing.builtin();
      const outcome = await ipam.gc([...valid, ...stillHeld]);
      for (const e of outcome.errors) errors.push(`releasing ${e.containerId}/${e.ifName}: ${e.error}`);
      log.info('GC: IPAM', { released: outcome.released.length, errors: outcome.errors.length });
    } catch (error) {
      errors.push(`IPAM: ${(toCniError(error, 'GC') as Error).message}`);
    }
  } else if (ctx.addressing.forward) {
    await ctx.addressing
      .forward('GC')
      .catch((error: unknown) => errors.push(`IPAM plugin: ${(error as Error).message}`));
  }
  log.info('GC done', { removedEndpoints: removed, errors: errors.length });
  if (errors.length > 0) {
    throw new CniError(
      CNI_CODE.GC_INCOMPLETE,
      `GC: ${errors.length} error(s): ${errors.join('; ')}`,
      JSON.stringify(errors),
    );
  }
}
