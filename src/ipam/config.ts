// The `ipam` section of the plugin config. `type` absent or "hns-cni" selects the built-in IPAM (strictly
// validated: unknown keys are reported); any other `type` names an external IPAM plugin whose section is passed
// through unchanged (the delegate gets the exact stdin bytes anyway). Defaults that depend on the platform or on a
// subnet learned at run time (gateway, host endpoint, data dir, kubeconfig path) are resolved when the IPAM is
// opened, not here: see the `default*` helpers below and docs/ipam.md.
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { ruleField } from '../cni/netconf.js';
import { configPathProblem } from '../cni/text-rules.js';
import { defaultDataDir } from '../store/data-dir.js';
import { cidrContains, parseAddress, parseAddressOrCidr, parseCidr } from './cidr.js';

export const BUILTIN_IPAM_TYPE = 'hns-cni';

const ipv4Address = z
  .string()
  .refine((s) => parseAddress(s)?.family === 4, { message: 'must be an IPv4 address, e.g. "10.244.1.10"' });

const ipv6Address = z
  .string()
  .refine((s) => parseAddress(s)?.family === 6, { message: 'must be an IPv6 address, e.g. "fd00:10:244:1::10"' });

const ipv4Subnet = z.string().refine(
  (s) => {
    const c = parseCidr(s);
    return c?.family === 4 && c.prefix <= 30;
  },
  { message: 'must be an IPv4 CIDR with a prefix length of /30 or shorter, e.g. "10.244.1.0/24"' },
);

const ipv6Subnet = z.string().refine(
  (s) => {
    const c = parseCidr(s);
    return c?.family === 6 && c.prefix >= 64 && c.prefix <= 126;
  },
  { message: 'must be an IPv6 CIDR between /64 and /126, e.g. "fd00:10:244:1::/64"' },
);

const routeSchema = z.strictObject({
  dst: z.string().refine((s) => parseCidr(s) !== undefined, { message: 'must be a CIDR, e.g. "0.0.0.0/0"' }),
  gw: z
    .string()
    .refine((s) => parseAddress(s) !== undefined, { message: 'must be an IP address' })
    .optional(),
});

export const builtinIpamConfigSchema = z
  .strictObject({
    type: z.literal(BUILTIN_IPAM_TYPE).optional(),
    /** The node's IPv4 pod subnet, given directly. Exactly one of subnet / subnetFrom. */
    subnet: ipv4Subnet.optional(),
    /** Learn the subnet from the Node object ("node") or from flannel's subnet.env ("flannel"). */
    subnetFrom: z.enum(['node', 'flannel']).optional(),
    /** subnetFrom "node": kubeconfig path (default C:\k\config on Windows). */
    kubeconfig: ruleField(configPathProblem).optional(),
    /** subnetFrom "node": the Node object's name (default: the host name, lower-cased). */
    nodeName: z.string().min(1).optional(),
    /** subnetFrom "node": trust the on-disk cache of the Node's podCIDRs for this long before re-reading it. */
    nodeCacheTtlSeconds: z.number().int().min(0).max(86_400).optional(),
    /** subnetFrom "flannel": path of subnet.env (default C:\run\flannel\subnet.env on Windows). */
    subnetFile: ruleField(configPathProblem).optional(),
    rangeStart: ipv4Address.optional(),
    rangeEnd: ipv4Address.optional(),
    /** Default: the subnet's first address (.1). Never handed out. */
    gateway: ipv4Address.optional(),
    /**
     * The L2Bridge host endpoint's address, kept out of the pool. Default: the subnet's second address (.2) when
     * the network mode has a host endpoint (the plugin says so when it opens the IPAM); `false` turns it off.
     */
    hostEndpoint: z.union([ipv4Address, z.literal(false)]).optional(),
    /** Addresses or CIDRs (either family) never handed out, e.g. kube-proxy's source VIP. */
    reserved: z
      .array(
        z.string().refine((s) => parseAddressOrCidr(s) !== undefined, {
          message: 'must be an IP address or a CIDR',
        }),
      )
      .optional(),
    routes: z.array(routeSchema).optional(),
    /** IPv6 pod subnet for dual-stack (with subnetFrom "node", the IPv6 entry of podCIDRs is used instead). */
    subnet6: ipv6Subnet.optional(),
    rangeStart6: ipv6Address.optional(),
    rangeEnd6: ipv6Address.optional(),
    /** Default: the IPv6 subnet's first address (::1). */
    gateway6: ipv6Address.optional(),
    /** Store directory (one subdirectory per network). Default: `<hns-cni data dir>/ipam`. */
    dataDir: ruleField(configPathProblem).optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (p: string, message: string) => ctx.addIssue({ code: 'custom', path: [p], message });
    if (c.subnet === undefined && c.subnetFrom === undefined) {
      issue('subnet', 'the built-in IPAM needs "subnet" (an IPv4 CIDR) or "subnetFrom" ("node" or "flannel")');
    }
    if (c.subnet !== undefined && c.subnetFrom !== undefined) {
      issue('subnetFrom', '"subnet" and "subnetFrom" are mutually exclusive');
    }
    for (const key of ['kubeconfig', 'nodeName', 'nodeCacheTtlSeconds'] as const) {
      if (c[key] !== undefined && c.subnetFrom !== 'node') issue(key, `"${key}" only applies to subnetFrom "node"`);
    }
    if (c.subnetFrom === 'node' && c.subnet6 !== undefined) {
      issue('subnet6', 'with subnetFrom "node" the IPv6 subnet comes from the Node\'s podCIDRs');
    }
    if (c.subnetFile !== undefined && c.subnetFrom !== 'flannel') {
      issue('subnetFile', '"subnetFile" only applies to subnetFrom "flannel"');
    }
    // Addresses can be checked against the subnet only when it is known now (not learned at run time).
    const subnet = c.subnet === undefined ? undefined : parseCidr(c.subnet);
    if (subnet) {
      for (const key of ['rangeStart', 'rangeEnd', 'gateway', 'hostEndpoint'] as const) {
        const v = c[key];
        if (typeof v !== 'string') continue;
        const a = parseAddress(v);
        if (a && !cidrContains(subnet, a)) issue(key, `${v} is outside the subnet ${c.subnet}`);
      }
    }
    const subnet6 = c.subnet6 === undefined ? undefined : parseCidr(c.subnet6);
    for (const key of ['rangeStart6', 'rangeEnd6', 'gateway6'] as const) {
      const v = c[key];
      if (v === undefined) continue;
      if (c.subnet6 === undefined && c.subnetFrom !== 'node') issue(key, `"${key}" needs an IPv6 subnet`);
      const a = parseAddress(v);
      if (subnet6 && a && !cidrContains(subnet6, a)) issue(key, `${v} is outside the subnet ${c.subnet6}`);
    }
    for (const [s, e] of [
      ['rangeStart', 'rangeEnd'],
      ['rangeStart6', 'rangeEnd6'],
    ] as const) {
      const start = c[s] === undefined ? undefined : parseAddress(c[s]);
      const end = c[e] === undefined ? undefined : parseAddress(c[e]);
      if (start && end && start.value > end.value) issue(e, `${e} ${c[e]} comes before ${s} ${c[s]}`);
    }
  });

