// The hns-cni network configuration as it arrives on stdin (or sits in the .conflist), before defaults. Every field
// is documented here and in docs/config.md; load.ts turns the parsed value into the fully defaulted NetConf.
// Unknown keys are errors (a typo must not silently drop a setting), so win-bridge's fields are listed explicitly.
import { z } from 'zod';
import { baseNetConfShape, ruleField } from '../cni/netconf.js';
import { hnsNameProblem } from '../cni/text-rules.js';
import { ipamConfigSchema } from '../ipam/config.js';
import { isIPv4, isIPv4Cidr, isPlaceholder } from './address.js';

export const NETWORK_MODES = ['transparent', 'nat', 'l2bridge'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

/** The HNS network type of each mode's pod network. */
export const MODE_NETWORK_TYPES: Readonly<Record<NetworkMode, 'Transparent' | 'NAT' | 'L2Bridge'>> = {
  transparent: 'Transparent',
  nat: 'NAT',
  l2bridge: 'L2Bridge',
};

/** Modes the design has room for but that are not built yet: named so the error can say "not yet". */
const PLANNED_MODES: Record<string, string> = {
  overlay: 'mode "overlay" (VXLAN with RemoteSubnetRoute policies) is not implemented yet',
};

export const HOST_NETWORK_MODES = ['emulate', 'refuse'] as const;
export type HostNetworkMode = (typeof HOST_NETWORK_MODES)[number];

/** hns-cni creates the HNS network when it is missing; "external": another component does (flanneld, node setup). */
export const NETWORK_OWNERS = ['hns-cni', 'external'] as const;
export type NetworkOwner = (typeof NETWORK_OWNERS)[number];

/** The pod gateway: the host endpoint (.2, l2bridge's default) or what the address source reports (IPAM / HNS). */
export const GATEWAY_SOURCES = ['hostEndpoint', 'addressSource'] as const;
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

/** An extra static route for the pod: destination CIDR and optional next hop (default: the mode's gateway). */
export const routeSchema = z.strictObject({ dst: ipv4CidrField, gw: ipv4AddressField.optional() });

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
  exceptions: z.array(ipv4CidrField).optional(),
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
  /** The cluster-wide pod CIDR. Required in transparent mode. Default in l2bridge: ipMasqNetwork. */
  clusterCIDR: ipv4CidrField.optional(),
  /** The Service CIDR. Required in transparent mode. */
  serviceCIDR: ipv4CidrField.optional(),
  /** Physical adapter for transparent/l2bridge networks (NetAdapterName policy). Default: HNS chooses. */
  adapter: ruleField((s) => hnsNameProblem(s, 256)).optional(),
  /** The node's own IPv4 address (SDNRoute /32 in l2bridge). */
  nodeIP: ipv4AddressField.optional(),
  /** The node's host subnet (OutBoundNAT exception in l2bridge; avoided by the automatic NAT subnet). */
  nodeSubnet: ipv4CidrField.optional(),
  /** The pods' next hop on the pod network. Default: transparent .1 (or the IPAM's), l2bridge .2 (host endpoint). */
  gateway: ipv4AddressField.optional(),
  /** Without `gateway`: "hostEndpoint" (subnet .2) or "addressSource" (the IPAM's or the HNS network's gateway). */
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
  /** l2bridge: let a pod reach itself through a Service VIP (kube-proxy --enable-dsr). Needs HNS DSR support. */
  loopbackDSR: z.boolean().optional(),
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
