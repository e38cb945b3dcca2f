// Simulator options: one per behaviour that hns-api.md marks UNCONFIRMED (or that varies between HNS builds), plus
// the shape of the simulated host. They live in the state file, so every process (plugin, `sim serve`, tests)
// agrees; `hns-cni sim options --set key=value` changes them.
import { formatHresult, HR, parseHresult } from '../hresult.js';

export type GuidCase = 'upper' | 'lower';

export interface SimOptions {
  /** HNS service version reported by HNSCall GET /globals/version ("Major.Minor"). 15.4 enables every feature gate. */
  hnsVersion: string;
  /** Case of GUIDs in outputs, per object kind (§7.1: uppercase networks/endpoints, lowercase namespaces seen). */
  networkGuidCase: GuidCase;
  endpointGuidCase: GuidCase;
  namespaceGuidCase: GuidCase;
  /** Deleting a network that still has endpoints: delete them too, or HCN_E_ENTITY_HAS_REFERENCES (§7.9). */
  networkDeleteWithEndpoints: 'cascade' | 'error';
  /** Deleting an endpoint attached to a namespace: detach it first, or HCN_E_ENTITY_HAS_REFERENCES. */
  endpointDeleteWhileAttached: 'detach' | 'error';
  /** Deleting a namespace that still lists endpoints: detach them, or HCN_E_REQUEST_UNSUPPORTED (§7.8). */
  namespaceDeleteWithEndpoints: 'detach' | 'error';
  /** HRESULT for an endpoint IP already used by another endpoint of the network (v1 observed 0x80071392, §7.6). */
  duplicateIpHresult: number;
  /** HRESULT for removing an endpoint from a namespace it is not in; 0 = succeed silently. */
  detachNotAttachedHresult: number;
  /** HRESULT for creating an endpoint with a GUID that exists (or still lingers after a delete). */
  duplicateEndpointIdHresult: number;
  /**
   * What a deleted endpoint leaves behind for endpointDeleteLingerMs (§7.14: deletes are not always visible at
   * once): nothing; its GUID, which cannot be created again yet; or its GUID, still listed by HcnEnumerateEndpoints.
   */
  endpointDeleteLinger: 'none' | 'blocks-create' | 'still-listed';
  endpointDeleteLingerMs: number;
  /** Not-found HRESULT of Open/Delete (and stale handles) per kind (§6.1, §7.8, §7.10). */
  networkNotFoundHresult: number;
  endpointNotFoundHresult: number;
  namespaceNotFoundHresult: number;
  /** HRESULT for a handle whose object was deleted; 0 = the kind's not-found code (§7.13). */
  staleHandleHresult: number;
  /** Network name comparison for duplicates and Name filters (§7.2: case sensitivity UNCONFIRMED). */
  nameMatch: 'insensitive' | 'exact';
  /** Reject unknown top-level members with HCN_E_INVALID_JSON {{Field,UnknownField}} (§1.7). */
  rejectUnknownFields: boolean;
  /** Key of the endpoint id inside a namespace's Resources[].Data (§3.4: "ID" in hcsshim, "Id" in v1 views). */
  namespaceResourceIdKey: 'ID' | 'Id';
  /** Physical adapters of the simulated host; the first is the default for external-switch networks. */
  adapters: string[];
  /** The host's address on the default adapter: the ProviderAddress HNS adds to Overlay networks (§7.11). */
  hostAddress: string;
  /** How long a new external vSwitch takes the host off the network (recorded as a blip event, §7.3). */
  vswitchBlipMs: number;
  /** Whether CreateNetwork itself waits vswitchBlipMs when it creates a vSwitch. */
  vswitchBlipDelaysCall: boolean;
  /** Create the default `nat` network when the state is created or reset (§7.4). */
  natFixture: boolean;
  /** What an enumerate that matches nothing returns: `[]`, or a NULL out-string (hns.v2.psm1 guards against it). */
  enumerateEmptyOutput: 'array' | 'null';
  /** Case of load balancer and SDN route GUIDs in outputs (§7.1 observed nothing for them). */
  loadBalancerGuidCase: GuidCase;
  routeGuidCase: GuidCase;
  /** Not-found HRESULT of Open/Delete for load balancers and SDN routes (UNCONFIRMED; ERROR_NOT_FOUND guessed). */
  loadBalancerNotFoundHresult: number;
  routeNotFoundHresult: number;
  /** A load balancer or route naming an endpoint that does not exist: HCN_E_ENDPOINT_NOT_FOUND, or accepted. */
  policyListUnknownEndpoint: 'error' | 'accept';
  /** Deleting an endpoint a load balancer or route still names: drop the reference, or HCN_E_ENTITY_HAS_REFERENCES. */
  endpointDeleteWithPolicyLists: 'prune' | 'error';
  /** The key of an SDN route's route list in outputs: the schema's `Routes` or hcsshim's `Setting` (§3.6). */
  sdnRouteOutputKey: 'Routes' | 'Setting';
  /**
   * How HNSCall (v1) reports a failure (§2): `mixed` = a missing object as S_OK + {"Success":false} and anything
   * else as a failing HRESULT (both seen in the wild), or always one of the two.
   */
  v1FailureStyle: 'mixed' | 'hresult' | 'envelope';
  /** Overlay VSIDs (VXLAN VNIs) below 4096: refused with HCN_E_INVALID_POLICY (flannel's Windows docs), or accepted. */
  overlayLowVsid: 'reject' | 'accept';
  /** An Overlay subnet without a VSID policy: HCN_E_INVALID_SUBNET, or accepted (every client seen sends one). */
  overlaySubnetVsid: 'required' | 'optional';
  /** Create with GUID_NULL and a document that has an `ID`: HNS uses that ID (hcsshim's tests need it), or a new one. */
  createDocumentId: 'honoured' | 'ignored';
  /**
   * How HNS turns an endpoint's Routes into the routes of the namespace it joins (issue 10 F2): 'as-given' (builds
   * with endpoint route support: exactly the routes given); 'implicit-default' (an endpoint given no default route
   * gets one through its subnet's gateway anyway); 'default-only' (builds before endpoint route support: only
   * default routes are kept, other routes are dropped from the endpoint).
   */
  endpointRoutes: 'as-given' | 'implicit-default' | 'default-only';
  /** PortMapping Flags bit 1 (LocalRoutedVip): lets the node reach its own host ports ('honoured'), or has no
   *  effect ('ignored': WS2019, which AKS#3620 says will not get the fix). Without the bit the node never can. */
  localRoutedVip: 'honoured' | 'ignored';
  /** How endpoint policy Settings are echoed by Query (F5): as sent; with empty/zero members left out; with the
   *  schema's default members filled in. */
  policyEchoEmpty: 'verbatim' | 'omit-empty' | 'fill-defaults';
  /** Scalars in echoed policy Settings: as sent; numbers as decimal strings; PortMapping Protocol as a name. */
  policyEchoScalars: 'as-given' | 'strings' | 'protocol-names';
  /** Keys in echoed policy Settings: as sent, or in the schema's spelling (matched case-insensitively). */
  policyEchoKeyCase: 'as-given' | 'schema';
  /**
   * The adapter an external-switch network without NetAdapterName binds (F8): the host's first adapter even when
   * another network's vSwitch holds it ('first', sharing that vSwitch), or the first adapter no vSwitch holds
   * ('first-unbound'; the first adapter when every one is taken).
   */
  adapterSelection: 'first' | 'first-unbound';
  /** The default gateway of the host's default adapter, and the prefix length of its address (the node subnet). */
  hostGateway: string;
  hostPrefixLength: number;
  /**
   * CreateIpForwardEntry2 with host bits set in DestinationPrefix (10.1.2.3/24): ERROR_INVALID_PARAMETER, or the
   * prefix is stored with the host bits cleared (UNCONFIRMED; MSDN does not say).
   */
  routePrefixHostBits: 'reject' | 'normalize';
  /**
   * An external vSwitch on an adapter moves the host's IP configuration to the new `vEthernet (<adapter>)` vNIC,
   * which has a new interface index and LUID (flannel re-reads the index after creating its network), or the
   * simulated host keeps reporting the adapter's own index.
   */
  vswitchHostInterface: 'renumber' | 'keep';
  /**
   * Attaching an endpoint of an Overlay network to the host (v1 attach, SystemType Host): accepted as on L2Bridge,
   * or refused with HCN_E_INVALID_ENDPOINT (UNCONFIRMED: SDN's Attach-HnsHostEndpoint is seen on L2Bridge only).
   */
  overlayHostAttach: 'accept' | 'reject';
  /**
   * How HNS takes calls that change state (create, modify, delete): all at once, each waiting only its own latency
   * ('concurrent'), or one at a time, each waiting for the changes before it ('serialised': HNS is one service that
   * serialises most changes; reads are not queued). Only matters with a latency (`sim latency`).
   */
  changeSerialisation: 'concurrent' | 'serialised';
  /**
   * IPv6 subnets or endpoint addresses on a build before IPv6DualStack (11.10): refused (HCN_E_INVALID_SUBNET /
   * HCN_E_INVALID_IP), or quietly dropped (hcsshim only says from which version a client may send them).
   */
  ipv6BeforeDualStack: 'reject' | 'drop';
  /** The VxlanPort network policy on a build before 10.3: an unknown policy type (refused), or quietly dropped. */
  vxlanPortBeforeSupport: 'reject' | 'drop';
}

