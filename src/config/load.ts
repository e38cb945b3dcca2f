// loadNetConf: stdin document → NetConf, fully defaulted and validated. Every problem is a CniError 7 whose msg
// lists each issue as `<json path>: <reason>`, all at once, so an operator fixes a config in one round.
// A config written for an anchor plugin (family.ts) is read by that family's module with the anchor's rules;
// a native one by the schema below.

import { CNI_CODE, CniError } from '../cni/errors.js';
import { type ConfigIssue, describeIssues } from '../cni/netconf.js';
import { normalizeRuntimeConfig } from '../cni/runtime-config.js';
import { isDelegatedIpam } from '../ipam/config.js';
import { canonicalCidr, cidrsOverlap, familyOf, hostRoute, subnetContains } from './address.js';
import {
  chooseNatSubnet,
  DEFAULT_NODE_PORT_RANGE,
  defaultNatNetworkName,
  firstHost,
  sharedDefaults,
} from './defaults.js';
import { chooseFamily, type FamilyChoice, isWinBridgeFamily } from './family.js';
import { loadWcnFamily } from './from-wcn.js';
import { applyOutboundNatException, loadWinBridgeFamily } from './from-win-bridge.js';
import {
  DEFAULT_VNI,
  DEFAULT_VXLAN_PORT,
  DUAL_STACK_MODES,
  MODE_NETWORK_TYPES,
  type NetConfInput,
  type NetworkMode,
  netConfInputSchema,
} from './schema.js';
import type { NatNetworkSettings, NetConf } from './types.js';
import { normalizeCompatKeys, translateCompatPolicies } from './winbridge.js';

export interface LoadOptions {
  /** The executable's path or file name: installed as win-bridge.exe, sdnbridge.exe, ... it selects the family. */
  invokedAs?: string;
}

export function loadNetConf(raw: unknown, options: LoadOptions = {}): NetConf {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throwIssues([{ path: '(root)', reason: 'the network configuration must be a JSON object' }]);
  }
  const doc = raw as Record<string, unknown>;
  const choice = chooseFamily(doc, options.invokedAs);
  if (choice.family === 'hns-cni') return loadNative(doc, choice);
  const issues: ConfigIssue[] = [];
  const conf = isWinBridgeFamily(choice.family)
    ? loadWinBridgeFamily(doc, choice, issues)
    : loadWcnFamily(doc, choice, issues);
  issues.push(...commonIssues(conf));
  if (issues.length > 0) throwIssues(issues);
  return conf;
}

/** What every family must have, whatever its plugin tolerates: a usable network name. */
function commonIssues(conf: NetConf): ConfigIssue[] {
  if (/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(conf.name)) return [];
  return [{ path: 'name', reason: 'network name must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$' }];
}

