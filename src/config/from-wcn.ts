// Configs for microsoft/windows-container-networking's nat, sdnbridge and sdnoverlay (cni/cni.go NetworkConfig,
// common/core/network.go @ b96345f) and for its predecessor, SDN's wincni, read as WCN reads them:
//   - the network named `name` is used when it exists, whatever its type, and created when missing: from
//     `ipam.subnet` with the gateway `ipam.routes[0].GW` (else subnet + 1). A flannel delegate (flanneld owns the
//     network) and a dual-stack config (WCN: "the network must be created beforehand") only adopt;
//   - `ipam.type` names the IPAM plugin; without it HNS assigns the address, `ipam.subnet` notwithstanding;
//   - the gateway: the IPAM's when an IPAM plugin runs (`forceBridgeGateway`: its subnet + 2), else the config's
//     subnet gateway, else a default route from `additionalRoutes` (`gatewayFromAdditionalRoutes`), else HNS's;
//   - the endpoint gets the port mappings (with `localRoutedPortMapping`'s LocalRoutedVip flag and
//     `allowAclPortMapping`'s inbound ACL), then every `AdditionalArgs` EndpointPolicy as given, then the
//     loopback-DSR OutBoundNAT (`optionalFlags.loopbackDSR`); nothing else (no generated OutBoundNAT);
//   - DNS: the config's, the pod namespace written in front of the first search domain, then the runtime's
//     servers, searches and options;
//   - `optionalFlags.enableDualStack`: the L2Bridge network must exist; the pod gets an IPv4 and an IPv6 address
//     (from the IPAM plugin, or from HNS), the IPv6 gateway from the IPAM or `additionalRoutes`' ::/0 entry, and
//     every port mapping an IPv6 copy (NatFlags IPv6).
import type { ConfigIssue } from '../cni/netconf.js';
import type { EndpointPolicy, NetworkType } from '../hns/types.js';
import { canonicalCidr, isIPv4, isIPv4Cidr, isIPv6, isPlaceholder, nthAddress } from './address.js';
import {
  type AnchorDecision,
  anchorNetConf,
  delegatedIpam,
  type Explained,
  GO_DNS,
  GO_NETCONF_FIELDS,
  type GoCommon,
  ignoredFieldNotes,
} from './anchors.js';
import type { FamilyChoice } from './family.js';
import { go, readLikeGo } from './go-json.js';
import type { ConfigNote, NetConf, NetworkMode } from './types.js';
import { translateCompatPolicies } from './winbridge.js';

/** cniTypes.Route: `dst` and `gw`; WCN's and containerd's examples also write `gateway`, which Go drops. */
const GO_ROUTE = go.object({ dst: go.string, gw: go.string, gateway: go.string });

const WCN_FIELDS = {
  ...GO_NETCONF_FIELDS,
  ipam: go.object({
    type: go.string,
    environment: go.string,
    addressSpace: go.string,
    subnet: go.string,
    ipAddress: go.string,
    queryInterval: go.string,
    routes: go.list(GO_ROUTE),
  }),
  dns: GO_DNS,
  optionalFlags: go.object({
    localRoutedPortMapping: go.bool,
    allowAclPortMapping: go.bool,
    forceBridgeGateway: go.bool,
    enableDualStack: go.bool,
    loopbackDSR: go.bool,
    gatewayFromAdditionalRoutes: go.bool,
  }),
  additionalRoutes: go.list(GO_ROUTE),
  AdditionalArgs: go.list(go.object({ name: go.string, value: go.raw })),
};

const EXPLAINED: Explained = {
  master: ['debug', 'the adapter; WCN does not read it (HNS picks the adapter for a network it creates)'],
  ipmasq: ['debug', 'injected by flannel; WCN does not read it'],
  ipmasqnetwork: ['debug', 'injected by flannel; WCN does not read it (flanneld owns this network)'],
  apiversion: ['info', 'a win-bridge field; WCN always uses HCN v2 and ignores it'],
  loopbackdsr: [
    'warn',
    'WCN reads loopbackDSR from "optionalFlags"; the top-level one is ignored, as WCN ignores it: move it into optionalFlags',
  ],
  'ipam.ranges': ['debug', "host-local's field: the IPAM plugin reads it"],
};

interface Route {
  dst?: string;
  gw?: string;
  gateway?: string;
}

interface WcnDoc extends GoCommon {
  ipam?: { type?: string; subnet?: string; routes?: (Route | undefined)[]; [k: string]: unknown };
  optionalFlags?: {
    localRoutedPortMapping?: boolean;
    allowAclPortMapping?: boolean;
    forceBridgeGateway?: boolean;
    enableDualStack?: boolean;
    loopbackDSR?: boolean;
    gatewayFromAdditionalRoutes?: boolean;
  };
  additionalRoutes?: (Route | undefined)[];
  AdditionalArgs?: ({ name?: string; value?: unknown } | undefined)[];
}

