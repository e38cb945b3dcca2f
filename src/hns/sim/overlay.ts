// Overlay (VXLAN) networks as hcsshim's hcn types and its integration tests describe them (§4.1, §7.11): every
// subnet carries a VSID policy (its VXLAN network id), HNS adds the host's provider address and a distributed
// router MAC to the network, and remote subnets are RemoteSubnetRoute policies (checked in policy-settings.ts).
import { HR } from '../hresult.js';
import type { HostComputeNetwork, Subnet } from '../types.js';
import { fail } from './failure.js';
import { assignDrMac } from './mac-assignment.js';
import type { SimState } from './state.js';

/** The lowest VNI Windows overlay networking takes (flannel's Windows docs: "VNI must be 4096 or greater"). */
export const MIN_WINDOWS_VSID = 4096;

function vsidOf(subnet: Subnet): number | undefined {
  const p = subnet.Policies?.find((x) => x.Type === 'VSID');
  return p === undefined ? undefined : (p.Settings as { IsolationId: number }).IsolationId;
}

/** Subnets of an Overlay network: a VSID each (option overlaySubnetVsid), not below 4096 (option overlayLowVsid). */
export function checkOverlaySubnets(state: SimState, subnets: Subnet[]): void {
  for (const subnet of subnets) {
    const vsid = vsidOf(subnet);
    if (vsid === undefined) {
      if (state.options.overlaySubnetVsid === 'required') fail(HR.HCN_E_INVALID_SUBNET, '{{VSID}}');
    } else if (vsid < MIN_WINDOWS_VSID && state.options.overlayLowVsid === 'reject') {
      fail(HR.HCN_E_INVALID_POLICY, '{{VSID}}');
    }
  }
}

/** HNS adds the host's provider address and a distributed-router MAC to Overlay networks (§4.1, §7.11). */
export function addImplicitOverlayPolicies(state: SimState, network: HostComputeNetwork): void {
  const policies = network.Policies ?? [];
  if (!policies.some((p) => p.Type === 'ProviderAddress')) {
    policies.push({ Type: 'ProviderAddress', Settings: { ProviderAddress: state.options.hostAddress } });
  }
  if (!policies.some((p) => p.Type === 'DrMacAddress')) {
    policies.push({ Type: 'DrMacAddress', Settings: { Address: assignDrMac(state) } });
  }
  network.Policies = policies;
}

/** The provider address of an Overlay network (what v1 reports as ManagementIP and win-overlay's PA policy uses). */
export function providerAddressOf(network: HostComputeNetwork): string | undefined {
  const p = network.Policies?.find((x) => x.Type === 'ProviderAddress');
  return (p?.Settings as { ProviderAddress?: string } | undefined)?.ProviderAddress;
}