export type BuiltinIpamConfig = z.infer<typeof builtinIpamConfigSchema>;

/** An external IPAM plugin's section: only `type` is ours to read; everything else belongs to that plugin. */
export interface DelegatedIpamConfig {
  type: string;
  [key: string]: unknown;
}

export type IpamConfig = BuiltinIpamConfig | DelegatedIpamConfig;

export function isDelegatedIpam(c: IpamConfig): c is DelegatedIpamConfig {
  return c.type !== undefined && c.type !== BUILTIN_IPAM_TYPE;
}

// A plain z.union would report both branches' failures for every mistake ("expected string at type" next to the
// real problem); dispatching on `type` first gives one precise issue list with correct paths.
export const ipamConfigSchema = z
  .looseObject({ type: z.string().min(1, 'ipam.type must not be empty').optional() })
  .transform((section, ctx): IpamConfig => {
    if (section.type !== undefined && section.type !== BUILTIN_IPAM_TYPE) {
      return section as DelegatedIpamConfig;
    }
    const parsed = builtinIpamConfigSchema.safeParse(section);
    if (parsed.success) return parsed.data;
    for (const i of parsed.error.issues) ctx.issues.push({ ...i, input: undefined });
    return z.NEVER;
  });

const isWindows = (platform: NodeJS.Platform) => platform === 'win32';

/**
 * `<hns-cni data dir>/ipam`: C:\ProgramData\hns-cni\ipam on Windows, `<tmpdir>/hns-cni/ipam` elsewhere, or
 * `$HNS_CNI_DATA_DIR/ipam`. An explicit `dataDir` in the config wins over all of these.
 */
export function defaultIpamDataDir(): string {
  return path.join(defaultDataDir(), 'ipam');
}

export function defaultKubeconfig(platform = process.platform): string {
  return isWindows(platform) ? 'C:\\k\\config' : '/etc/kubernetes/kubelet.conf';
}

export function defaultFlannelSubnetFile(platform = process.platform): string {
  return isWindows(platform) ? 'C:\\run\\flannel\\subnet.env' : '/run/flannel/subnet.env';
}

/** Kubernetes registers Windows nodes under the lower-cased host name. */
export function defaultNodeName(): string {
  return os.hostname().toLowerCase();
}

export const DEFAULT_NODE_CACHE_TTL_SECONDS = 60;
