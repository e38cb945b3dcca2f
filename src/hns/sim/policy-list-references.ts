// The endpoints a load balancer or SDN route names (its `HostComputeEndpoints`, v1's `References`), and what
// deleting one of those endpoints does to them (options policyListUnknownEndpoint, endpointDeleteWithPolicyLists).
import { sameGuid } from '../guid.js';
import { HR } from '../hresult.js';
import { fail } from './failure.js';
import { guidKey } from './lookup.js';
import type { SimState } from './state.js';

/** Endpoint GUIDs as stored (lower case); an endpoint that does not exist is refused unless the option accepts it. */
export function checkEndpointReferences(state: SimState, ids: unknown[] | undefined): string[] {
  return (ids ?? []).map((id) => {
    if (typeof id !== 'string') fail(HR.HCN_E_INVALID_JSON, '{{HostComputeEndpoints,TypeMismatch}}');
    const key = guidKey(id);
    if (state.endpoints[key] === undefined && state.options.policyListUnknownEndpoint === 'error') {
      fail(state.options.endpointNotFoundHresult);
    }
    return key;
  });
}

/** Called before an endpoint is deleted: its references are dropped, or the delete is refused (not when forced). */
export function releaseEndpointReferences(state: SimState, endpointId: string, force: boolean): void {
  const holders = [...Object.values(state.loadBalancers), ...Object.values(state.routes)].filter((o) =>
    (o.HostComputeEndpoints ?? []).some((e) => sameGuid(e, endpointId)),
  );
  if (holders.length === 0) return;
  if (!force && state.options.endpointDeleteWithPolicyLists === 'error') fail(HR.HCN_E_ENTITY_HAS_REFERENCES);
  for (const o of holders) {
    o.HostComputeEndpoints = (o.HostComputeEndpoints ?? []).filter((e) => !sameGuid(e, endpointId));
    if (o.HostComputeEndpoints.length === 0) delete o.HostComputeEndpoints;
  }
}
