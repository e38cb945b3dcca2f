// Host-network pods (cni-contract.md §E). On Windows only HostProcess pods get the host's network, and those never
// reach a CNI plugin; any other `hostNetwork: true` pod arrives as an ordinary ADD. It is recognised by the opt-in
// annotation, which containerd passes through the `io.kubernetes.cri.pod-annotations` capability:
//
//     metadata.annotations: { "hns-cni.dev/host-network": "true" }
//
// or by the pod's spec.hostNetwork, which the executor looks up in the API server when the node has credentials
// (plugin/host-network.ts; a slow or absent API falls back to the annotation).
//
// Design 1 ("emulate", the default): the pod gets a normal endpoint in the pod network, its declared ports become
// PortMapping policies (reachable from outside and, with LocalRoutedVip, from the node itself), ports the node
// itself needs are refused (the reserved list, the NodePort range, and what a process of the node holds right now),
// and a loopback DNS server is replaced by the host's real resolvers. kubelet already hands the pod cluster DNS for
// dnsPolicy ClusterFirstWithHostNet and the host's for Default; both pass through. Design 3 ("refuse"): ADD fails
// and points the user at HostProcess pods.

import { CNI_CODE, CniError } from '../cni/errors.js';
import { getIgnoringCase } from '../cni/runtime-config.js';
import type { DnsSettings, HostNetworkSettings } from '../config/types.js';
import { replaceLoopbackResolvers } from './dns.js';
import type { HostPortMapping } from './ports.js';
import type { HostNetworkFacts } from './types.js';

export const HOST_NETWORK_ANNOTATION = 'hns-cni.dev/host-network';
export const POD_ANNOTATIONS_CAPABILITY = 'io.kubernetes.cri.pod-annotations';

/** True when the pod carries `hns-cni.dev/host-network: "true"` (annotation keys are case-sensitive). */
export function isHostNetworkPod(runtimeConfig: unknown): boolean {
  const annotations = getIgnoringCase(runtimeConfig, POD_ANNOTATIONS_CAPABILITY);
  if (typeof annotations !== 'object' || annotations === null) return false;
  const value = Object.hasOwn(annotations, HOST_NETWORK_ANNOTATION)
    ? (annotations as Record<string, unknown>)[HOST_NETWORK_ANNOTATION]
    : undefined;
  return typeof value === 'string' && value.trim().toLowerCase() === 'true';
}

export const REFUSE_MESSAGE =
  'hostNetwork is unsupported for non-HostProcess Windows pods; use securityContext.windowsOptions.hostProcess=true ' +
  `(this network's hostNetwork.mode is "refuse"; pod annotated ${HOST_NETWORK_ANNOTATION}=true)`;

export interface HostNetworkDecision {
  /** DNS after loopback replacement. */
  dns: DnsSettings;
  notes: string[];
}

/** A socket of the node that takes a host port away from a mapping (loopback-only sockets do not). */
function holderOf(
  mapping: HostPortMapping,
  inUse: NonNullable<HostNetworkFacts['portsInUse']>,
): NonNullable<HostNetworkFacts['portsInUse']>[number] | undefined {
  return inUse.find((s) => {
    if (s.protocol !== mapping.protocol || s.port !== mapping.hostPort) return false;
    if (s.address.startsWith('127.') || s.address === '::1') return false;
    const wildcard = s.address === '0.0.0.0' || s.address === '::';
    return wildcard || mapping.hostIP === '' || s.address === mapping.hostIP;
  });
}

/**
 * Applies the host-network rules to a pod that is known to be host-network. Throws CniError 107 when the pod is
 * refused: "refuse" mode, a host port the node itself uses (the scheduler cannot see those), or one a process of
 * the node holds now (named with its pid).
 */
export function applyHostNetworkRules(
  settings: HostNetworkSettings,
  mappings: readonly HostPortMapping[],
  dns: DnsSettings,
  facts: HostNetworkFacts = {},
): HostNetworkDecision {
  if (settings.mode === 'refuse') throw new CniError(CNI_CODE.HOST_NETWORK_REFUSED, REFUSE_MESSAGE);
  const clashes = mappings.filter(
    (m) =>
      settings.reservedPorts.includes(m.hostPort) ||
      (m.hostPort >= settings.nodePortRange.min && m.hostPort <= settings.nodePortRange.max),
  );
  if (clashes.length > 0) {
    const ports = clashes.map((m) => `${m.hostPort}/${m.protocol}`).join(', ');
    throw new CniError(
      CNI_CODE.HOST_NETWORK_REFUSED,
      `host-network pod declares host port(s) ${ports} that the node itself uses (reserved: ` +
        `${settings.reservedPorts.join(', ')}; NodePorts ${settings.nodePortRange.min}-${settings.nodePortRange.max}); ` +
        'change the containerPort or run the pod as a HostProcess pod',
    );
  }
  const held = mappings.flatMap((m) => {
    const holder = holderOf(m, facts.portsInUse ?? []);
    return holder === undefined ? [] : [`${m.hostPort}/${m.protocol} (pid ${holder.pid} on ${holder.address})`];
  });
  if (held.length > 0) {
    throw new CniError(
      CNI_CODE.HOST_NETWORK_REFUSED,
      `host-network pod declares host port(s) already in use on the node: ${held.join(', ')}; ` +
        'stop that process, change the containerPort or run the pod as a HostProcess pod',
      JSON.stringify({ inUse: held }),
    );
  }
  const replaced = replaceLoopbackResolvers(dns, settings.dnsServers);
  const how = facts.apiSaysHostNetwork === true ? 'spec.hostNetwork' : `${HOST_NETWORK_ANNOTATION}=true`;
  const notes = [`host-network pod (${how}): pod network with ${mappings.length} host port(s)`];
  if (replaced !== dns) {
    notes.push(
      settings.dnsServers.length > 0
        ? `loopback DNS servers replaced by ${settings.dnsServers.join(', ')}`
        : 'loopback DNS servers dropped (set hostNetwork.dnsServers to replace them)',
    );
  }
  return { dns: replaced, notes };
}
