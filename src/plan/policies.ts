// The pod endpoint's policy list. Native configs get hns-cni's generated set (endpoint.ts generatedPolicies in
// l2bridge and overlay modes); a config written for an anchor plugin gets exactly the list that plugin builds, in
// its order, so nothing is applied that the anchor did not apply:
//   win-bridge (pkg/hns): the config's policies (ipMasqNetwork already merged in), port mappings, loopback DSR;
//   win-overlay (win-overlay_windows.go): the config's policies, then with ApiVersion 2 loopback DSR, the network's
//   provider address (ApplyDefaultPAPolicy) and with ipMasq the network's subnet as an OutBoundNAT exception
//   (ApplyOutboundNatPolicy); with ApiVersion 1 the same with DSR last; port mappings, which win-overlay drops
//   (#530), come before DSR as in win-bridge;
//   WCN (cni.go GetEndpointInfo, core.Add): port mappings (each followed by its IPv6 copy under dual-stack and its
//   inbound ACL), the AdditionalArgs EndpointPolicies, loopback DSR.
// A dual-stack pod's port mappings get an IPv6 copy (NatFlags IPv6, no VIP), as WCN and Azure CNI add it.
import type { NetConf } from '../config/types.js';
import type {
  AclPolicy,
  EndpointPolicy,
  HostComputeNetwork,
  OutBoundNatPolicy,
  PortMappingPolicy,
} from '../hns/types.js';
import { generatedPolicies } from './endpoint.js';
import { providerAddressOf } from './network.js';

/**
 * hcsshim hcn NatFlags LocalRoutedVip: without it the node cannot reach its own host ports (traffic from the host
 * stack never enters the vSwitch; Azure CNI #1863, AKS#3620), which host-network emulation and node agents need.
 * Native configs set it by default (issue 10 F4); anchor configs only where the anchor did (WCN's flag).
 */
const NAT_FLAGS_LOCAL_ROUTED_VIP = 1;
/** hcsshim hcn NatFlagsIPv6: the mapping's IPv6 copy. */
const NAT_FLAGS_IPV6 = 2;
/** WCN gives every mapped port's inbound ACL this priority (cni.go: aclPriority = 1000, never incremented). */
const PORT_ACL_PRIORITY = 1000;

export interface PodPolicyInput {
  config: NetConf;
  /** The runtime's port mappings as PortMapping policies (ports.ts). */
  hostPorts: PortMappingPolicy[];
  /** The pod IP for loopback DSR, when DSR applies (plan/add.ts decides). */
  dsrDestination?: string;
  /** The pod has an IPv6 address. */
  ipv6: boolean;
  /** The pod network as HNS reports it (win-overlay reads its provider address and subnet); null: not created yet. */
  podNetwork: HostComputeNetwork | null;
  /** Overlay: the provider address of the generated ProviderAddress policy (the node's IP). */
  providerAddress?: string;
}

export function podEndpointPolicies(input: PodPolicyInput): EndpointPolicy[] {
  const { config, hostPorts, dsrDestination, ipv6 } = input;
  const ports = withPortMappingExtras(config, hostPorts, ipv6);
  const dsr: OutBoundNatPolicy[] =
    dsrDestination === undefined ? [] : [{ Type: 'OutBoundNAT', Settings: { Destinations: [dsrDestination] } }];
  switch (config.policyLayout) {
    case 'win-bridge':
      return [...config.policies, ...ports, ...dsr];
    case 'win-overlay':
      return winOverlayPolicies(config, input.podNetwork, ports, dsr);
    case 'wcn':
      return [...ports, ...config.policies, ...dsr];
    case 'generated':
      if (config.mode === 'l2bridge' || config.mode === 'overlay') {
        return generatedPolicies({
          config,
          portMappings: ports,
          ipv6,
          ...(dsrDestination && { dsrDestination }),
          ...(input.providerAddress !== undefined && { providerAddress: input.providerAddress }),
          ...(networkSubnet(input.podNetwork) !== undefined && { networkSubnet: networkSubnet(input.podNetwork)! }),
        });
      }
      // transparent: host ports go on the NAT endpoint, not the pod's.
      return config.mode === 'nat' ? [...config.policies, ...ports] : [...config.policies];
  }
}

/** win-overlay's list (see the header): its ApplyDefaultPAPolicy and ApplyOutboundNatPolicy against the network. */
function winOverlayPolicies(
  config: NetConf,
  network: HostComputeNetwork | null,
  ports: EndpointPolicy[],
  dsr: EndpointPolicy[],
): EndpointPolicy[] {
  const extras: EndpointPolicy[] = [];
  const pa = providerAddressOf(network);
  const listsPa = config.policies.some(
    (p) => p.Type === 'ProviderAddress' && (p.Settings as { ProviderAddress?: unknown }).ProviderAddress === pa,
  );
  if (pa !== undefined && !listsPa) extras.push({ Type: 'ProviderAddress', Settings: { ProviderAddress: pa } });
  const subnet = networkSubnet(network);
  if (config.compat.ipMasq === true && subnet !== undefined) {
    const listed = config.policies.some(
      (p) =>
        p.Type === 'OutBoundNAT' &&
        ((p.Settings as { Exceptions?: unknown }).Exceptions as unknown[] | undefined)?.includes(subnet),
    );
    if (!listed) extras.push({ Type: 'OutBoundNAT', Settings: { Exceptions: [subnet] } });
  }
  // ApiVersion 2 applies loopback DSR while it builds the endpoint (processEndpointArgs), before PA and ipMasq.
  return config.compat.apiVersion === 2
    ? [...config.policies, ...dsr, ...extras, ...ports]
    : [...config.policies, ...extras, ...ports, ...dsr];
}

/** The network's first subnet as HNS reports it (win-overlay: `Subnets[0].AddressPrefix`). */
function networkSubnet(network: HostComputeNetwork | null): string | undefined {
  return network?.Ipams?.[0]?.Subnets?.[0]?.IpAddressPrefix;
}

/**
 * `portMapping.localRoutedVip` sets NatFlags LocalRoutedVip; a dual-stack pod gets an IPv6 copy of each mapping
 * that is not bound to an IPv4 host address (WCN copies every one); `portMapping.inboundAcl` adds WCN's allow ACL.
 */
export function withPortMappingExtras(config: NetConf, hostPorts: PortMappingPolicy[], ipv6 = false): EndpointPolicy[] {
  const out: EndpointPolicy[] = [];
  for (const policy of hostPorts) {
    const settings = { ...policy.Settings };
    if (config.portMapping.localRoutedVip) settings.Flags = (settings.Flags ?? 0) | NAT_FLAGS_LOCAL_ROUTED_VIP;
    out.push({ Type: 'PortMapping', Settings: settings });
    const copyToIpv6 = ipv6 && (config.policyLayout === 'wcn' || (settings.VIP ?? '') === '');
    if (copyToIpv6) {
      out.push({
        Type: 'PortMapping',
        Settings: { ...settings, VIP: '', Flags: (settings.Flags ?? 0) | NAT_FLAGS_IPV6 },
      });
    }
    if (config.portMapping.inboundAcl) {
      const acl: AclPolicy = {
        Type: 'ACL',
        Settings: {
          Protocols: String(settings.Protocol),
          Action: 'Allow',
          Direction: 'In',
          LocalPorts: String(settings.InternalPort),
          Priority: PORT_ACL_PRIORITY,
        },
      };
      out.push(acl);
    }
  }
  return out;
}