function loadNative(raw: Record<string, unknown>, choice: FamilyChoice): NetConf {
  const parsed = netConfInputSchema.safeParse(normalizeCompatKeys(raw));
  if (!parsed.success) throwIssues(describeIssues(parsed.error.issues));
  const input = parsed.data;
  const issues: ConfigIssue[] = [];
  const mode = (input.mode ?? 'l2bridge') as NetworkMode;

  const translated = translateCompatPolicies(input.policies, input.HcnPolicyArgs);
  issues.push(...translated.issues);
  issues.push(...modeRuleIssues(input, mode));

  const network = input.network ?? input.name;
  const cluster = byFamily(input.clusterCIDR);
  const service = byFamily(input.serviceCIDR);
  const nodeIP = byFamily(input.nodeIP);
  const nodeSubnet = byFamily(input.nodeSubnet);
  const gateway = byFamily(input.gateway);
  const clusterCIDR = cluster.v4 ?? input.ipMasqNetwork;
  const natNetwork = resolveNatNetwork(input, network, clusterCIDR, issues);
  const networkIpam = nativeNetworkIpam(input, issues);
  const range = input.hostNetwork?.nodePortRange ?? DEFAULT_NODE_PORT_RANGE;
  if (range.min > range.max) {
    issues.push({ path: 'hostNetwork.nodePortRange', reason: `min ${range.min} is greater than max ${range.max}` });
  }
  if (issues.length > 0) throwIssues(issues);
  refuseIpv6OutsideDualStackModes(input, mode);

  // libcni has sent the list under both names (#1101); GC refuses a request that has neither.
  const validAttachments = input['cni.dev/valid-attachments'] ?? input['cni.dev/attachments'];
  const exceptions = unique([
    ...(input.outboundNAT?.exceptions ?? []),
    ...(input.ipMasqNetwork ? [input.ipMasqNetwork] : []),
  ]);
  const outboundNatEnabled = input.outboundNAT?.enabled ?? true;
  // Without the generated OutBoundNAT, flannel's ipMasqNetwork is applied as win-bridge applies it (win-overlay
  // has no such field).
  if (!outboundNatEnabled && input.ipMasqNetwork !== undefined && mode !== 'overlay') {
    applyOutboundNatException(translated.policies, canonicalCidr(input.ipMasqNetwork));
  }
  return {
    cniVersion: input.cniVersion,
    name: input.name,
    type: input.type,
    mode,
    network,
    ...(clusterCIDR !== undefined && { clusterCIDR: canonicalCidr(clusterCIDR) }),
    ...(cluster.v6 !== undefined && { clusterCIDR6: canonicalCidr(cluster.v6) }),
    ...(service.v4 !== undefined && { serviceCIDR: canonicalCidr(service.v4) }),
    ...(service.v6 !== undefined && { serviceCIDR6: canonicalCidr(service.v6) }),
    ...(input.adapter !== undefined && { adapter: input.adapter }),
    ...(nodeIP.v4 !== undefined && { nodeIP: nodeIP.v4 }),
    ...(nodeIP.v6 !== undefined && { nodeIP6: nodeIP.v6 }),
    ...(nodeSubnet.v4 !== undefined && { nodeSubnet: canonicalCidr(nodeSubnet.v4) }),
    ...(nodeSubnet.v6 !== undefined && { nodeSubnet6: canonicalCidr(nodeSubnet.v6) }),
    ...(gateway.v4 !== undefined && { gateway: gateway.v4 }),
    ...(gateway.v6 !== undefined && { gateway6: gateway.v6 }),
    natNetwork,
    outboundNAT: { enabled: outboundNatEnabled, exceptions, podSubnet: input.outboundNAT?.podSubnet ?? false },
    loopbackDSR: input.loopbackDSR ?? false,
    routes: (input.routes ?? []).map((r) => ({ dst: canonicalCidr(r.dst), ...(r.gw !== undefined && { gw: r.gw }) })),
    vxlan: {
      vni: input.vxlan?.vni ?? DEFAULT_VNI,
      port: input.vxlan?.port ?? DEFAULT_VXLAN_PORT,
      ...(input.vxlan?.drMac !== undefined && { drMac: input.vxlan.drMac.toUpperCase().replaceAll(':', '-') }),
    },
    ...(input.sourceVip !== undefined && { sourceVip: input.sourceVip }),
    macPrefix: '0E-2A',
    dns: {
      nameservers: input.dns?.nameservers ?? [],
      ...(input.dns?.domain !== undefined && { domain: input.dns.domain }),
      search: input.dns?.search ?? [],
      options: input.dns?.options ?? [],
    },
    ...sharedDefaults(input),
    policies: translated.policies,
    capabilities: input.capabilities ?? {},
    runtimeConfig: normalizeRuntimeConfig(input.runtimeConfig),
    ...(input.ipam !== undefined && { ipam: input.ipam }),
    ...(validAttachments !== undefined && { validAttachments }),
    ...(input.prevResult !== undefined && { prevResult: input.prevResult }),
    compat: {
      ...(input.apiVersion !== undefined && { apiVersion: input.apiVersion }),
      ...(input.ipMasq !== undefined && { ipMasq: input.ipMasq }),
      ...(input.ipMasqNetwork !== undefined && { ipMasqNetwork: canonicalCidr(input.ipMasqNetwork) }),
    },
    family: 'hns-cni',
    familySource: choice.source,
    familyReason: choice.reason,
    networkOwner: input.networkOwner ?? 'hns-cni',
    acceptedNetworkTypes: [MODE_NETWORK_TYPES[mode]],
    ...(networkIpam !== undefined && { networkIpam }),
    gatewayFrom: input.gatewayFrom ?? (mode === 'l2bridge' ? 'hostEndpoint' : 'addressSource'),
    gatewayFrom6: input.gatewayFrom ?? (mode === 'l2bridge' ? 'hostEndpoint' : 'addressSource'),
    policyLayout: 'generated',
    portMapping: {
      // On by default (issue 10 F4): without it the node cannot reach its own host ports.
      localRoutedVip: input.portMapping?.localRoutedVip ?? true,
      inboundAcl: input.portMapping?.inboundAcl ?? false,
    },
    dnsRules: { namespaceSearch: false, runtimeOptions: true },
    notes: [],
  };
}

/** `networkSubnet`: the subnet (and, when `gateway` lies in it, the gateway) of a network hns-cni creates. */
function nativeNetworkIpam(input: NetConfInput, issues: ConfigIssue[]): NetConf['networkIpam'] {
  if (input.networkSubnet === undefined) return undefined;
  const subnet = canonicalCidr(input.networkSubnet);
  if (input.mode === 'transparent') {
    issues.push({
      path: 'networkSubnet',
      reason: 'applies to nat, l2bridge and overlay modes (transparent needs an ipam)',
    });
  }
  if (input.mode === 'nat' && input.natNetwork?.subnet !== undefined) {
    issues.push({ path: 'networkSubnet', reason: 'nat mode: set natNetwork.subnet or networkSubnet, not both' });
  }
  const configured = byFamily(input.gateway).v4;
  const gateway = configured !== undefined && subnetContains(subnet, configured) ? configured : firstHost(subnet);
  return { subnet, gateway };
}

