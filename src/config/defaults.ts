// Defaults that are computed rather than constant. Each is deterministic: the same config always yields the same
// value, on every node and every invocation, so a later ADD finds (and accepts) what the first one created.
import { cidrsOverlap, nthAddress } from './address.js';

export const DEFAULT_HNS_CALL_TIMEOUT_MS = 30_000;
/**
 * Ports a node's own agents and services commonly hold (issue 13's list): 22, 53, 80, 443, the API server 6443,
 * 9099, 9890, kubelet 10250 and kube-proxy's health 10256 (cni-contract.md §D). The NodePort range comes on top.
 */
export const DEFAULT_RESERVED_HOST_PORTS: readonly number[] = [22, 53, 80, 443, 6443, 9099, 9890, 10250, 10256];
/** How long ADD waits for the API server to say whether a pod is host-network before using the annotation alone. */
export const DEFAULT_HOST_NETWORK_API_TIMEOUT_MS = 2_000;
export const DEFAULT_NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

export function defaultNatNetworkName(network: string): string {
  return `${network}-nat`;
}

/**
 * The NAT network's subnet when none is configured: the first /20 of 172.16.0.0/12, scanning from 172.24.0.0, that
 * overlaps none of `avoid` (cluster, service, node and pod prefixes, routes). The scan starts past 172.16.0.0/16 and
 * 172.17.0.0/16, where Docker's `nat` network and bridge usually sit, and wraps around. A /20 holds 4094 endpoints,
 * far more than a node runs. Returns undefined when every candidate overlaps (the operator must then set it).
 */
export function chooseNatSubnet(avoid: readonly string[]): string | undefined {
  const base = 172 * 2 ** 24 + 16 * 2 ** 16; // 172.16.0.0
  const count = 256; // /20s in a /12
  const start = 128; // 172.24.0.0 = 172.16.0.0 + 128 × 4096
  for (let i = 0; i < count; i++) {
    const index = (start + i) % count;
    const n = base + index * 4096;
    const candidate = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.0/20`;
    if (!avoid.some((prefix) => cidrsOverlap(candidate, prefix))) return candidate;
  }
  return undefined;
}

/** A subnet's conventional gateway: its first host address. */
export function firstHost(subnet: string): string {
  return nthAddress(subnet, 1);
}

/** hns-cni's own settings that every family shares, with their defaults (the anchors have none of them). */
export function sharedDefaults(input: {
  hostNetwork?: {
    mode?: 'emulate' | 'refuse';
    dnsServers?: string[];
    reservedPorts?: number[];
    nodePortRange?: { min: number; max: number };
    detect?: 'annotation' | 'api';
    kubeconfig?: string;
    apiTimeoutMs?: number;
    checkPortsInUse?: boolean;
  };
  timeouts?: { hnsCallMs?: number };
  log?: { file?: string; level?: 'error' | 'warn' | 'info' | 'debug' };
}) {
  const range = input.hostNetwork?.nodePortRange ?? DEFAULT_NODE_PORT_RANGE;
  return {
    hostNetwork: {
      mode: input.hostNetwork?.mode ?? 'emulate',
      dnsServers: input.hostNetwork?.dnsServers ?? [],
      reservedPorts: input.hostNetwork?.reservedPorts ?? [...DEFAULT_RESERVED_HOST_PORTS],
      nodePortRange: { min: range.min, max: range.max },
      detect: input.hostNetwork?.detect ?? 'auto',
      ...(input.hostNetwork?.kubeconfig !== undefined && { kubeconfig: input.hostNetwork.kubeconfig }),
      apiTimeoutMs: input.hostNetwork?.apiTimeoutMs ?? DEFAULT_HOST_NETWORK_API_TIMEOUT_MS,
      checkPortsInUse: input.hostNetwork?.checkPortsInUse ?? true,
    },
    timeouts: { hnsCallMs: input.timeouts?.hnsCallMs ?? DEFAULT_HNS_CALL_TIMEOUT_MS },
    log: { ...(input.log?.file !== undefined && { file: input.log.file }), level: input.log?.level ?? 'info' },
  } as const;
}
