// Which plugin's rules a configuration follows. hns-cni is a drop-in for the anchor plugins: installed under an
// anchor's file name (win-bridge.exe, sdnbridge.exe, ...) it behaves as that plugin would with the same config;
// installed as hns-cni.exe it reads a config's `type`, and when that is "hns-cni" it tells a native config from
// one that was pasted from an anchor by the fields it carries. docs/config.md ("Moving from ...") has the tables.

/** hns-cni's own rules, or an anchor plugin's. */
export type Family = 'hns-cni' | 'win-bridge' | 'win-overlay' | 'nat' | 'sdnbridge' | 'sdnoverlay' | 'wincni';

export type FamilySource = 'executable' | 'type' | 'shape' | 'native';

export interface FamilyChoice {
  family: Family;
  /** How it was chosen: the executable's file name, the config's `type`, the config's fields, or native. */
  source: FamilySource;
  /** Why, in a sentence (logged; printed by `hns-cni migrate`). */
  reason: string;
}

/**
 * Executable (or `type`) names and the family they select. WCN maps its three binary names and the HCN network
 * types themselves (cni.go CniPluginNameToHcnTypeMap); its example `"type": "l2bridge"` (WCN#57) is read the same way.
 * `wincni` is the SDN repository's predecessor of WCN.
 */
const NAMES: Readonly<Record<string, Family>> = {
  'win-bridge': 'win-bridge',
  'win-overlay': 'win-overlay',
  sdnbridge: 'sdnbridge',
  l2bridge: 'sdnbridge',
  l2tunnel: 'sdnbridge',
  nat: 'nat',
  sdnoverlay: 'sdnoverlay',
  overlay: 'sdnoverlay',
  wincni: 'wincni',
};

/** `C:\k\cni\win-bridge.exe` → `win-bridge`; a name that is not an anchor's gives undefined. */
export function familyOfName(name: string | undefined): Family | undefined {
  if (name === undefined) return undefined;
  const base = name.split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.exe$/i, '').toLowerCase();
  return Object.hasOwn(NAMES, stem) ? NAMES[stem] : undefined;
}

/** Fields only hns-cni's own schema has: a config with any of them is native, whatever else it carries. */
const NATIVE_FIELDS = [
  'mode',
  'network',
  'networkOwner',
  'clusterCIDR',
  'serviceCIDR',
  'adapter',
  'nodeIP',
  'nodeSubnet',
  'gateway',
  'natNetwork',
  'outboundNAT',
  'routes',
  'hostNetwork',
  'portMapping',
  'networkSubnet',
  'gatewayFrom',
];

/** WCN's NetworkConfig fields (cni/cni.go). */
const WCN_FIELDS = ['additionalargs', 'optionalflags', 'additionalroutes'];
/** pkg/hns.NetConf and the win-bridge/win-overlay NetConf additions, plus what flannel injects. */
const WIN_BRIDGE_FIELDS = ['policies', 'apiversion', 'ipmasqnetwork', 'hcnpolicyargs', 'endpointmacprefix', 'ipmasq'];
/**
 * Fields that lean one way but that configs of the other family carry too (both plugins ignore `master`; WCN
 * reads loopbackDSR only from optionalFlags): consulted only when no field above decides.
 */
const WCN_HINTS = ['master'];
const WIN_BRIDGE_HINTS = ['loopbackdsr'];

function keysOf(obj: unknown): string[] {
  return typeof obj === 'object' && obj !== null && !Array.isArray(obj) ? Object.keys(obj) : [];
}

function hasKey(obj: unknown, lowerNames: readonly string[]): string | undefined {
  return keysOf(obj).find((k) => lowerNames.includes(k.toLowerCase()));
}

/** WCN's `ipam`: `environment`, or routes that only name a gateway (`{"GW": ...}`, no `dst`). */
function wcnIpam(ipam: unknown): boolean {
  if (hasKey(ipam, ['environment', 'addressspace', 'queryinterval', 'ipaddress'])) return true;
  const routesKey = hasKey(ipam, ['routes']);
  const routes = routesKey === undefined ? undefined : (ipam as Record<string, unknown>)[routesKey];
  return Array.isArray(routes) && routes.some((r) => hasKey(r, ['dst']) === undefined);
}

function wcnChoice(raw: Record<string, unknown>, field: string): FamilyChoice {
  return { family: wcnFamilyByShape(raw), source: 'shape', reason: `it has WCN's "${field}"` };
}

