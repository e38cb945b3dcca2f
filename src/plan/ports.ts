// runtimeConfig `portMappings` (hostPort capability) → HCN PortMapping endpoint policies (E10): InternalPort =
// containerPort, ExternalPort = hostPort, Protocol numeric (6 TCP, 17 UDP, as hcsshim sends it), VIP = hostIP.
// Flags (LocalRoutedVip, on by default for native configs) are the config's choice: policies.ts adds them.
// A mapping HNS cannot express is an error naming it (win-bridge skips it silently; anchors.md §2.4).

import { CNI_CODE, CniError } from '../cni/errors.js';
import type { PortMapping } from '../cni/runtime-config.js';
import { isIPv4 } from '../config/address.js';
import type { PortMappingPolicy } from '../hns/types.js';

export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = { tcp: 6, udp: 17 };

/** hcsshim NatFlags: None 0, LocalRoutedVip 1, IPv6 2. */
export const NAT_FLAGS_LOCAL_ROUTED_VIP = 1;

/** A validated mapping: what the plan and the host-network rules reason about. */
export interface HostPortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
  /** '' = every host address. */
  hostIP: string;
}

function invalid(index: number, field: string, reason: string): CniError {
  return new CniError(
    CNI_CODE.INVALID_CONFIG,
    `runtimeConfig.portMappings[${index}].${field}: ${reason}`,
    JSON.stringify([{ path: `runtimeConfig.portMappings[${index}].${field}`, reason }]),
  );
}

const isPort = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;

/** Validates the runtime's mappings (keys already canonical); an absent list is no mappings. */
export function readPortMappings(mappings: readonly PortMapping[] | undefined): HostPortMapping[] {
  if (mappings === undefined) return [];
  if (!Array.isArray(mappings)) throw invalid(0, '', 'portMappings must be a list');
  return mappings.map((m, i) => {
    // The runtime's JSON, not yet typed: anything may be anywhere.
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw invalid(i, '', 'must be an object');
    if (!isPort(m.hostPort))
      throw invalid(i, 'hostPort', `must be a port number 1-65535 (got ${JSON.stringify(m.hostPort)})`);
    if (!isPort(m.containerPort)) {
      throw invalid(i, 'containerPort', `must be a port number 1-65535 (got ${JSON.stringify(m.containerPort)})`);
    }
    const protocol = typeof m.protocol === 'string' ? m.protocol.toLowerCase() : m.protocol === undefined ? 'tcp' : '';
    if (protocol !== 'tcp' && protocol !== 'udp') {
      throw invalid(i, 'protocol', `${JSON.stringify(m.protocol)} cannot be mapped by HNS (tcp and udp only)`);
    }
    const hostIP = m.hostIP === undefined || m.hostIP === '' || m.hostIP === '0.0.0.0' ? '' : m.hostIP;
    if (hostIP !== '' && (typeof hostIP !== 'string' || !isIPv4(hostIP))) {
      throw invalid(
        i,
        'hostIP',
        `${JSON.stringify(m.hostIP)} is not an IPv4 address (IPv6 host ports are not supported yet)`,
      );
    }
    return { hostPort: m.hostPort, containerPort: m.containerPort, protocol, hostIP };
  });
}

export function portMappingPolicies(mappings: readonly HostPortMapping[]): PortMappingPolicy[] {
  return mappings.map((m) => ({
    Type: 'PortMapping',
    Settings: {
      InternalPort: m.containerPort,
      ExternalPort: m.hostPort,
      Protocol: PROTOCOL_NUMBERS[m.protocol]!,
      VIP: m.hostIP,
      Flags: NAT_FLAGS_LOCAL_ROUTED_VIP,
    },
  }));
}