export const DEFAULT_OPTIONS: Readonly<SimOptions> = Object.freeze({
  hnsVersion: '15.4',
  networkGuidCase: 'upper',
  endpointGuidCase: 'upper',
  namespaceGuidCase: 'lower',
  networkDeleteWithEndpoints: 'cascade',
  endpointDeleteWhileAttached: 'detach',
  namespaceDeleteWithEndpoints: 'detach',
  duplicateIpHresult: HR.ERROR_OBJECT_ALREADY_EXISTS,
  detachNotAttachedHresult: HR.ERROR_NOT_FOUND,
  duplicateEndpointIdHresult: HR.ERROR_ALREADY_EXISTS,
  endpointDeleteLinger: 'none',
  endpointDeleteLingerMs: 2000,
  networkNotFoundHresult: HR.HCN_E_NETWORK_NOT_FOUND,
  endpointNotFoundHresult: HR.HCN_E_ENDPOINT_NOT_FOUND,
  namespaceNotFoundHresult: HR.ERROR_NOT_FOUND,
  staleHandleHresult: 0,
  nameMatch: 'insensitive',
  rejectUnknownFields: true,
  namespaceResourceIdKey: 'ID',
  adapters: ['Ethernet'],
  hostAddress: '10.0.0.4',
  vswitchBlipMs: 2000,
  vswitchBlipDelaysCall: false,
  natFixture: false,
  enumerateEmptyOutput: 'array',
  loadBalancerGuidCase: 'upper',
  routeGuidCase: 'upper',
  loadBalancerNotFoundHresult: HR.ERROR_NOT_FOUND,
  routeNotFoundHresult: HR.ERROR_NOT_FOUND,
  policyListUnknownEndpoint: 'error',
  endpointDeleteWithPolicyLists: 'prune',
  sdnRouteOutputKey: 'Routes',
  v1FailureStyle: 'mixed',
  overlayLowVsid: 'reject',
  overlaySubnetVsid: 'required',
  createDocumentId: 'honoured',
  endpointRoutes: 'as-given',
  localRoutedVip: 'honoured',
  policyEchoEmpty: 'verbatim',
  policyEchoScalars: 'as-given',
  policyEchoKeyCase: 'as-given',
  adapterSelection: 'first',
  hostGateway: '10.0.0.1',
  hostPrefixLength: 24,
  routePrefixHostBits: 'reject',
  vswitchHostInterface: 'renumber',
  overlayHostAttach: 'accept',
  changeSerialisation: 'concurrent',
  ipv6BeforeDualStack: 'reject',
  vxlanPortBeforeSupport: 'reject',
} satisfies SimOptions);