function winBridgeChoice(raw: Record<string, unknown>, field: string): FamilyChoice {
  const overlay = winOverlayShape(raw, nameOf(raw));
  const plugin = overlay ? 'win-overlay' : 'win-bridge';
  return { family: plugin, source: 'shape', reason: `it has ${plugin}'s "${field}"` };
}

/** flannel names its VXLAN network `flannel.<VNI>` (or vxlan0 in Microsoft's scripts). */
function overlayName(name: string): boolean {
  return /vxlan|overlay/.test(name) || /^flannel\.\d+$/.test(name);
}

function hasPolicy(raw: Record<string, unknown>, types: string): boolean {
  return new RegExp(`"Type"\\s*:\\s*"(${types})"`, 'i').test(JSON.stringify(raw));
}

/** A win-overlay config: its own field, a v1 `PA` / v2 `ProviderAddress` policy, or an overlay network's name. */
function winOverlayShape(raw: Record<string, unknown>, name: string): boolean {
  return hasKey(raw, ['endpointmacprefix']) !== undefined || hasPolicy(raw, 'PA|ProviderAddress') || overlayName(name);
}

/**
 * Decides the family: the executable's name when it is an anchor's, else the config's `type` when it is one, else
 * (type "hns-cni" or anything else) the config's shape: native fields win, then WCN's, then win-bridge's.
 */
export function chooseFamily(raw: Record<string, unknown>, invokedAs: string | undefined): FamilyChoice {
  const byExecutable = familyOfName(invokedAs);
  if (byExecutable !== undefined) {
    return { family: byExecutable, source: 'executable', reason: `installed as ${baseName(invokedAs!)}` };
  }
  const type = typeof raw.type === 'string' ? raw.type : undefined;
  const byType = familyOfName(type);
  if (byType !== undefined) return { family: byType, source: 'type', reason: `"type": "${type}"` };

  const native = NATIVE_FIELDS.find((f) => Object.hasOwn(raw, f));
  if (native !== undefined) return { family: 'hns-cni', source: 'native', reason: `it has hns-cni's "${native}"` };
  const wcn = hasKey(raw, WCN_FIELDS) ?? (wcnIpam(raw.ipam) ? 'ipam' : undefined);
  const winBridge = hasKey(raw, WIN_BRIDGE_FIELDS);
  if (wcn !== undefined) return wcnChoice(raw, wcn);
  if (winBridge !== undefined) return winBridgeChoice(raw, winBridge);
  const wcnHint = hasKey(raw, WCN_HINTS);
  if (wcnHint !== undefined) return wcnChoice(raw, wcnHint);
  const winBridgeHint = hasKey(raw, WIN_BRIDGE_HINTS);
  if (winBridgeHint !== undefined) return winBridgeChoice(raw, winBridgeHint);
  return { family: 'hns-cni', source: 'native', reason: 'it has no field of another plugin' };
}

/**
 * Which WCN binary a WCN-shaped config was written for, when its type says "hns-cni": first by the network's name
 * (WCN's own examples and tests name it natNetwork, l2bridgeNetwork, bridgeNet; flannel's are cbr0 and vxlan0 or
 * flannel.4096), then by what only one network type uses (a ProviderAddress policy: overlay; OutBoundNAT or
 * SDNRoute policies, forceBridgeGateway, dual-stack: a bridge). Undecided: `wincni`, whose rule is that the name
 * is the network type (from-wcn.ts refuses any other name with code 7).
 */
function wcnFamilyByShape(raw: Record<string, unknown>): Family {
  const name = nameOf(raw);
  if (name.includes('nat')) return 'nat';
  if (overlayName(name)) return 'sdnoverlay';
  if (/bridge|tunnel|^cbr/.test(name)) return 'sdnbridge';
  if (hasPolicy(raw, 'ProviderAddress|PA')) return 'sdnoverlay';
  if (hasPolicy(raw, 'OutBoundNAT|SDNRoute|ROUTE')) return 'sdnbridge';
  if (/"(forceBridgeGateway|enableDualStack)"\s*:\s*true/i.test(JSON.stringify(raw))) return 'sdnbridge';
  return 'wincni';
}

function nameOf(raw: Record<string, unknown>): string {
  const key = hasKey(raw, ['name']);
  const name = key === undefined ? undefined : raw[key];
  return typeof name === 'string' ? name.toLowerCase() : '';
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

export function isWinBridgeFamily(f: Family): f is 'win-bridge' | 'win-overlay' {
  return f === 'win-bridge' || f === 'win-overlay';
}
