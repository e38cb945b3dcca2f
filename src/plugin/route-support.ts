// Does this node's HNS keep an endpoint's non-default routes (issue 10 F2)? Builds before endpoint route support
// keep only the default route (WCN#116), and a transparent pod would then send its cluster traffic out through
// WinNAT. hns-cni learns the answer once per pod network: the first ADD that creates an endpoint with such routes
// reads it back (one HcnQueryEndpointProperties), and the answer is kept in the network cache under the network's
// ID. Later ADDs cost nothing more; on a node that drops routes they are refused before anything is created, and
// after DROPPED_ROUTES_TTL_MS the next ADD probes again (an OS update may have brought route support).

import type { HostComputeEndpoint } from '../hns/types.js';
import { log } from '../log/logger.js';
import { nonDefaultRoutes, routesDroppedError } from '../plan/endpoint.js';
import type { CreateEndpointStep } from '../plan/types.js';
import type { VerbContext } from './context.js';

/** True when creating this endpoint should read it back to learn whether HNS keeps its routes. */
export function needsRouteProbe(ctx: VerbContext, step: CreateEndpointStep): boolean {
  if (step.role !== 'pod' || nonDefaultRoutes(step.document.Routes).length === 0) return false;
  return ctx.cache.routeSupport(step.networkId) === undefined;
}

/** Records what HNS kept; throws the refusal when it dropped a planned route (the caller rolls back). */
export function recordRouteProbe(ctx: VerbContext, step: CreateEndpointStep, created: HostComputeEndpoint): void {
  const kept = created.Routes ?? [];
  const dropped = nonDefaultRoutes(step.document.Routes).filter(
    (want) => !kept.some((r) => r.DestinationPrefix === want.DestinationPrefix && r.NextHop === want.NextHop),
  );
  ctx.cache.setRouteSupport(step.networkId, dropped.length === 0 ? 'kept' : 'dropped');
  if (dropped.length === 0) return;
  log.error('HNS dropped the endpoint routes other than the default; refusing the pod', {
    endpoint: step.name,
    dropped,
  });
  throw routesDroppedError(ctx.conf.network, dropped);
}
