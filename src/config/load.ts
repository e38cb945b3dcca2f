// loadNetConf: stdin document → NetConf, fully defaulted and validated. Every problem is a CniError 7 whose msg
// lists each issue as `<json path>: <reason>`, all at once, so an operator fixes a config in one round.

import { CNI_CODE, CniError } from '../cni/errors.js';
import { type ConfigIssue, describeIssues } from '../cni/netconf.js';
import { normalizeRuntimeConfig } from '../cni/runtime-config.js';
import { isDelegatedIpam } from '../ipam/config.js';
import { canonicalCidr, cidrsOverlap, hostRoute, subnetContains } from './address.js';
import {
  chooseNatSubnet,
  DEFAULT_HNS_CALL_TIMEOUT_MS,
  DEFAULT_HOST_NETWORK_API_TIMEOUT_MS,
  DEFAULT_NODE_PORT_RANGE,
  DEFAULT_RESERVED_HOST_PORTS,
  defaultNatNetworkName,
  firstHost,
} from './defaults.js';
import { type NetConfInput, type NetworkMode, netConfInputSchema } from './schema.js';
import type { NatNetworkSettings, NetConf } from './types.js';
import { normalizeCompatKeys, translateCompatPolicies } from './winbridge.js';

export function loadNetConf(raw: unknown): NetConf {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throwIssues([{ path: '(root)', reason: 'the network configuration must be a JSON object' }]);
  }
  const parsed = netConfInputSchema.safeParse(normalizeCompatKeys(raw as Record<string, unknown>));
  if (!parsed.success) throwIssues(describeIssues(parsed.error.issues));
  const input = parsed.data;
  const issues: ConfigIssue[] = [];
  const mode = (input.mode ?? 'l2bridge') as NetworkMode;

  const translated = translateCompatPolicies(input.policies, input.HcnPolicyArgs);
  issues.push(...translated.issues);
  issues.push(...modeRuleIssues(input, mode));

  const network = input.network ?? input.name;
  const clusterCIDR = input.clusterCIDR ?? input.ipMasqNetwork;
  const natNetwork = resolveNatNetwork(input, network, clusterCIDR, issues);
  const range = input.hostNetwork?.nodePortRange ?? DEFAULT_NODE_PORT_RANGE;
  if (range.min > range.max) {
    issues.push({ path: 'hostNetwork.nodePortRange', reason: `min ${range.min} is greater than max ${range.max}` });
  }
  if (issues.length > 0) throwIssues(issues);

  const exceptions = unique([
    ...(input.outboundNAT?.exceptions ?? []),
    ...(input.ipMasqNetwork ? [input.ipMasqNetwork] : []),
  ]);
  return {
    cniVersion: input.cniVersion,
    name: input.name,
    type: input.type,
    mode,
    network,
    ...(clusterCIDR !== undefined && { clusterCIDR: canonicalCidr(clusterCIDR) }),
    ...(input.serviceCIDR !== undefined && { serviceCIDR: canonicalCidr(input.serviceCIDR) }),
    ...(input.adapter !== undefined && { adapter: input.adapter }),
    ...(input.nodeIP !== undefined && { nodeIP: input.nodeIP }),
    ...(input.nodeSubnet !== undefined && { nodeSubnet: canonicalCidr(input.nodeSubnet) }),
    ...(input.gateway !== undefined && { gateway: input.gateway }),
    natNetwork,
    outboundNAT: { enabled: input.outboundNAT?.enabled ?? true, exceptions },
    loopbackDSR: input.loopbackDSR ?? false,
    routes: (input.routes ?? []).map((r) => ({ dst: canonicalCidr(r.dst), ...(r.gw !== undefined && { gw: r.gw }) })),
    dns: {
      nameservers: input.dns?.nameservers ?? [],
      ...(input.dns?.domain !== undefined && { domain: input.dns.domain }),
      search: input.dns?.search ?? [],
      options: input.dns?.options ?? [],
    },
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
    policies: translated.policies,
    capabilities: input.capabilities ?? {},
    runtimeConfig: normalizeRuntimeConfig(input.runtimeConfig),
    ...(input.ipam !== undefined && { ipam: input.ipam }),
    timeouts: { hnsCallMs: input.timeouts?.hnsCallMs ?? DEFAULT_HNS_CALL_TIMEOUT_MS },
    log: { ...(input.log?.file !== undefined && { file: input.log.file }), level: input.log?.level ?? 'info' },
    ...(input['cni.dev/valid-attachments'] !== undefined && { validAttachments: input['cni.dev/valid-attachments'] }),
    ...(input.prevResult !== undefined && { prevResult: input.prevResult }),
    compat: {
      ...(input.apiVersion !== undefined && { apiVersion: input.apiVersion }),
      ...(input.ipMasq !== undefined && { ipMasq: input.ipMasq }),
      ...(input.ipMasqNetwork !== undefined && { ipMasqNetwork: canonicalCidr(input.ipMasqNetwork) }),
    },
  };
}

