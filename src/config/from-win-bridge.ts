// win-bridge and win-overlay configs (containernetworking/plugins pkg/hns/netconf_windows.go, win-bridge_windows.go,
// win-overlay_windows.go @ 3d27709), read as those plugins read them:
//   - the network named `name` must already exist (flanneld or the node's setup creates it): L2Bridge or L2Tunnel
//     for win-bridge, Overlay for win-overlay; hns-cni adopts it and never creates one for these configs;
//   - `ipam.type` names the IPAM plugin; without it HNS assigns the address;
//   - the gateway is the IPAM subnet's network address + 2 (win-bridge hard-codes it: flannel's cbr0_ep), or the
//     HNS network's own gateway when HNS assigns the address (AKS kubenet: the VNet gateway, outside the pod subnet);
//   - the endpoint gets exactly the `policies` whose name is EndpointPolicy (v1 forms translated to HCN v2), then
//     `ipMasqNetwork` as an OutBoundNAT exception unless one already lists it, then the port mappings, then the
//     loopback-DSR OutBoundNAT; `HcnPolicyArgs` is ignored (current win-bridge has no such field);
//   - DNS: the config's, with the runtime's servers and searches replacing it (runtime options are not read).
// win-overlay differs (win-overlay_windows.go cmdHcnAdd/cmdHnsAdd): an Overlay network; the gateway is always the
// HNS network's subnet gateway; the MAC is `endpointMacPrefix` (default 0E-2A) + the IPv4 octets; after the
// config's policies come loopback DSR (ApiVersion 2; last with v1), a ProviderAddress policy with the network's
// provider address unless one lists it, and with `ipMasq` the network's subnet as an OutBoundNAT exception unless
// one lists it (plan/policies.ts builds that list from the network HNS reports). It never applies port mappings
// (#530); hns-cni does, and says so.
import type { ConfigIssue } from '../cni/netconf.js';
import type { EndpointPolicy } from '../hns/types.js';
import { isIpCidr, isPlaceholder } from './address.js';
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
import type { ConfigNote, NetConf } from './types.js';
import { translateCompatPolicies } from './winbridge.js';

const POLICY_ENTRY = go.object({ name: go.string, value: go.raw });

const WIN_BRIDGE_FIELDS = {
  ...GO_NETCONF_FIELDS,
  ipam: go.raw,
  dns: GO_DNS,
  apiVersion: go.int,
  policies: go.list(POLICY_ENTRY),
  loopbackDSR: go.bool,
  ipMasqNetwork: go.string,
};

const WIN_OVERLAY_FIELDS = {
  ...GO_NETCONF_FIELDS,
  ipam: go.raw,
  dns: GO_DNS,
  apiVersion: go.int,
  policies: go.list(POLICY_ENTRY),
  loopbackDSR: go.bool,
  ipMasq: go.bool,
  endpointMacPrefix: go.string,
};

/** Fields these plugins do not have but that are expected in their configs: noted at debug level only. */
const EXPLAINED: Explained = {
  ipmasq: ['debug', 'injected by flannel; win-bridge does not read it'],
  hcnpolicyargs: [
    'warn',
    'ignored, as current win-bridge ignores it (cni.dev still documents it): put these policies in "policies" to apply them',
  ],
  master: ['debug', 'the adapter; win-bridge does not read it (the network already exists)'],
  clusternetworkprefix: [
    'info',
    "documented for win-bridge by flannel's 2018 README but never read by it; ignored (ipMasqNetwork is the exception)",
  ],
  args: ['debug', 'not read by win-bridge'],
};

interface WinBridgeDoc extends GoCommon {
  ipam?: unknown;
  apiVersion?: number;
  policies?: ({ name?: string; value?: unknown } | undefined)[];
  loopbackDSR?: boolean;
  ipMasqNetwork?: string;
  ipMasq?: boolean;
  endpointMacPrefix?: string;
}

