// Who reaches a host port (issue 10 F4). A PortMapping publishes ExternalPort on the node's addresses (or VIP) for
// traffic arriving from outside. Traffic the node itself sends to its own address never enters the vSwitch unless
// the mapping carries NatFlags LocalRoutedVip (1), which makes HNS add a route from the host stack to the vSwitch
// (Azure CNI #1863, from the Windows networking team). Whether a build honours the bit is the `localRoutedVip`
// option (WS2019 does not get the fix, AKS#3620).
import type { HostComputeEndpoint } from '../types.js';
import { portMappingOf } from './policies.js';
import type { SimState } from './state.js';

export const NAT_FLAG_LOCAL_ROUTED_VIP = 1;

export type PortSource = 'outside' | 'node';

/** The endpoint that receives `protocol`/`port` sent to the node's address from `source`, if any. */
export function hostPortTarget(
  state: SimState,
  protocol: number,
  port: number,
  source: PortSource,
): HostComputeEndpoint | undefined {
  for (const e of Object.values(state.endpoints)) {
    for (const p of e.Policies ?? []) {
      if (p.Type !== 'PortMapping') continue;
      const key = portMappingOf(p);
      if (key.protocol !== protocol || key.externalPort !== port) continue;
      if (source === 'outside') return e;
      const flags = Number((p.Settings as { Flags?: unknown } | undefined)?.Flags ?? 0);
      const localRouted = (flags & NAT_FLAG_LOCAL_ROUTED_VIP) !== 0;
      if (localRouted && state.options.localRoutedVip === 'honoured') return e;
    }
  }
  return undefined;
}
