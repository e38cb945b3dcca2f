// loadNetConf: stdin document → NetConf, fully defaulted and validated. Every problem is a CniError 7 whose msg
// lists each issue as `<json path>: <reason>`, all at once, so an operator fixes a config in one round.
// A config written for an anchor plugin (family.ts) is read by that family's module with the anchor's rules;
// a native one by the schema below.

import { CNI_CODE, CniError } from '../cni/errors.js';
import { type ConfigIssue, describeIssues } from '../cni/netconf.js';
import { normalizeRuntimeConfig } from '../cni/runtime-config.js';
import { isDelegatedIpam } from '../ipam/config.js';
import { canonicalCidr, cidrsOverlap, hostRoute, subnetContains } from './address.js';
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
import { MODE_NETWORK_TYPES, type NetConfInput, type NetworkMode, netConfInputSchema } from './schema.js';
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
  const clusterCIDR = input.clusterCIDR ?? input.ipMasqNetwork;
  const natNetwork = resolveNatNetwork(input, network, clusterCIDR, issues);
  const networkIpam = nativeNetworkIpam(input, issues);
  const range = input.hostNetwork?.nodePortRange ?? DEFAULT_NODE_PORT_RANGE;
  if (range.min > range.max) {
    issues.push({ path: 'hostNetwork.nodePortRange', reason: `min ${range.min} is greater than max ${range.max}` });
  }
  if (issues.length > 0) throwIssues(issues);

  // libcni has sent the list under both names (#1101); GC refuses a request that has neither.
  const validAttachments = input['cni.dev/valid-attachments'] ?? input['cni.dev/attachments'];
  const exceptions = unique([
    ...(input.outboundNAT?.exceptions ?? []),
    ...(input.ipMasqNetwork ? [input.ipMasqNetwork] : []),
  ]);
  const outboundNatEnabled = input.outboundNAT?.enabled ?? true;
  // Without the generated OutBoundNAT, flannel's ipMasqNetwork is applied as win-bridge applies it.
  if (!outboundNatEnabled && input.ipMasqNetwork !== undefined) {
    applyOutboundNatException(translated.policies, canonicalCidr(input.ipMasqNetwork));
  }
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
    outboundNAT: { enabled: outboundNatEnabled, exceptions },
    loopbackDSR: input.loopbackDSR ?? false,
    routes: (input.routes ?? []).map((r) => ({ dst: canonicalCidr(r.dst), ...(r.gw !== undefined && { gw: r.gw }) })),
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
    policyLayout: 'generated',
    portMapping: {
      // On by default (issue 10 F4): without it the node cannot reach its own host ports.
      localRoutedVip: input.portMapping?.localRoutedVip ?? true,
      inboundAcl: input.portMapping?.inboundAcl ?? false,
    },
    dnsRules: { namespaceSearch: false, runtimeOptions: true },
    pending: { ipv6: [] },
    notes: [],
  };
}

/** `networkSubnet`: the subnet (and, when `gateway` lies in it, the gateway) of a network hns-cni creates. */
function nativeNetworkIpam(input: NetConfInput, issues: ConfigIssue[]): NetConf['networkIpam'] {
  if (input.networkSubnet === undefined) return undefined;
  const subnet = canonicalCidr(input.networkSubnet);
  if (input.mode === 'transparent') {
    issues.push({ path: 'networkSubnet', reason: 'applies to nat and l2bridge modes (transparent needs an ipam)' });
  }
  if (input.mode === 'nat' && input.natNetwork?.subnet !== undefined) {
    issues.push({ path: 'networkSubnet', reason: 'nat mode: set natNetwork.subnet or networkSubnet, not both' });
  }
  const gateway =
    input.gateway !== undefined && subnetContains(subnet, input.gateway) ? input.gateway : firstHost(subnet);
  return { subnet, gateway };
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
