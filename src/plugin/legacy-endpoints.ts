// Endpoints made before the endpoint names were escaped (plan/identity.ts), for the few attachments whose name
// changed with the escaping (a container id, ifname or network holding `_` or `%`). Their old GUID may be shared
// with another attachment whose old name collided, so an endpoint under an old GUID is taken as this attachment's
// only when HNS shows it in this pod's namespace, or holding the address the IPAM holds for this attachment.
// Ordinary attachments (hex container ids, eth0) never come here and pay nothing.
import { sameGuid } from '../hns/guid.js';
import type { HostComputeEndpoint } from '../hns/types.js';
import { log } from '../log/logger.js';
import { endpointsOfAttachment } from '../plan/del.js';
import type { EndpointRole } from '../plan/types.js';
import type { VerbContext } from './context.js';
import { deleteEndpoint, detachAll } from './endpoint-removal.js';
import { ignoreNotFound } from './hns-errors.js';

/** This attachment's endpoint of `role` under its old GUID, if HNS has one that is provably this attachment's. */
export async function ownLegacyEndpoint(
  ctx: VerbContext,
  role: EndpointRole,
  netns: string,
  heldAddress?: string,
): Promise<HostComputeEndpoint | undefined> {
  const { req, conf } = ctx;
  const planned = endpointsOfAttachment(conf, req.containerId, req.ifName).find((e) => e.role === role);
  if (planned?.legacyId === undefined) return undefined;
  const endpoint = await ignoreNotFound(() => ctx.hcn.getEndpoint(planned.legacyId!));
  if (endpoint === undefined) return undefined;
  const inPod = netns !== '' && sameGuid(endpoint.HostComputeNamespace, netns);
  const bare = heldAddress?.split('/')[0];
  const holdsOurAddress = bare !== undefined && (endpoint.IpConfigurations ?? []).some((c) => c.IpAddress === bare);
  return inPod || holdsOurAddress ? endpoint : undefined;
}

/** Detaches and deletes this attachment's endpoints under their old GUIDs (DEL, and ADD before it creates). */
export async function removeLegacyEndpoints(ctx: VerbContext, netns: string, heldAddress?: string): Promise<void> {
  const { req, conf } = ctx;
  const legacy = endpointsOfAttachment(conf, req.containerId, req.ifName).filter((e) => e.legacyId !== undefined);
  if (legacy.length === 0) return;
  const held = heldAddress ?? (await ctx.addressing.held())?.address;
  for (const { role } of legacy) {
    const endpoint = await ownLegacyEndpoint(ctx, role, netns, held);
    if (endpoint === undefined) continue;
    if (endpoint.HostComputeNamespace) await detachAll(ctx, endpoint.HostComputeNamespace, [endpoint.ID!]);
    await deleteEndpoint(ctx, endpoint.ID!);
    log.info('removed an endpoint named before the name escaping', { endpoint: endpoint.Name, id: endpoint.ID });
  }
}