const HRESULT_KEYS = new Set<keyof SimOptions>([
  'duplicateIpHresult',
  'detachNotAttachedHresult',
  'duplicateEndpointIdHresult',
  'networkNotFoundHresult',
  'endpointNotFoundHresult',
  'namespaceNotFoundHresult',
  'staleHandleHresult',
  'loadBalancerNotFoundHresult',
  'routeNotFoundHresult',
]);

const CHOICES: Partial<Record<keyof SimOptions, readonly string[]>> = {
  networkGuidCase: ['upper', 'lower'],
  endpointGuidCase: ['upper', 'lower'],
  namespaceGuidCase: ['upper', 'lower'],
  networkDeleteWithEndpoints: ['cascade', 'error'],
  endpointDeleteWhileAttached: ['detach', 'error'],
  namespaceDeleteWithEndpoints: ['detach', 'error'],
  nameMatch: ['insensitive', 'exact'],
  namespaceResourceIdKey: ['ID', 'Id'],
  enumerateEmptyOutput: ['array', 'null'],
  loadBalancerGuidCase: ['upper', 'lower'],
  routeGuidCase: ['upper', 'lower'],
  policyListUnknownEndpoint: ['error', 'accept'],
  endpointDeleteWithPolicyLists: ['prune', 'error'],
  sdnRouteOutputKey: ['Routes', 'Setting'],
  v1FailureStyle: ['mixed', 'hresult', 'envelope'],
  overlayLowVsid: ['reject', 'accept'],
  overlaySubnetVsid: ['required', 'optional'],
  createDocumentId: ['honoured', 'ignored'],
  endpointRoutes: ['as-given', 'implicit-default', 'default-only'],
  localRoutedVip: ['honoured', 'ignored'],
  policyEchoEmpty: ['verbatim', 'omit-empty', 'fill-defaults'],
  policyEchoScalars: ['as-given', 'strings', 'protocol-names'],
  policyEchoKeyCase: ['as-given', 'schema'],
  adapterSelection: ['first', 'first-unbound'],
  // F7: a delete that is not visible at once (§7.14).
  endpointDeleteLinger: ['none', 'blocks-create', 'still-listed'],
  routePrefixHostBits: ['reject', 'normalize'],
  vswitchHostInterface: ['renumber', 'keep'],
  overlayHostAttach: ['accept', 'reject'],
  changeSerialisation: ['concurrent', 'serialised'],
  ipv6BeforeDualStack: ['reject', 'drop'],
  vxlanPortBeforeSupport: ['reject', 'drop'],
};