/** Fields that only make sense in some modes are refused elsewhere rather than ignored. */
function modeRuleIssues(input: NetConfInput, mode: NetworkMode): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (mode === 'transparent') {
    for (const key of ['clusterCIDR', 'serviceCIDR'] as const) {
      if (input[key] === undefined) {
        issues.push({
          path: key,
          reason: `required in transparent mode: pods reach it through a static route on the pod network`,
        });
      }
    }
    if (input.ipam === undefined) {
      issues.push({
        path: 'ipam',
        reason: 'required in transparent mode: HNS assigns no addresses on Transparent networks',
      });
    }
  }
  if (mode !== 'l2bridge') {
    if (input.loopbackDSR === true) {
      issues.push({ path: 'loopbackDSR', reason: `applies to l2bridge mode only (mode is ${mode})` });
    }
    if (input.outboundNAT !== undefined) {
      issues.push({
        path: 'outboundNAT',
        reason: `applies to l2bridge mode only: in ${mode} mode outbound traffic leaves through the NAT network`,
      });
    }
  }
  if (mode === 'l2bridge' && input.natNetwork !== undefined) {
    issues.push({ path: 'natNetwork', reason: 'applies to transparent and nat modes only' });
  }
  const builtinSubnet = builtinIpamSubnet(input);
  if (input.gateway !== undefined && builtinSubnet !== undefined && !subnetContains(builtinSubnet, input.gateway)) {
    issues.push({ path: 'gateway', reason: `${input.gateway} is outside the pod subnet ${builtinSubnet}` });
  }
  return issues;
}

function resolveNatNetwork(
  input: NetConfInput,
  network: string,
  clusterCIDR: string | undefined,
  issues: ConfigIssue[],
): NatNetworkSettings {
  const name = input.natNetwork?.name ?? defaultNatNetworkName(network);
  const configured = input.natNetwork?.subnet;
  const avoid = [
    clusterCIDR,
    input.serviceCIDR,
    input.nodeSubnet,
    input.nodeIP === undefined ? undefined : hostRoute(input.nodeIP),
    builtinIpamSubnet(input),
    ...(input.routes ?? []).map((r) => r.dst),
  ].filter((p): p is string => p !== undefined);
  if (configured !== undefined) {
    const clash = avoid.find((p) => cidrsOverlap(configured, p));
    if (clash !== undefined) {
      issues.push({ path: 'natNetwork.subnet', reason: `${configured} overlaps ${clash}` });
    }
    const subnet = canonicalCidr(configured);
    return { name, subnet, gateway: firstHost(subnet), subnetSource: 'config' };
  }
  const chosen = chooseNatSubnet(avoid);
  if (chosen === undefined) {
    issues.push({
      path: 'natNetwork.subnet',
      reason: 'every /20 of 172.16.0.0/12 overlaps a configured prefix; set natNetwork.subnet explicitly',
    });
    return { name, subnet: '0.0.0.0/32', gateway: '0.0.0.0', subnetSource: 'auto' };
  }
  return { name, subnet: chosen, gateway: firstHost(chosen), subnetSource: 'auto' };
}

/** The pod subnet when the config states it (built-in IPAM with `subnet`); learned at run time otherwise. */
function builtinIpamSubnet(input: NetConfInput): string | undefined {
  const ipam = input.ipam;
  if (ipam === undefined) return undefined;
  if (isDelegatedIpam(ipam))
    return typeof ipam.subnet === 'string' && !ipam.subnet.includes('<') ? safeCidr(ipam.subnet) : undefined;
  return ipam.subnet;
}

function safeCidr(text: string): string | undefined {
  try {
    return canonicalCidr(text);
  } catch {
    return undefined;
  }
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values.map(canonicalCidrOrAddress))];
}

function canonicalCidrOrAddress(text: string): string {
  return text.includes('/') ? canonicalCidr(text) : text;
}

function throwIssues(issues: readonly ConfigIssue[]): never {
  const listed = issues.map((i) => `${i.path}: ${i.reason}`).join('; ');
  throw new CniError(CNI_CODE.INVALID_CONFIG, `invalid network configuration: ${listed}`, JSON.stringify(issues));
}
