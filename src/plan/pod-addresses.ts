// A pod's addresses per family: which subnets the pod network has (IPv4 first), which gateway each family's
// default route takes, and what goes into the endpoint's IpConfigurations. One IPv4 address, an IPv4 and an IPv6
// address (dual-stack), or one IPv6 address; from the IPAM, or from HNS (then the network's subnets say which
// families HNS will assign).
//
// Where HNS gives pods IPv6 (hns-api.md §3.7, kube-proxy winkernel's kernelSupportsDualstack): HNS 11.10 and later
// (Windows Server 2004 / 2022; the IPv6DualStack feature gate), on L2Bridge networks (the anchors: WCN's
// enableDualStack) and Overlay networks (Azure CNI's dual-stack overlay; kube-proxy still treats overlay as
// single-stack and load-balances IPv4 only). IPv6-only pods: L2Bridge only (a VXLAN network's provider address is
// IPv4). Anything else is refused with code 2 before HNS sees it, naming what to change.
import { CNI_CODE, CniError } from '../cni/errors.js';
import { addressOf, canonicalCidr, defaultDestination, familyOf, prefixLengthOf } from '../config/address.js';
import { firstHost } from '../config/defaults.js';
import { DUAL_STACK_MODES } from '../config/schema.js';
import type { NetConf } from '../config/types.js';
import type { HnsVersion, HostComputeNetwork } from '../hns/types.js';
import { formatHnsVersion, hnsSupports } from './features.js';
import { type GatewayHint, networkGatewayFor, podGatewayFor } from './gateway.js';
import type { SubnetSpec } from './network.js';
import type { PodAddress } from './types.js';

export interface PodFamilies {
  /** The pod network's subnets with their network gateways, the pod's primary family first. */
  subnets: SubnetSpec[];
  /** The pods' next hop of the primary family (IPv4; IPv6 for an IPv6-only pod). */
  gateway: string;
  /** A dual-stack pod's IPv6 next hop. */
  gateway6?: string;
  /** The endpoint's IpConfigurations (empty when HNS assigns). */
  ips: { address: string; prefixLength: number }[];
  /** The pod has, or HNS will give it, an IPv6 address. */
  ipv6: boolean;
}

/** The subnets HNS recorded on a network, with the gateway of each (its default route's next hop, else its .1). */
function subnetsOf(network: HostComputeNetwork | null): SubnetSpec[] {
  const out: SubnetSpec[] = [];
  for (const subnet of network?.Ipams?.flatMap((i) => i.Subnets ?? []) ?? []) {
    const prefix = subnet.IpAddressPrefix;
    const family = prefix === undefined ? undefined : familyOf(prefix);
    if (prefix === undefined || family === undefined) continue;
    const hop = subnet.Routes?.find((r) => r.DestinationPrefix === defaultDestination(family))?.NextHop;
    out.push({ subnet: canonicalCidr(prefix), gateway: hop ?? firstHost(canonicalCidr(prefix)) });
  }
  return out;
}

function ofFamily(subnets: readonly SubnetSpec[], family: 4 | 6): SubnetSpec | undefined {
  return subnets.find((s) => familyOf(s.subnet) === family);
}

/** The network's first subnet of a family (HNS-assigned addresses come from it). */
export function networkSubnetOf(network: HostComputeNetwork | null, family: 4 | 6): SubnetSpec | undefined {
  return ofFamily(subnetsOf(network), family);
}

export interface FamiliesInput {
  config: NetConf;
  allocation?: PodAddress;
  podNetwork: HostComputeNetwork | null;
  hnsVersion?: HnsVersion;
  notes: string[];
}