export function loadWcnFamily(raw: Record<string, unknown>, choice: FamilyChoice, issues: ConfigIssue[]): NetConf {
  const read = readLikeGo(raw, WCN_FIELDS);
  issues.push(...read.issues);
  const doc = read.value as WcnDoc;
  const plugin = choice.family === 'wincni' ? 'wincni' : 'WCN';
  // With an IPAM plugin, the rest of `ipam` (ranges, dataDir, ...) is that plugin's: it gets the whole config.
  const ipamPlugin = typeof doc.ipam?.type === 'string' && doc.ipam.type !== '';
  const ignored = read.ignored.filter((p) => !(ipamPlugin && p.startsWith('ipam.')));
  const notes = ignoredFieldNotes(ignored, plugin, EXPLAINED);
  const flags = doc.optionalFlags ?? {};
  const name = doc.name ?? '';
  const mode = wcnMode(choice, name, issues);

  const ipam = delegatedIpam(raw[keyOf(raw, 'ipam') ?? 'ipam'], issues);
  const networkIpam = configSubnet(doc, issues, notes);
  const defaultRoute4 = defaultRouteGateway(doc.additionalRoutes, 4, issues);
  const defaultRoute6 = defaultRouteGateway(doc.additionalRoutes, 6, issues);
  let gateway: string | undefined;
  let gateway6: string | undefined;
  if (ipam === undefined) {
    // WCN: the config subnet's gateway, else (gatewayFromAdditionalRoutes) the default route of each family.
    gateway = networkIpam?.gateway ?? (flags.gatewayFromAdditionalRoutes ? defaultRoute4 : undefined);
    if (flags.gatewayFromAdditionalRoutes) gateway6 = defaultRoute6;
  }
  const policies = additionalArgsPolicies(doc.AdditionalArgs, issues, notes);
  const flannelDelegate = hasKey(raw, 'ipmasqnetwork') || hasKey(raw, 'ipmasq');
  const dualStack = flags.enableDualStack === true;

  const decision: AnchorDecision = {
    mode,
    networkOwner: flannelDelegate || dualStack ? 'external' : 'hns-cni',
    acceptedNetworkTypes: dualStack ? ['L2Bridge'] : mode === 'overlay' ? ['Overlay'] : ACCEPTED_TYPES,
    gatewayFrom: ipam !== undefined && flags.forceBridgeGateway === true ? 'hostEndpoint' : 'addressSource',
    ...(gateway !== undefined && { gateway }),
    ...(gateway6 !== undefined && { gateway6 }),
    ...(networkIpam !== undefined && { networkIpam }),
    policyLayout: 'wcn',
    policies,
    loopbackDSR: flags.loopbackDSR ?? false,
    portMapping: {
      localRoutedVip: flags.localRoutedPortMapping ?? false,
      inboundAcl: flags.allowAclPortMapping ?? false,
    },
    dnsRules: { namespaceSearch: true, runtimeOptions: true },
    ...(ipam !== undefined && { ipam }),
    compat: {},
  };
  if (flags.forceBridgeGateway === true && ipam === undefined) {
    notes.push({
      level: 'debug',
      path: 'optionalFlags.forceBridgeGateway',
      text: 'applies only when an IPAM plugin assigns the address (WCN); HNS assigns it here',
    });
  }
  if (decision.networkOwner === 'external') {
    notes.push({
      level: 'debug',
      text: flannelDelegate
        ? 'a flannel delegate: flanneld owns the network, hns-cni never creates it'
        : 'dual-stack: WCN requires the network to exist already; hns-cni never creates it',
    });
  }
  return anchorNetConf(doc, choice, decision, notes, issues);
}

/** WCN does not check an existing network's type; these are the ones nat's and sdnbridge's endpoints work on. */
const ACCEPTED_TYPES: NetworkType[] = ['NAT', 'L2Bridge', 'L2Tunnel'];

/**
 * nat → NAT, sdnbridge → L2Bridge, sdnoverlay → Overlay. wincni used `name` as the HNS network type; a WCN-shaped
 * config that family.ts could not place is read the same way. Any other name cannot be told apart: code 7.
 */
function wcnMode(choice: FamilyChoice, name: string, issues: ConfigIssue[]): NetworkMode {
  if (choice.family === 'nat') return 'nat';
  if (choice.family === 'sdnbridge') return 'l2bridge';
  if (choice.family === 'sdnoverlay') return 'overlay';
  const lower = name.toLowerCase();
  if (lower === 'nat') return 'nat';
  if (lower === 'l2bridge' || lower === 'l2tunnel') return 'l2bridge';
  if (lower === 'overlay') return 'overlay';
  issues.push({
    path: 'type',
    reason:
      `this WCN-style config does not say which network "${name}" is: set "type" to nat, sdnbridge or sdnoverlay ` +
      '(or install hns-cni under that name), or write a native config with "mode"',
  });
  return 'l2bridge';
}

