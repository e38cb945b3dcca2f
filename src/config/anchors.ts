// Loading a config written for an anchor plugin (win-bridge, win-overlay, WCN's nat/sdnbridge/sdnoverlay, SDN's
// wincni): each family's module reads the config the way the anchor's Go code reads it (go-json.ts) and says what
// the anchor would do with it; this module turns that into the NetConf the planner runs, with hns-cni's own
// extensions (`log`, `timeouts`, `hostNetwork`) accepted in every family.
import type { z } from 'zod';
import type { ConfigIssue } from '../cni/netconf.js';
import { formatJsonPath, logConfigSchema } from '../cni/netconf.js';
import { normalizeRuntimeConfig } from '../cni/runtime-config.js';
import type { NetworkType } from '../hns/types.js';
import { type BuiltinIpamConfig, builtinIpamConfigSchema, type IpamConfig } from '../ipam/config.js';
import { defaultNatNetworkName, firstHost, sharedDefaults } from './defaults.js';
import type { FamilyChoice } from './family.js';
import { type GoField, go, isObject } from './go-json.js';
import { DEFAULT_VNI, DEFAULT_VXLAN_PORT, hostNetworkSchema, timeoutsSchema } from './schema.js';
import type { ConfigNote, DnsSettings, GatewayFrom, NetConf, NetworkMode, NetworkOwner } from './types.js';

/** types.DNS (Go, case-insensitive keys: WCN's examples write `Nameservers`/`Search`). */
export const GO_DNS = go.object({
  nameservers: go.strings,
  domain: go.string,
  search: go.strings,
  options: go.strings,
});

/** Fields of types.NetConf (containernetworking/cni) every Go plugin reads, and hns-cni's own extensions. */
export const GO_NETCONF_FIELDS: Record<string, GoField> = {
  cniVersion: go.string,
  name: go.string,
  type: go.string,
  capabilities: go.raw,
  prevResult: go.raw,
  runtimeConfig: go.raw,
  'cni.dev/valid-attachments': go.raw,
  'cni.dev/attachments': go.raw,
  // hns-cni's extensions, meaningful in every family:
  log: go.raw,
  timeouts: go.raw,
  hostNetwork: go.raw,
};

/** What a family module decides; anchorNetConf fills in the rest. */
export interface AnchorDecision {
  mode: NetworkMode;
  networkOwner: NetworkOwner;
  acceptedNetworkTypes: NetworkType[];
  gatewayFrom: GatewayFrom;
  gateway?: string;
  /** The IPv6 gateway when the config names one (WCN additionalRoutes ::/0); else the address source's. */
  gateway6?: string;
  networkIpam?: { subnet: string; gateway: string };
  /** win-overlay's endpointMacPrefix; default 0E-2A. */
  macPrefix?: string;
  policyLayout: NetConf['policyLayout'];
  policies: NetConf['policies'];
  loopbackDSR: boolean;
  portMapping: NetConf['portMapping'];
  dnsRules: NetConf['dnsRules'];
  ipam?: IpamConfig;
  compat: NetConf['compat'];
}

/** The parts of the Go-read document every family shares. */
export interface GoCommon {
  cniVersion?: string;
  name?: string;
  type?: string;
  capabilities?: unknown;
  runtimeConfig?: unknown;
  prevResult?: unknown;
  dns?: { nameservers?: string[]; domain?: string; search?: string[]; options?: string[] };
  log?: unknown;
  timeouts?: unknown;
  hostNetwork?: unknown;
  'cni.dev/valid-attachments'?: unknown;
  'cni.dev/attachments'?: unknown;
}

export function toDnsSettings(dns: GoCommon['dns']): DnsSettings {
  return {
    nameservers: dns?.nameservers ?? [],
    ...(dns?.domain !== undefined && dns.domain !== '' && { domain: dns.domain }),
    search: dns?.search ?? [],
    options: dns?.options ?? [],
  };
}

/**
 * The `ipam` section as the anchors treat it: a non-empty `type` names the IPAM plugin they run (`hns-cni` is the
 * built-in IPAM); without one HNS assigns the address (win-bridge, WCN: "it's not necessary to have an IPAM").
 */
export function delegatedIpam(raw: unknown, issues: ConfigIssue[]): IpamConfig | undefined {
  if (!isObject(raw)) return undefined;
  const typeKey = Object.keys(raw).find((k) => k.toLowerCase() === 'type');
  const type = typeKey === undefined ? undefined : raw[typeKey];
  if (type === undefined || type === null || type === '') return undefined;
  if (typeof type !== 'string') {
    issues.push({ path: 'ipam.type', reason: 'must be a string' });
    return undefined;
  }
  if (type !== 'hns-cni') return { ...raw, type };
  const parsed = builtinIpamConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data as BuiltinIpamConfig;
  for (const i of parsed.error.issues) issues.push({ path: formatJsonPath(['ipam', ...i.path]), reason: i.message });
  return undefined;
}