export function podFamilies({ config, allocation, podNetwork, hnsVersion, notes }: FamiliesInput): PodFamilies {
  const existing = subnetsOf(podNetwork);
  const dualCapable = DUAL_STACK_MODES.includes(config.mode);
  // [subnet, the IPAM's gateway, the address] per family the pod gets, primary first.
  const wanted: { subnet: string; reported?: string; address?: string }[] = [];
  if (allocation !== undefined) {
    wanted.push({
      subnet: canonicalCidr(allocation.address),
      ...(allocation.gateway !== undefined && { reported: allocation.gateway }),
      address: allocation.address,
    });
    if (allocation.ipv6 !== undefined) {
      wanted.push({
        subnet: canonicalCidr(allocation.ipv6.address),
        ...(allocation.ipv6.gateway !== undefined && { reported: allocation.ipv6.gateway }),
        address: allocation.ipv6.address,
      });
    }
  } else {
    const v4 =
      ofFamily(existing, 4)?.subnet ??
      config.networkIpam?.subnet ??
      (config.mode === 'nat' ? config.natNetwork.subnet : undefined);
    if (v4 === undefined) {
      throw new CniError(
        CNI_CODE.INVALID_CONFIG,
        `HNS network "${config.network}" does not exist and no pod subnet is known to create it: configure "ipam" with the node's pod subnet`,
      );
    }
    wanted.push({ subnet: v4 });
    // HNS assigns from every subnet of the network; an IPv6 one counts where HNS can give pods IPv6.
    const v6 = ofFamily(existing, 6);
    const v6Possible = hnsVersion === undefined || hnsSupports(hnsVersion, 'IPv6DualStack');
    if (v6 !== undefined && dualCapable && v6Possible) wanted.push({ subnet: v6.subnet });
  }
  checkFamilies(
    config,
    wanted.map((w) => familyOf(w.subnet)!),
    allocation !== undefined,
    hnsVersion,
    notes,
  );

  const subnets: SubnetSpec[] = [];
  const gateways: string[] = [];
  for (const w of wanted) {
    const recorded = existing.find((s) => s.subnet === w.subnet) ?? ofFamily(existing, familyOf(w.subnet)!);
    // The IPAM reports the subnet's gateway; when HNS assigns the address, the gateway HNS recorded on the existing
    // network's subnet plays that part.
    const hint: GatewayHint = {
      ...((w.reported ?? recorded?.gateway) !== undefined && { gateway: (w.reported ?? recorded?.gateway)! }),
      ...(recorded !== undefined && { networkGateway: recorded.gateway }),
    };
    subnets.push({ subnet: w.subnet, gateway: networkGatewayFor(config, w.subnet, hint) });
    gateways.push(podGatewayFor(config, w.subnet, hint));
  }
  const ips = wanted
    .filter((w): w is typeof w & { address: string } => w.address !== undefined)
    .map((w) => ({ address: addressOf(w.address), prefixLength: prefixLengthOf(w.address) }));
  const ipv6 = wanted.some((w) => familyOf(w.subnet) === 6);
  return { subnets, gateway: gateways[0]!, ...(gateways[1] !== undefined && { gateway6: gateways[1] }), ips, ipv6 };
}

/** Refusals (code 2) for what HNS cannot do in this mode or on this node's HNS; see the header. */
function checkFamilies(
  config: NetConf,
  families: (4 | 6)[],
  fromIpam: boolean,
  version: HnsVersion | undefined,
  notes: string[],
): void {
  if (!families.includes(6)) return;
  const unsupported = (why: string) =>
    new CniError(CNI_CODE.UNSUPPORTED_FIELD, why, JSON.stringify({ mode: config.mode, families }));
  if (!DUAL_STACK_MODES.includes(config.mode)) {
    if (!fromIpam) return;
    throw unsupported(
      `the IPAM gave this pod an IPv6 address, which ${config.mode} mode cannot carry: HNS gives pods IPv6 on L2Bridge and Overlay networks only; use mode "l2bridge" or "overlay" for a dual-stack cluster, or an IPv4-only IPAM`,
    );
  }
  if (!families.includes(4) && config.mode !== 'l2bridge') {
    throw unsupported(
      `IPv6-only pods are not possible in ${config.mode} mode (a VXLAN network's provider address is IPv4): give the IPAM an IPv4 range too, or use mode "l2bridge"`,
    );
  }
  if (version === undefined) {
    notes.push('the HNS version is unknown: the IPv6 address is sent as is, HNS decides (IPv6DualStack needs 11.10+)');
    return;
  }
  if (!hnsSupports(version, 'IPv6DualStack')) {
    throw unsupported(
      `HNS ${formatHnsVersion(version)} on this node gives pods no IPv6 address (IPv6DualStack needs HNS 11.10 or later: Windows Server 2022, or 2004+); give the IPAM IPv4 only on this node`,
    );
  }
}