/** Fields that only make sense in some modes are refused elsewhere rather than ignored. */
function modeRuleIssues(input: NetConfInput, mode: NetworkMode): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (mode === 'transparent') {
    for (const key of ['clusterCIDR', 'serviceCIDR'] as const) {
      if (input[key] === undefined || byFamily(input[key]).v4 === undefined) {
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
  if (mode !== 'l2bridge' && mode !== 'overlay') {
    if (input.loopbackDSR === true) {
      issues.push({ path: 'loopbackDSR', reason: `applies to l2bridge and overlay modes only (mode is ${mode})` });
    }
    if (input.outboundNAT !== undefined) {
      issues.push({
        path: 'outboundNAT',
        reason: `applies to l2bridge and overlay modes only: in ${mode} mode outbound traffic leaves through the NAT network`,
      });
    }
  }
  if ((mode === 'l2bridge' || mode === 'overlay') && input.natNetwork !== undefined) {
    issues.push({ path: 'natNetwork', reason: 'applies to transparent and nat modes only' });
  }
  if (mode !== 'overlay') {
    for (const key of ['vxlan', 'sourceVip'] as const) {
      if (input[key] !== undefined)
        issues.push({ path: key, reason: `applies to overlay mode only (mode is ${mode})` });
    }
  }
  const sourceVip = input.sourceVip;
  const subnet = builtinIpamSubnet(input);
  if (typeof sourceVip === 'string' && subnet !== undefined && !subnetContains(subnet, sourceVip)) {
    issues.push({ path: 'sourceVip', reason: `${sourceVip} is outside the pod subnet ${subnet}` });
  }
  const builtinSubnet = builtinIpamSubnet(input);
  const gateway4 = byFamily(input.gateway).v4;
  if (gateway4 !== undefined && builtinSubnet !== undefined && !subnetContains(builtinSubnet, gateway4)) {
    issues.push({ path: 'gateway', reason: `${gateway4} is outside the pod subnet ${builtinSubnet}` });
  }
  return issues;
}

/** "10.244.0.0/16,fd00::/56" → { v4, v6 } (the schema checked there is at most one of each family). */
function byFamily(text: string | undefined): { v4?: string; v6?: string } {
  const out: { v4?: string; v6?: string } = {};
  for (const part of (text ?? '').split(',')) {
    const value = part.trim();
    const family = familyOf(value);
    if (family === 4) out.v4 = value;
    else if (family === 6) out.v6 = value;
  }
  return out;
}

/**
 * IPv6 in a mode whose pods HNS gives no IPv6 address (transparent, nat) is refused with code 2 (unsupported), the
 * way a field the plugin cannot honour is, rather than silently leaving the IPv6 half of the cluster unreachable.
 */
function refuseIpv6OutsideDualStackModes(input: NetConfInput, mode: NetworkMode): void {
  if (DUAL_STACK_MODES.includes(mode)) return;
  const ipam = input.ipam !== undefined && !isDelegatedIpam(input.ipam) ? input.ipam : undefined;
  const ipv6 = [
    byFamily(input.clusterCIDR).v6 !== undefined && 'clusterCIDR',
    byFamily(input.serviceCIDR).v6 !== undefined && 'serviceCIDR',
    ipam?.subnet6 !== undefined && 'ipam.subnet6',
    (input.routes ?? []).some((r) => familyOf(r.dst) === 6) && 'routes',
  ].filter((p): p is string => typeof p === 'string');
  if (ipv6.length === 0) return;
  throw new CniError(
    CNI_CODE.UNSUPPORTED_FIELD,
    `IPv6 (${ipv6.join(', ')}) is not supported in ${mode} mode: HNS gives pods an IPv6 address on L2Bridge and ` +
      'Overlay networks only; use mode "l2bridge" or "overlay" for a dual-stack cluster',
    JSON.stringify({ mode, ipv6 }),
  );
}

function resolveNatNetwork(
  input: NetConfInput,
  network: string,
  clusterCIDR: string | undefined,
  issues: ConfigIssue[],
): NatNetworkSettings {
  const name = input.natNetwork?.name ?? defaultNatNetworkName(network);
  const configured = input.natNetwork?.subnet;
  const nodeIP = byFamily(input.nodeIP).v4;
  const avoid = [
    clusterCIDR,
    byFamily(input.serviceCIDR).v4,
    byFamily(input.nodeSubnet).v4,
    nodeIP === undefined ? undefined : hostRoute(nodeIP),
    builtinIpamSubnet(input),
    ...(input.routes ?? []).map((r) => r.dst).filter((dst) => familyOf(dst) === 4),
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