/**
 * The plausible answers of real HNS for options that are not a closed choice (HRESULTs, versions), in the text form
 * of `sim options --set`. Together with CHOICES and the boolean options they make the variant matrix
 * (scripts/sim-matrix.mjs): every value here runs the plugin's lifecycle, fault and concurrency tests. The first
 * value is the default.
 */
const PLAUSIBLE: Partial<Record<keyof SimOptions, readonly string[]>> = {
  hnsVersion: ['15.4', '13.2', '10.1', '9.5'],
  duplicateIpHresult: ['ERROR_OBJECT_ALREADY_EXISTS', 'HCN_E_ADDR_INVALID_OR_RESERVED'],
  // F1: HNS's answer to removing an endpoint that is not in the namespace.
  detachNotAttachedHresult: [
    'ERROR_NOT_FOUND',
    'HCN_E_ENDPOINT_NOT_ATTACHED',
    'ok',
    'HCN_E_ENDPOINT_NOT_FOUND',
    'E_INVALIDARG',
  ],
  // F6: creating an endpoint whose GUID exists.
  duplicateEndpointIdHresult: [
    'ERROR_ALREADY_EXISTS',
    'ERROR_OBJECT_ALREADY_EXISTS',
    'HCN_E_ENDPOINT_ALREADY_ATTACHED',
    'E_INVALIDARG',
  ],
  networkNotFoundHresult: ['HCN_E_NETWORK_NOT_FOUND', 'ERROR_NOT_FOUND'],
  endpointNotFoundHresult: ['HCN_E_ENDPOINT_NOT_FOUND', 'ERROR_NOT_FOUND'],
  namespaceNotFoundHresult: ['ERROR_NOT_FOUND', 'ERROR_OBJECT_NOT_FOUND'],
  staleHandleHresult: ['ok', 'HCN_E_OBJECT_USED_AFTER_UNLOAD', 'E_HANDLE'],
  loadBalancerNotFoundHresult: ['ERROR_NOT_FOUND', 'ERROR_OBJECT_NOT_FOUND'],
  routeNotFoundHresult: ['ERROR_NOT_FOUND', 'ERROR_OBJECT_NOT_FOUND'],
  endpointDeleteLingerMs: ['2000', '500'],
};

/** Options that describe the simulated host rather than an unknown of HNS: they stay at their value in the matrix. */
export const HOST_SHAPE_OPTIONS: Readonly<Partial<Record<keyof SimOptions, string>>> = {
  adapters: 'the host has the NICs a test gives it',
  hostAddress: 'the host has the address a test gives it',
  vswitchBlipMs: 'how long a blip lasts is a property of the host, not of the API',
  hostGateway: "the host's default gateway is the one a test gives it",
  hostPrefixLength: "the node subnet's prefix is the one a test gives it",
  changeSerialisation: "a timing model for benchmarks: at the tests' zero latency it changes nothing",
};