/** Why a field the anchor drops is there, and how loudly to say so; keyed by the lower-cased JSON path. */
export type Explained = Readonly<Record<string, [ConfigNote['level'], string]>>;

/** One note per key Go would drop: the explained ones as given, any other as a warning naming the plugin. */
export function ignoredFieldNotes(paths: readonly string[], plugin: string, explained: Explained): ConfigNote[] {
  return paths.map((path) => {
    const why = explained[path.toLowerCase()];
    return why === undefined
      ? { level: 'warn', path, text: `not a ${plugin} field; ignored, as ${plugin} ignores it` }
      : { level: why[0], path, text: why[1] };
  });
}

/** The NetConf of an anchor config: the family's decision plus hns-cni's shared defaults. */
export function anchorNetConf(
  common: GoCommon,
  choice: FamilyChoice,
  decision: AnchorDecision,
  notes: ConfigNote[],
  issues: ConfigIssue[],
): NetConf {
  const ext = extensions(common, issues);
  const name = common.name ?? '';
  const shared = sharedDefaults(ext);
  const natSubnet = '172.24.0.0/20'; // transparent mode's outbound network: never used by an anchor family
  return {
    cniVersion: common.cniVersion ?? '',
    name,
    type: common.type ?? '',
    mode: decision.mode,
    network: name,
    ...(decision.gateway !== undefined && { gateway: decision.gateway }),
    ...(decision.gateway6 !== undefined && { gateway6: decision.gateway6 }),
    natNetwork: {
      name: defaultNatNetworkName(name),
      subnet: natSubnet,
      gateway: firstHost(natSubnet),
      subnetSource: 'auto',
    },
    outboundNAT: { enabled: false, exceptions: [], podSubnet: false },
    loopbackDSR: decision.loopbackDSR,
    routes: [],
    dns: toDnsSettings(common.dns),
    ...shared,
    policies: decision.policies,
    capabilities: capabilitiesOf(common.capabilities),
    runtimeConfig: normalizeRuntimeConfig(common.runtimeConfig),
    ...(decision.ipam !== undefined && { ipam: decision.ipam }),
    // libcni has sent GC's list under both names (#1101); GC refuses a request that has neither.
    ...(Array.isArray(common['cni.dev/valid-attachments'] ?? common['cni.dev/attachments']) && {
      validAttachments: (common['cni.dev/valid-attachments'] ??
        common['cni.dev/attachments']) as NetConf['validAttachments'],
    }),
    ...(isObject(common.prevResult) && { prevResult: common.prevResult }),
    compat: decision.compat,
    family: choice.family,
    familySource: choice.source,
    familyReason: choice.reason,
    networkOwner: decision.networkOwner,
    acceptedNetworkTypes: decision.acceptedNetworkTypes,
    ...(decision.networkIpam !== undefined && { networkIpam: decision.networkIpam }),
    gatewayFrom: decision.gatewayFrom,
    // Every anchor that gives a pod an IPv6 address takes its gateway from the address source (WCN: the IPAM's IP6
    // gateway, or additionalRoutes' ::/0), whatever its IPv4 rule.
    gatewayFrom6: 'addressSource',
    // An anchor config creates no Overlay network with settings of its own (flanneld's is adopted; an sdnoverlay
    // network WCN would create gets flannel's defaults).
    vxlan: { vni: DEFAULT_VNI, port: DEFAULT_VXLAN_PORT },
    macPrefix: decision.macPrefix ?? '0E-2A',
    policyLayout: decision.policyLayout,
    portMapping: decision.portMapping,
    dnsRules: decision.dnsRules,
    notes,
  };
}

/** capabilities is map[string]bool in Go: anything else there fails to unmarshal (kept lenient: only used as a hint). */
function capabilitiesOf(raw: unknown): Record<string, boolean> {
  if (!isObject(raw)) return {};
  return Object.fromEntries(Object.entries(raw).filter((e): e is [string, boolean] => typeof e[1] === 'boolean'));
}

/** hns-cni's own `log`, `timeouts` and `hostNetwork`, validated by the native schemas. */
function extensions(common: GoCommon, issues: ConfigIssue[]): Parameters<typeof sharedDefaults>[0] {
  const check = <S extends z.ZodType>(key: 'log' | 'timeouts' | 'hostNetwork', schema: S): z.output<S> | undefined => {
    if (common[key] === undefined) return undefined;
    const parsed = schema.safeParse(common[key]);
    if (parsed.success) return parsed.data;
    for (const i of parsed.error.issues) issues.push({ path: formatJsonPath([key, ...i.path]), reason: i.message });
    return undefined;
  };
  const log = check('log', logConfigSchema);
  const timeouts = check('timeouts', timeoutsSchema);
  const hostNetwork = check('hostNetwork', hostNetworkSchema);
  return { ...(log && { log }), ...(timeouts && { timeouts }), ...(hostNetwork && { hostNetwork }) };
}
