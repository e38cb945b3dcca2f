// Policy-set changes of Modify requests (§5), shared by networks and endpoints. Matching is by content (UNCONFIRMED:
// hcsshim's tests only check presence after Add and absence after Remove).
import { HR } from '../hresult.js';
import { fail } from './failure.js';
import { samePolicy } from './policies.js';

/** Policy set changes shared by networks and endpoints: Add appends, Remove deletes matches, Update replaces. */
export function applyPolicyChange<P extends { Type: string; Settings?: unknown }>(
  current: P[],
  incoming: P[],
  requestType: string,
): P[] {
  switch (requestType) {
    case 'Add':
      for (const p of incoming) if (current.some((c) => samePolicy(c, p))) fail(HR.HCN_E_POLICY_ALREADY_EXISTS);
      return [...current, ...incoming];
    case 'Remove': {
      let rest = current;
      for (const p of incoming) {
        // A policy without Settings removes every policy of its Type.
        const matches = (c: P) => (p.Settings === undefined ? c.Type === p.Type : samePolicy(c, p));
        if (!rest.some(matches)) fail(HR.HCN_E_POLICY_NOT_FOUND);
        rest = rest.filter((c) => !matches(c));
      }
      return rest;
    }
    case 'Update':
      return incoming;
    default:
      fail(HR.HCN_E_REQUEST_UNSUPPORTED);
  }
}
