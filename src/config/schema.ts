// The hns-cni network configuration as it arrives on stdin (or sits in the .conflist), before defaults. Every field
// is documented here and in docs/config.md; load.ts turns the parsed value into the fully defaulted NetConf.
// Unknown keys are errors (a typo must not silently drop a setting), so win-bridge's fields are listed explicitly.
import { z } from 'zod';
import { baseNetConfShape, ruleField } from '../cni/netconf.js';
import { hnsNameProblem } from '../cni/text-rules.js';
import { ipamConfigSchema } from '../ipam/config.js';
import { familyOf, isIPv4, isIPv4Cidr, isIpAddress, isIpCidr, isPlaceholder } from './address.js';

export const NETWORK_MODES = ['transparent', 'nat', 'l2bridge', 'overlay'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

/** The HNS network type of each mode's pod network. */
export const MODE_NETWORK_TYPES: Readonly<Record<NetworkMode, 'Transparent' | 'NAT' | 'L2Bridge' | 'Overlay'>> = {
  transparent: 'Transparent',
  nat: 'NAT',
  l2bridge: 'L2Bridge',
  overlay: 'Overlay',
};

/** Modes whose pods HNS gives an IPv6 address next to the IPv4 one (HNS ≥ 11.10, IPv6DualStack). */
export const DUAL_STACK_MODES: readonly NetworkMode[] = ['l2bridge', 'overlay'];

/** The lowest VXLAN network id Windows takes (flannel: "VNI must be 4096 or greater"), and the VXLAN UDP port. */
export const DEFAULT_VNI = 4096;
export const DEFAULT_VXLAN_PORT = 4789;

/** Modes the design has room for but that are not built yet: named so the error can say "not yet". */
const PLANNED_MODES: Record<string, string> = {};

export const HOST_NETWORK_MODES = ['emulate', 'refuse'] as const;
export type HostNetworkMode = (typeof HOST_NETWORK_MODES)[number];

/** hns-cni creates the HNS network when it is missing; "external": another component does (flanneld, node setup). */
export const NETWORK_OWNERS = ['hns-cni', 'external'] as const;
export type NetworkOwner = (typeof NETWORK_OWNERS)[number];

/** The pod gateway: the host endpoint (.2, l2bridge's default), what the address source reports (IPAM / HNS), or the HNS network's own subnet gateway (win-overlay). */
export const GATEWAY_SOURCES = ['hostEndpoint', 'addressSource', 'network'] as const;
export type GatewayFrom = (typeof GATEWAY_SOURCES)[number];

export const HOST_NETWORK_DETECTION = ['annotation', 'api'] as const;
export type HostNetworkDetection = (typeof HOST_NETWORK_DETECTION)[number];

const PLACEHOLDER_HINT = 'looks like an unfilled template placeholder; put the real value here (see containerd#5729)';

/** An IPv4 CIDR, with a dedicated message for template placeholders such as "<service cidr>". */
export const ipv4CidrField = z.string().superRefine((s, ctx) => {
  if (isPlaceholder(s)) ctx.addIssue({ code: 'custom', message: `"${s}" ${PLACEHOLDER_HINT}` });
  else if (!isIPv4Cidr(s)) ctx.addIssue({ code: 'custom', message: `must be an IPv4 CIDR, e.g. "10.244.0.0/16"` });
});

export const ipv4AddressField = z.string().superRefine((s, ctx) => {
  if (isPlaceholder(s)) ctx.addIssue({ code: 'custom', message: `"${s}" ${PLACEHOLDER_HINT}` });
  else if (!isIPv4(s)) ctx.addIssue({ code: 'custom', message: `must be an IPv4 address, e.g. "10.0.0.4"` });
});

/** A CIDR of either family (dual-stack exceptions and routes). */
export const ipCidrField = z.string().superRefine((s, ctx) => {
  if (isPlaceholder(s)) ctx.addIssue({ code: 'custom', message: `"${s}" ${PLACEHOLDER_HINT}` });
  else if (!isIpCidr(s))
    ctx.addIssue({ code: 'custom', message: `must be a CIDR, e.g. "10.244.0.0/16" or "fd00::/56"` });
});

export const ipAddressField = z.string().superRefine((s, ctx) => {
  if (isPlaceholder(s)) ctx.addIssue({ code: 'custom', message: `"${s}" ${PLACEHOLDER_HINT}` });
  else if (!isIpAddress(s)) ctx.addIssue({ code: 'custom', message: `must be an IP address, e.g. "10.0.0.4"` });
});

/**
 * One value per family, as kube-controller-manager's `--cluster-cidr` takes them: "10.244.0.0/16", or for a
 * dual-stack cluster "10.244.0.0/16,fd00:10:244::/56" (an IPv4 and an IPv6 one, in either order).
 */
function dualField(kind: 'CIDR' | 'address', example: string) {
  const valid = kind === 'CIDR' ? isIpCidr : isIpAddress;
  return z.string().superRefine((s, ctx) => {
    if (isPlaceholder(s)) {
      ctx.addIssue({ code: 'custom', message: `"${s}" ${PLACEHOLDER_HINT}` });
      return;
    }
    const parts = s.split(',').map((p) => p.trim());
    const bad = parts.find((p) => !valid(p));
    if (bad !== undefined || parts.length > 2) {
      ctx.addIssue({
        code: 'custom',
        message: `must be an IPv4 ${kind}, or an IPv4 and an IPv6 ${kind} separated by a comma, e.g. "${example}"`,
      });
    } else if (parts.length === 2 && familyOf(parts[0]!) === familyOf(parts[1]!)) {
      ctx.addIssue({ code: 'custom', message: `the two values must be of different families (IPv4 and IPv6)` });
    }
  });
}

export const dualCidrField = dualField('CIDR', '10.244.0.0/16,fd00:10:244::/56');
export const dualAddressField = dualField('address', '10.0.0.4,fd00::4');

const port = z.number().int().min(1).max(65535);

const modeField = z.string().superRefine((s, ctx) => {
  if ((NETWORK_MODES as readonly string[]).includes(s)) return;
  const key = s.toLowerCase();
  const planned = Object.hasOwn(PLANNED_MODES, key) ? PLANNED_MODES[key] : undefined;
  ctx.addIssue({
    code: 'custom',
    message: planned
      ? `${planned}; use one of ${NETWORK_MODES.join(', ')}`
      : `must be one of ${NETWORK_MODES.join(', ')} (got "${s}")`,
  });
});

/**
 * An extra static route for the pod: destination CIDR and optional next hop (default: the mode's gateway of the
 * destination's family). IPv6 routes apply to pods that have an IPv6 address.
 */
export const routeSchema = z
  .strictObject({ dst: ipCidrField, gw: ipAddressField.optional() })
  .refine((r) => r.gw === undefined || familyOf(r.gw) === familyOf(r.dst), {
    message: 'gw must be of the same family as dst',
    path: ['gw'],
  });

/** Overlay mode's VXLAN settings (HNS network policies VSID, VxlanPort, DrMacAddress; flannel's vxlan backend). */
export const vxlanSchema = z.strictObject({
  /** The VXLAN network id (subnet policy VSID), 4096 or more on Windows. Default 4096, flannel's. */
  vni: z.number().int().min(DEFAULT_VNI).max(0xffffff).optional(),
  /** The VXLAN UDP port (network policy VxlanPort, HNS ≥ 10.3). Default 4789. */
  port: z.number().int().min(1).max(65535).optional(),
  /** The distributed router MAC (network policy DrMacAddress). Default: the one HNS assigns. */
  drMac: z
    .string()
    .regex(/^[0-9A-Fa-f]{2}([-:][0-9A-Fa-f]{2}){5}$/, 'must be a MAC address, e.g. "0E-2A-00-00-00-01"')
    .optional(),
});

export const natNetworkSchema = z.strictObject({
  /** HNS name of the NAT network (transparent mode's outbound network). Default `<network>-nat`. */
  name: ruleField(hnsNameProblem).optional(),
  /** Its IPv4 subnet. Default: a private /20 chosen to avoid every configured prefix (defaults.ts). */
  subnet: ipv4CidrField.optional(),
});

export const outboundNatSchema = z.strictObject({
  /** SNAT pod egress to the node IP (l2bridge). Default true. */
  enabled: z.boolean().optional(),
  /** Destinations never SNATed, in addition to clusterCIDR, serviceCIDR and nodeSubnet. */
  exceptions: z.array(ipCidrField).optional(),
  /**
   * The pod network's subnet (as HNS reports it) is never SNATed either: win-overlay's `ipMasq`. With `enabled:
   * false` it is its own OutBoundNAT policy, unless a policy of the config lists it.
   */
  podSubnet: z.boolean().optional(),
});

export const hostNetworkSchema = z.strictObject({
  /** "emulate" (default): normal pod network plus host-port emulation; "refuse": fail such pods (use HostProcess). */
  mode: z.enum(HOST_NETWORK_MODES).optional(),
  /** Resolvers that replace 127.0.0.1/::1 in a host-network pod's DNS (kubelet's host DNS is useless in a pod). */
  dnsServers: z.array(ipv4AddressField).optional(),
  /** Host ports a host-network pod may not map. Default [22, 53, 80, 443, 6443, 9099, 9890, 10250, 10256]. */
  reservedPorts: z.array(port).optional(),
  /** The NodePort range, also refused. Default {min: 30000, max: 32767}. */
  nodePortRange: z.strictObject({ min: port, max: port }).optional(),
  /**
   * How a host-network pod is recognised: "annotation" (hns-cni.dev/host-network only) or "api" (also the pod's
   * spec.hostNetwork, looked up by K8S_POD_NAMESPACE/K8S_POD_NAME). Default: "api" when a kubeconfig is available.
   */
  detect: z.enum(HOST_NETWORK_DETECTION).optional(),
  /** The kubeconfig for that lookup. Default: ipam.kubeconfig, else C:\k\config on Windows. */
  kubeconfig: z.string().min(1).optional(),
  /** Give up on the API server after this long and fall back to the annotation. Default 2000 ms. */
  apiTimeoutMs: z.number().int().min(100).max(30_000).optional(),
  /** Refuse host ports a process of the node already holds (IP Helper's TCP/UDP tables). Default true. */
  checkPortsInUse: z.boolean().optional(),
});

export const timeoutsSchema = z.strictObject({
  /** Upper bound for any single HNS call, in milliseconds. Default 30000. */
  hnsCallMs: z.number().int().min(100).max(600_000).optional(),
});

/** win-bridge's `policies` entry; keys are matched case-insensitively before parsing (winbridge.ts). */
export const compatPolicyEntrySchema = z.strictObject({
  name: z.string(),
  value: z.record(z.string(), z.unknown()),
});

export const netConfInputSchema = z.strictObject({
  ...baseNetConfShape,
  /** The built-in IPAM (type absent or "hns-cni") or a delegated plugin; validated by ipam/config.ts. */
  ipam: ipamConfigSchema.optional(),
  /** transparent | nat | l2bridge. Default l2bridge (what win-bridge does, so a migrated config keeps working). */
  mode: modeField.optional(),
  /** HNS network name: the one kube-proxy watches (KUBE_NETWORK / --network-name). Default: `name`. */
  network: ruleField(hnsNameProblem).optional(),
  /** The cluster-wide pod CIDR ("v4" or "v4,v6"). Required in transparent mode. Default: ipMasqNetwork. */
  clusterCIDR: dualCidrField.optional(),
  /** The Service CIDR ("v4" or "v4,v6"). Required in transparent mode. */
  serviceCIDR: dualCidrField.optional(),
  /** Physical adapter for transparent/l2bridge networks (NetAdapterName policy). Default: HNS chooses. */
  adapter: ruleField((s) => hnsNameProblem(s, 256)).optional(),
  /** The node's own address ("v4" or "v4,v6"): SDNRoute /32 in l2bridge, the provider address in overlay. */
  nodeIP: dualAddressField.optional(),
  /** The node's host subnet ("v4" or "v4,v6"): OutBoundNAT exception; avoided by the automatic NAT subnet. */
  nodeSubnet: dualCidrField.optional(),
  /** The pods' next hop on the pod network. Default: transparent .1 (or the IPAM's), l2bridge .2 (host endpoint). */
  gateway: dualAddressField.optional(),
  /** Without `gateway`: "hostEndpoint" (subnet .2), "addressSource" (the IPAM's, or HNS's when it assigns), "network". */
  gatewayFrom: z.enum(GATEWAY_SOURCES).optional(),
  /** "external": another component creates the network; hns-cni uses it and a missing one is code 11. */
  networkOwner: z.enum(NETWORK_OWNERS).optional(),
  /** The subnet hns-cni gives the network it creates when no IPAM allocation names one (HNS then assigns from it). */
  networkSubnet: ipv4CidrField.optional(),
  /** PortMapping extras: NatFlags LocalRoutedVip (the node reaches its own host ports), an inbound allow ACL. */
  portMapping: z
    .strictObject({ localRoutedVip: z.boolean().optional(), inboundAcl: z.boolean().optional() })
    .optional(),
  natNetwork: natNetworkSchema.optional(),
  outboundNAT: outboundNatSchema.optional(),
  /** l2bridge, overlay: a pod reaches itself through a Service VIP (kube-proxy --enable-dsr). Needs HNS DSR. */
  loopbackDSR: z.boolean().optional(),
  /** overlay: the VXLAN settings of a network hns-cni creates. */
  vxlan: vxlanSchema.optional(),
  /** overlay: kube-proxy's --source-vip, kept out of the built-in IPAM's pool. Default the pod subnet's .2. */
  sourceVip: z.union([ipv4AddressField, z.literal(false)]).optional(),
  routes: z.array(routeSchema).optional(),
  hostNetwork: hostNetworkSchema.optional(),
  timeouts: timeoutsSchema.optional(),
  // ---- win-bridge compatibility (winbridge.ts) ----
  /** win-bridge: 2 selects HCN. hns-cni always uses HCN v2; 1 and 2 are both accepted. */
  apiVersion: z.union([z.literal(1), z.literal(2)]).optional(),
  policies: z.array(compatPolicyEntrySchema).optional(),
  /** win-bridge's removed field (still in cni.dev docs): a list of HCN v2 endpoint policies. */
  HcnPolicyArgs: z.array(z.record(z.string(), z.unknown())).optional(),
  /** flannel's delegate: FLANNEL_NETWORK, added as an OutBoundNAT exception (and the clusterCIDR default). */
  ipMasqNetwork: ipv4CidrField.optional(),
  /** flannel's delegate: accepted and ignored, as win-bridge does (outbound NAT is `outboundNAT.enabled`). */
  ipMasq: z.boolean().optional(),
});

export type NetConfInput = z.output<typeof netConfInputSchema>;
export type CompatPolicyEntry = z.output<typeof compatPolicyEntrySchema>;
