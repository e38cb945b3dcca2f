// flannel's Windows CNI meta-plugin, reproduced: what flannel hands its delegate (win-bridge, win-overlay,
// sdnbridge, ...). Written from flannel-io/cni-plugin @ 092e6d26 flannel.go (loadFlannelNetConf, cmdAdd,
// loadFlannelSubnetEnv, delegateAdd) and flannel_windows.go (doCmdAdd), step by step:
//   cmdAdd: the `delegate` map must not carry `name` or `ipam`, and `type` must be a string; the runtime's
//           `runtimeConfig` (libcni puts it on flannel's own config) is copied into the delegate;
//   doCmdAdd: name ← the network's name; type defaults to win-bridge; ipMasq ← FLANNEL_IPMASQ;
//             ipMasqNetwork ← the first FLANNEL_NETWORK; cniVersion ← "0.2.0" (types020.ImplementedSpecVersion)
//             unless flannel's own config has one; ipam ← {type: host-local, subnet: FLANNEL_SUBNET's network};
//   delegateAdd: json.Marshal(map) — Go writes map keys sorted, recursively — and that is the delegate's stdin.

export interface FlannelSubnetEnv {
  /** FLANNEL_NETWORK, comma-separated CIDRs (the first is ipMasqNetwork). */
  network: string;
  /** FLANNEL_SUBNET: the node's lease, written with the gateway's address (10.244.1.1/24). */
  subnet: string;
  ipmasq: boolean;
}

/** The subnet.env flanneld writes on a node (the file flannel's cmdAdd reads). */
export function subnetEnvText(env: FlannelSubnetEnv): string {
  return `FLANNEL_NETWORK=${env.network}\nFLANNEL_SUBNET=${env.subnet}\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=${env.ipmasq}\n`;
}

/**
 * The delegate config flannel builds for one ADD. `flannelConf` is flannel's own plugin config as libcni hands it
 * over (from a conflist: with the list's cniVersion and name, and runtimeConfig for its capabilities).
 */
export function flannelDelegate(flannelConf: Record<string, unknown>, env: FlannelSubnetEnv): Record<string, unknown> {
  const given = goField(flannelConf, 'delegate');
  const delegate: Record<string, unknown> =
    given !== undefined && given !== null ? structuredClone(given as Record<string, unknown>) : {};
  if (Object.hasOwn(delegate, 'type') && typeof delegate.type !== 'string') {
    throw new Error("'delegate' dictionary, if present, must have (string) 'type' field");
  }
  if (Object.hasOwn(delegate, 'name')) throw new Error("'delegate' dictionary must not have 'name' field");
  if (Object.hasOwn(delegate, 'ipam')) throw new Error("'delegate' dictionary must not have 'ipam' field");
  // Go's json decodes into the NetConf struct case-insensitively: `RuntimeConfig`, `CNIVersion` ... all count.
  const runtimeConfig = goField(flannelConf, 'runtimeConfig');
  if (runtimeConfig !== undefined && runtimeConfig !== null) delegate.runtimeConfig = runtimeConfig;

  delegate.name = goField(flannelConf, 'name');
  if (!Object.hasOwn(delegate, 'type')) delegate.type = 'win-bridge';
  delegate.ipMasq = env.ipmasq;
  delegate.ipMasqNetwork = networkOf(env.network.split(',')[0]!);
  const version = goField(flannelConf, 'cniVersion');
  delegate.cniVersion = typeof version === 'string' && version.length !== 0 ? version : '0.2.0';
  delegate.ipam = { type: 'host-local', subnet: networkOf(env.subnet) };
  return sortKeys(delegate) as Record<string, unknown>;
}

/** Go's net.ParseCIDR(...).String(): the network address with the prefix ("10.244.1.1/24" → "10.244.1.0/24"). */
export function networkOf(cidr: string): string {
  const [address, prefix] = cidr.split('/');
  const bits = Number(prefix);
  const octets = address!.split('.').map(Number);
  const value = octets.reduce((acc, o) => acc * 256 + o, 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const net = (value & mask) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${bits}`;
}

/** encoding/json field lookup: an exact key first, then any key equal ignoring case. */
function goField(obj: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(obj, key)) return obj[key];
  const found = Object.keys(obj).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : obj[found];
}

/** json.Marshal of a map[string]interface{}: keys in sorted order, at every level. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(obj)
      .sort()
      .map((k) => [k, sortKeys(obj[k])]),
  );
}
