// Deleted endpoints that HNS has not finished forgetting (§7.14, option endpointDeleteLinger): for
// endpointDeleteLingerMs after a delete, their GUID cannot be created again ("blocks-create"), and with
// "still-listed" HcnEnumerateEndpoints still returns it. Open, Query and Delete already see it as gone.
import type { HostComputeEndpoint } from '../types.js';
import type { SimState } from './state.js';

export function recordDeletedEndpoint(state: SimState, endpoint: HostComputeEndpoint): void {
  const { endpointDeleteLinger: mode, endpointDeleteLingerMs: ms } = state.options;
  if (mode === 'none' || ms <= 0) return;
  state.lingering ??= {};
  state.lingering[endpoint.ID!] = { until: Date.now() + ms, endpoint };
}

/** Lingering endpoints, expired ones forgotten first. */
export function lingeringEndpoints(state: SimState): HostComputeEndpoint[] {
  if (state.lingering === undefined) return [];
  const now = Date.now();
  for (const [id, l] of Object.entries(state.lingering)) if (l.until <= now) delete state.lingering[id];
  return Object.values(state.lingering).map((l) => l.endpoint);
}

export function isLingering(state: SimState, id: string): boolean {
  return lingeringEndpoints(state).some((e) => e.ID === id);
}

/** What HcnEnumerateEndpoints lists besides the live endpoints. */
export function listedGhosts(state: SimState): HostComputeEndpoint[] {
  return state.options.endpointDeleteLinger === 'still-listed' ? lingeringEndpoints(state) : [];
}
