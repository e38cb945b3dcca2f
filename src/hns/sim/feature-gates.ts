// What an older HNS does not have (§3.7): IPv6 on networks and endpoints before 11.10 (IPv6DualStack) and the
// VxlanPort network policy before 10.3. hcsshim only says from which version a client may use them; what such a
// build answers when a client sends them anyway is unknown, so each is an option (options.ts): refused, or quietly
// dropped. Gated on the simulated host's `hnsVersion`.
import { HR } from '../hresult.js';
import type { HostComputeNetwork, IpConfiguration, Subnet } from '../types.js';
import { parseIp, parsePrefix } from './addresses.js';
import { fail } from './failure.js';
import { parseVersion } from './options.js';
import type { SimState } from './state.js';

function atLeast(state: SimState, major: number, minor: number): boolean {
  const v = parseVersion(state.options.hnsVersion);
  return v.Major > major || (v.Major === major && v.Minor >= minor);
}

/** IPv6DualStack: HNS 11.10 and later (kube-proxy's kernelSupportsDualstack, hcsshim#1003). */
export function hasDualStack(state: SimState): boolean {
  return atLeast(state, 11, 10);
}

const isV6Subnet = (s: Subnet) => s.IpAddressPrefix !== undefined && parsePrefix(s.IpAddressPrefix)?.family === 6;

/** A network's IPv6 subnets on a build without IPv6: HCN_E_INVALID_SUBNET, or dropped (`ipv6BeforeDualStack`). */
export function gateNetworkIpv6(state: SimState, network: HostComputeNetwork): void {
  if (hasDualStack(state)) return;
  for (const ipam of network.Ipams ?? []) {
    if (!(ipam.Subnets ?? []).some(isV6Subnet)) continue;
    if (state.options.ipv6BeforeDualStack === 'reject') fail(HR.HCN_E_INVALID_SUBNET);
    ipam.Subnets = (ipam.Subnets ?? []).filter((s) => !isV6Subnet(s));
  }
}

/** An endpoint's IPv6 addresses on a build without IPv6: HCN_E_INVALID_IP, or dropped. */
export function gateEndpointIpv6(state: SimState, requested: IpConfiguration[]): IpConfiguration[] {
  if (hasDualStack(state)) return requested;
  const v6 = (c: IpConfiguration) => typeof c.IpAddress === 'string' && parseIp(c.IpAddress)?.family === 6;
  if (!requested.some(v6)) return requested;
  if (state.options.ipv6BeforeDualStack === 'reject') fail(HR.HCN_E_INVALID_IP);
  return requested.filter((c) => !v6(c));
}

/** The VxlanPort policy before 10.3: a policy type that build does not know, or dropped (`vxlanPortBeforeSupport`). */
export function gateVxlanPort(state: SimState, network: HostComputeNetwork): void {
  if (atLeast(state, 10, 3) || !(network.Policies ?? []).some((p) => p.Type === 'VxlanPort')) return;
  if (state.options.vxlanPortBeforeSupport === 'reject') fail(HR.HCN_E_INVALID_POLICY_TYPE);
  network.Policies = (network.Policies ?? []).filter((p) => p.Type !== 'VxlanPort');
  if (network.Policies.length === 0) delete network.Policies;
}