/** `ipam.subnet` and its gateway (`routes[0].GW`, else subnet + 1): the network WCN creates when it is missing. */
function configSubnet(
  doc: WcnDoc,
  issues: ConfigIssue[],
  notes: ConfigNote[],
): { subnet: string; gateway: string } | undefined {
  const subnet = doc.ipam?.subnet;
  if (subnet === undefined || subnet === '') return undefined;
  if (isPlaceholder(subnet) || !isIPv4Cidr(subnet)) {
    issues.push({ path: 'ipam.subnet', reason: `must be an IPv4 CIDR (got ${JSON.stringify(subnet)})` });
    return undefined;
  }
  const first = doc.ipam?.routes?.[0];
  let gateway = nthAddress(subnet, 1);
  if (first?.gw !== undefined && first.gw !== '') {
    if (isPlaceholder(first.gw) || !isIPv4(first.gw)) {
      issues.push({ path: 'ipam.routes[0].GW', reason: `must be an IPv4 address (got ${JSON.stringify(first.gw)})` });
    } else {
      gateway = first.gw;
    }
  } else if (first?.gateway !== undefined && first.gateway !== '') {
    if (!isIPv4(first.gateway)) {
      issues.push({
        path: 'ipam.routes[0].gateway',
        reason: `must be an IPv4 address (got ${JSON.stringify(first.gateway)})`,
      });
    } else {
      if (first.gateway !== gateway) {
        notes.push({
          level: 'info',
          path: 'ipam.routes[0].gateway',
          text: `WCN reads only "GW" and would use ${gateway} (subnet + 1); hns-cni uses ${first.gateway} as written`,
        });
      }
      gateway = first.gateway;
    }
  }
  return { subnet: canonicalCidr(subnet), gateway };
}

/** `additionalRoutes`' default route for one family: gatewayFromAdditionalRoutes takes the pod gateway from it. */
function defaultRouteGateway(routes: WcnDoc['additionalRoutes'], family: 4 | 6, issues: ConfigIssue[]) {
  const dst = family === 4 ? '0.0.0.0/0' : '::/0';
  for (const [i, r] of (routes ?? []).entries()) {
    if (r?.dst === undefined) continue;
    const isDefault = family === 4 ? r.dst === dst : /^::(\/0)$/.test(r.dst) || r.dst === '0::/0';
    if (!isDefault) continue;
    const gw = r.gw ?? r.gateway;
    if (gw === undefined) continue;
    if (family === 4 ? !isIPv4(gw) : !isIPv6(gw)) {
      issues.push({
        path: `additionalRoutes[${i}].GW`,
        reason: `must be an IPv${family} address (got ${JSON.stringify(gw)})`,
      });
      return undefined;
    }
    return gw;
  }
  return undefined;
}

/**
 * `AdditionalArgs` entries (`{Name, Value}`): EndpointPolicy values are HCN v2 policies (the v1 forms of SDN's
 * wincni configs are translated); NetworkPolicy entries only matter when WCN creates the network; others are
 * dropped by WCN.
 */
function additionalArgsPolicies(
  entries: WcnDoc['AdditionalArgs'],
  issues: ConfigIssue[],
  notes: ConfigNote[],
): EndpointPolicy[] {
  const kept: { name: string; value: Record<string, unknown> }[] = [];
  const indexes: number[] = [];
  (entries ?? []).forEach((entry, i) => {
    if (entry === undefined) return;
    const name = entry.name ?? '';
    if (name.toLowerCase() !== 'endpointpolicy') {
      notes.push({
        level: 'warn',
        path: `AdditionalArgs[${i}]`,
        text:
          name === 'NetworkPolicy'
            ? 'a NetworkPolicy: WCN applies it only to a network it creates; hns-cni does not apply it'
            : `name "${name}" is not EndpointPolicy: ignored, as WCN ignores it`,
      });
      return;
    }
    if (typeof entry.value !== 'object' || entry.value === null || Array.isArray(entry.value)) {
      issues.push({ path: `AdditionalArgs[${i}].Value`, reason: 'must be an HCN policy object {Type, Settings}' });
      return;
    }
    kept.push({ name: 'EndpointPolicy', value: entry.value as Record<string, unknown> });
    indexes.push(i);
  });
  const translated = translateCompatPolicies(kept, undefined);
  for (const issue of translated.issues) {
    issues.push({
      ...issue,
      path: issue.path.replace(
        /^policies\[(\d+)\]\.value/,
        (_, n: string) => `AdditionalArgs[${indexes[Number(n)]}].Value`,
      ),
    });
  }
  return translated.policies;
}

function keyOf(obj: Record<string, unknown>, lower: string): string | undefined {
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

function hasKey(obj: Record<string, unknown>, lower: string): boolean {
  return keyOf(obj, lower) !== undefined;
}