/**
 * Every value the variant matrix runs for `key`, default first, in `--set` text form; undefined for host-shape
 * options. Closed choices and booleans join by themselves; other options by declaring PLAUSIBLE values.
 */
export function matrixValues(key: keyof SimOptions): readonly string[] | undefined {
  if (Object.hasOwn(HOST_SHAPE_OPTIONS, key)) return undefined;
  const text = textOf(key, DEFAULT_OPTIONS[key]);
  const declared =
    CHOICES[key] ?? PLAUSIBLE[key] ?? (typeof DEFAULT_OPTIONS[key] === 'boolean' ? ['true', 'false'] : undefined);
  if (declared === undefined) return undefined;
  // Default first, each value once (PLAUSIBLE spells HRESULTs by name; compare parsed values).
  const parsed = (v: string) => JSON.stringify(parseOptionValue(key, v));
  const rest = declared.filter((v) => parsed(v) !== parsed(text));
  return [text, ...rest];
}

function textOf(key: keyof SimOptions, value: SimOptions[keyof SimOptions]): string {
  if (HRESULT_KEYS.has(key) && typeof value === 'number') return value === 0 ? 'ok' : formatHresult(value);
  return Array.isArray(value) ? value.join(',') : String(value);
}

/**
 * The options a new simulated host starts with: the defaults, overridden by HNS_CNI_SIM_OPTIONS (a JSON object of
 * option → `--set` text, e.g. {"endpointRoutes":"default-only"}). The variant matrix sets it for whole test runs;
 * it applies where a state file is created (or reset with --options), so every process sharing the file agrees.
 */
export function initialOptions(env: NodeJS.ProcessEnv = process.env): SimOptions {
  const options: SimOptions = { ...DEFAULT_OPTIONS, adapters: [...DEFAULT_OPTIONS.adapters] };
  const text = env.HNS_CNI_SIM_OPTIONS;
  if (text === undefined || text.trim() === '') return options;
  let overrides: unknown;
  try {
    overrides = JSON.parse(text);
  } catch {
    throw new Error('HNS_CNI_SIM_OPTIONS must be a JSON object of option names to values');
  }
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    throw new Error('HNS_CNI_SIM_OPTIONS must be a JSON object of option names to values');
  }
  for (const [key, value] of Object.entries(overrides)) {
    Object.assign(options, { [key]: parseOptionValue(key, String(value)) });
  }
  return options;
}

export function isOptionKey(key: string): key is keyof SimOptions {
  return Object.hasOwn(DEFAULT_OPTIONS, key);
}

/** Parses `value` for option `key` (the text form of `sim options --set key=value`). Throws on bad input. */
export function parseOptionValue(key: string, value: string): SimOptions[keyof SimOptions] {
  if (!isOptionKey(key)) throw new Error(`unknown simulator option ${key}`);
  if (HRESULT_KEYS.has(key)) return value === 'ok' ? 0 : parseHresult(value);
  const choices = CHOICES[key];
  if (choices) {
    if (!choices.includes(value)) throw new Error(`${key} must be one of ${choices.join(', ')}`);
    return value;
  }
  const current = DEFAULT_OPTIONS[key];
  if (typeof current === 'boolean') {
    if (value !== 'true' && value !== 'false') throw new Error(`${key} must be true or false`);
    return value === 'true';
  }
  if (typeof current === 'number') {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${key} must be a non-negative number`);
    return n;
  }
  if (Array.isArray(current)) return value.split(',').filter((s) => s !== '');
  if (key === 'hnsVersion' && !/^\d+\.\d+$/.test(value)) throw new Error('hnsVersion must look like 15.4');
  return value;
}

/** Options for display: HRESULTs as hex text. */
export function describeOptions(o: SimOptions): Record<string, string | number | boolean | string[]> {
  const out: Record<string, string | number | boolean | string[]> = {};
  for (const [k, v] of Object.entries(o) as [keyof SimOptions, SimOptions[keyof SimOptions]][]) {
    out[k] = HRESULT_KEYS.has(k) && typeof v === 'number' ? (v === 0 ? 'ok' : formatHresult(v)) : v;
  }
  return out;
}

export function parseVersion(text: string): { Major: number; Minor: number } {
  const [major, minor] = text.split('.').map(Number);
  return { Major: major ?? 0, Minor: minor ?? 0 };
}