export function loadWinBridgeFamily(
  raw: Record<string, unknown>,
  choice: FamilyChoice,
  issues: ConfigIssue[],
): NetConf {
  const overlay = choice.family === 'win-overlay';
  const plugin = overlay ? 'win-overlay' : 'win-bridge';
  const read = readLikeGo(raw, overlay ? WIN_OVERLAY_FIELDS : WIN_BRIDGE_FIELDS);
  issues.push(...read.issues);
  const doc = read.value as WinBridgeDoc;
  const notes: ConfigNote[] = ignoredFieldNotes(read.ignored, plugin, EXPLAINED);

  const policies = endpointPolicies(doc.policies, issues, notes);
  if (!overlay && doc.ipMasqNetwork !== undefined && doc.ipMasqNetwork !== '') {
    if (isPlaceholder(doc.ipMasqNetwork) || !isIpCidr(doc.ipMasqNetwork)) {
      issues.push({ path: 'ipMasqNetwork', reason: `must be a CIDR (got ${JSON.stringify(doc.ipMasqNetwork)})` });
    } else {
      applyOutboundNatException(policies, doc.ipMasqNetwork);
    }
  }
  if (doc.apiVersion !== undefined && doc.apiVersion !== 2) {
    notes.push({
      level: 'info',
      path: 'apiVersion',
      text: `apiVersion ${doc.apiVersion}: ${plugin} would use the HNS v1 API (Docker only); hns-cni always uses HCN v2 and translates the v1 policies`,
    });
  }
  const ipam = delegatedIpam(doc.ipam, issues);
  const macPrefix =
    overlay && doc.endpointMacPrefix !== undefined && doc.endpointMacPrefix !== '' ? doc.endpointMacPrefix : undefined;
  if (macPrefix !== undefined && !/^[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}$/.test(macPrefix)) {
    issues.push({ path: 'endpointMacPrefix', reason: 'must be of the format xx-xx (win-overlay refuses it too)' });
  }
  if (overlay && hasPortMappings(raw)) {
    notes.push({
      level: 'info',
      path: 'runtimeConfig.portMappings',
      text: 'win-overlay parses port mappings but never applies them (containernetworking/plugins#530); hns-cni applies them',
    });
  }
  const decision: AnchorDecision = {
    mode: overlay ? 'overlay' : 'l2bridge',
    networkOwner: 'external',
    acceptedNetworkTypes: overlay ? ['Overlay'] : ['L2Bridge', 'L2Tunnel'],
    // win-bridge: IPAM subnet + 2; HNS-assigned: the gateway HNS gives the endpoint (the network's). win-overlay
    // always uses the HNS network's gateway, whatever the IPAM says.
    gatewayFrom: overlay ? 'network' : ipam !== undefined ? 'hostEndpoint' : 'addressSource',
    ...(macPrefix !== undefined && { macPrefix: macPrefix.toUpperCase() }),
    policyLayout: overlay ? 'win-overlay' : 'win-bridge',
    policies,
    loopbackDSR: doc.loopbackDSR ?? false,
    portMapping: { localRoutedVip: false, inboundAcl: false },
    dnsRules: { namespaceSearch: false, runtimeOptions: false },
    ...(ipam !== undefined && { ipam }),
    compat: {
      ...(doc.apiVersion === 1 || doc.apiVersion === 2 ? { apiVersion: doc.apiVersion } : {}),
      ...(doc.ipMasq !== undefined && { ipMasq: doc.ipMasq }),
      ...(typeof raw.ipMasq === 'boolean' && { ipMasq: raw.ipMasq }),
      ...(doc.ipMasqNetwork !== undefined && doc.ipMasqNetwork !== '' && { ipMasqNetwork: doc.ipMasqNetwork }),
    },
  };
  return anchorNetConf(doc, choice, decision, notes, issues);
}

/** The runtime sends port mappings (the hostPort capability's arguments). */
function hasPortMappings(raw: Record<string, unknown>): boolean {
  const rc = Object.entries(raw).find(([k]) => k.toLowerCase() === 'runtimeconfig')?.[1];
  if (typeof rc !== 'object' || rc === null) return false;
  const pm = Object.entries(rc).find(([k]) => k.toLowerCase() === 'portmappings')?.[1];
  return Array.isArray(pm) && pm.length > 0;
}

/**
 * The `policies` entries named EndpointPolicy (any case, as strings.EqualFold), translated to HCN v2. Other entries
 * are ignored, as win-bridge ignores them, with a warning.
 */
function endpointPolicies(
  entries: WinBridgeDoc['policies'],
  issues: ConfigIssue[],
  notes: ConfigNote[],
): EndpointPolicy[] {
  const kept: { name: string; value: Record<string, unknown> }[] = [];
  const indexes: number[] = [];
  (entries ?? []).forEach((entry, i) => {
    if (entry === undefined) return;
    if ((entry.name ?? '').toLowerCase() !== 'endpointpolicy') {
      notes.push({
        level: 'warn',
        path: `policies[${i}]`,
        text: `name "${entry.name ?? ''}" is not EndpointPolicy: ignored, as win-bridge ignores it`,
      });
      return;
    }
    const value = entry.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issues.push({ path: `policies[${i}].value`, reason: 'must be an HNS policy object' });
      return;
    }
    kept.push({ name: 'EndpointPolicy', value: value as Record<string, unknown> });
    indexes.push(i);
  });
  const translated = translateCompatPolicies(kept, undefined);
  // The translator numbers the kept entries; put the config's own index back into each path.
  for (const issue of translated.issues) {
    issues.push({
      ...issue,
      path: issue.path.replace(/^policies\[(\d+)\]/, (_, n: string) => `policies[${indexes[Number(n)]}]`),
    });
  }
  return translated.policies;
}

/**
 * netconf_windows.go ApplyOutboundNatPolicy: nothing when an OutBoundNAT policy already lists the CIDR among its
 * exceptions, otherwise one more OutBoundNAT policy with just that exception.
 */
export function applyOutboundNatException(policies: EndpointPolicy[], cidr: string): void {
  const listed = policies.some((p) => {
    if (p.Type !== 'OutBoundNAT') return false;
    const exceptions = (p.Settings as { Exceptions?: unknown } | undefined)?.Exceptions;
    return Array.isArray(exceptions) && exceptions.includes(cidr);
  });
  if (!listed) policies.push({ Type: 'OutBoundNAT', Settings: { Exceptions: [cidr] } });
}
