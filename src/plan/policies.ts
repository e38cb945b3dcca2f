// The pod endpoint's policy list. Native configs get hns-cni's generated set (endpoint.ts l2bridgePolicies in
// l2bridge mode); a config written for an anchor plugin gets exactly the list that plugin builds, in its order, so
// nothing is applied that the anchor did not apply:
//   win-bridge (pkg/hns): the config's policies (ipMasqNetwork already merged in), port mappings, loopback DSR;
//   WCN (cni.go GetEndpointInfo, core.Add): port mappings (each followed by its inbound ACL), the AdditionalArgs
//   EndpointPolicies, loopback DSR.
import type { NetConf } from '../config/types.js';
import type { AclPolicy, EndpointPolicy, OutBoundNatPolicy, PortMappingPolicy } from '../hns/types.js';
import { l2bridgePolicies } from './endpoint.js';

/**
 * hcsshim hcn NatFlags LocalRoutedVip: without it the node cannot reach its own host ports (traffic from the host
 * stack never enters the vSwitch; Azure CNI #1863, AKS#3620), which host-network emulation and node agents need.
 * Native configs set it by default (issue 10 F4); anchor configs only where the anchor did (WCN's flag).
 */
const NAT_FLAGS_LOCAL_ROUTED_VIP = 1;
/** WCN gives every mapped port's inbound ACL this priority (cni.go: aclPriority = 1000, never incremented). */
const PORT_ACL_PRIORITY = 1000;

export interface PodPolicyInput {
  config: NetConf;
  /** The runtime's port mappings as PortMapping policies (ports.ts). */
  hostPorts: PortMappingPolicy[];
  /** The pod IP for loopback DSR, when DSR applies (plan/add.ts decides). */
  dsrDestination?: string;
}

export function podEndpointPolicies({ config, hostPorts, dsrDestination }: PodPolicyInput): EndpointPolicy[] {
  const ports = withPortMappingExtras(config, hostPorts);
  const dsr: OutBoundNatPolicy[] =
    dsrDestination === undefined ? [] : [{ Type: 'OutBoundNAT', Settings: { Destinations: [dsrDestination] } }];
  switch (config.policyLayout) {
    case 'win-bridge':
      return [...config.policies, ...ports, ...dsr];
    case 'wcn':
      return [...ports, ...config.policies, ...dsr];
    case 'generated':
      if (config.mode === 'l2bridge') {
        return l2bridgePolicies({ config, portMappings: ports, ...(dsrDestination && { dsrDestination }) });
      }
      // transparent: host ports go on the NAT endpoint, not the pod's.
      return config.mode === 'nat' ? [...config.policies, ...ports] : [...config.policies];
  }
}

/** `portMapping.localRoutedVip` sets NatFlags LocalRoutedVip; `portMapping.inboundAcl` adds WCN's allow ACL. */
export function withPortMappingExtras(config: NetConf, hostPorts: PortMappingPolicy[]): EndpointPolicy[] {
  const out: EndpointPolicy[] = [];
  for (const policy of hostPorts) {
    const settings = { ...policy.Settings };
    if (config.portMapping.localRoutedVip) settings.Flags = (settings.Flags ?? 0) | NAT_FLAGS_LOCAL_ROUTED_VIP;
    out.push({ Type: 'PortMapping', Settings: settings });
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
