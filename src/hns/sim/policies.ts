// Policy lists (§4): every policy must have a known Type (matched case-insensitively, §4 "Calico sends SDNROUTE";
// stored in canonical spelling), PortMapping and ACL settings are checked the way HNS is seen to check them.
import { HR } from '../hresult.js';
import { ENDPOINT_POLICY_TYPES, type Policy } from '../types.js';
import { fail } from './failure.js';
import { checkPolicySettings } from './policy-settings.js';
import type { JsonObject } from './schema-check.js';

/** hcsshim's NetworkPolicyType constants in declaration order (hcn/hcnpolicy.go); the position is the number. */
export const NETWORK_POLICY_TYPES = [
  'SourceMacAddress',
  'NetAdapterName',
  'VSwitchExtension',
  'DrMacAddress',
  'AutomaticDNS',
  'InterfaceConstraint',
  'ProviderAddress',
  'RemoteSubnetRoute',
  'VxlanPort',
  'HostRoute',
  'SetPolicy',
  'L4Proxy',
  'LayerConstraint',
  'NetworkACL',
] as const;

const SUBNET_POLICY_TYPES = ['VLAN', 'VSID'] as const;

function canonicalType(type: unknown, known: readonly string[]): string {
  if (typeof type === 'number' && Number.isInteger(type) && type >= 0 && type < known.length) return known[type]!;
  if (typeof type === 'string') {
    const m = known.find((k) => k.toLowerCase() === type.toLowerCase());
    if (m !== undefined) return m;
  }
  fail(HR.HCN_E_INVALID_POLICY_TYPE);
}

function policyList(value: unknown, known: readonly string[]): Policy[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(HR.HCN_E_INVALID_JSON, '{{Policies,TypeMismatch}}');
  return value.map((p) => {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) fail(HR.HCN_E_INVALID_POLICY);
    const { Type, Settings } = p as JsonObject;
    const policy: Policy = { Type: canonicalType(Type, known) };
    if (Settings !== undefined && Settings !== null) {
      if (typeof Settings !== 'object' || Array.isArray(Settings)) fail(HR.HCN_E_INVALID_POLICY);
      policy.Settings = Settings as Record<string, unknown>;
    }
    return policy;
  });
}

export function networkPolicies(value: unknown): Policy[] {
  const list = policyList(value, NETWORK_POLICY_TYPES);
  for (const p of list) checkPolicySettings('network', p);
  return list;
}

export function subnetPolicies(value: unknown): Policy[] {
  const list = policyList(value, SUBNET_POLICY_TYPES);
  for (const p of list) checkPolicySettings('subnet', p);
  return list;
}

export function endpointPolicies(value: unknown): Policy[] {
  const list = policyList(value, ENDPOINT_POLICY_TYPES);
  for (const p of list) {
    checkPolicySettings('endpoint', p);
    if (p.Type === 'PortMapping') portMappingOf(p);
    if (p.Type === 'ACL') checkAcl(p.Settings ?? {});
  }
  if (list.filter((p) => p.Type === 'InterfaceParameters').length > 1) {
    fail(HR.HCN_INTERFACEPARAMETERS_ALREADY_APPLIED);
  }
  return list;
}

export interface PortMappingKey {
  protocol: number;
  externalPort: number;
  vip: string;
  /** NatFlags IPv6 (2): an IPv6 mapping of the same port is another mapping (WCN's enableDualStack sends both). */
  family: 4 | 6;
}

/** NatFlags (hcsshim hcnpolicy.go): NatFlagsIPv6. */
const NAT_FLAG_IPV6 = 2;

/** The identity of a port mapping on a network: protocol, external port, VIP and family (§4.2 PortMapping). */
export function portMappingOf(p: { Settings?: unknown }): PortMappingKey {
  const s = (p.Settings ?? {}) as JsonObject;
  const internal = s.InternalPort;
  if (internal === undefined || internal === 0) fail(HR.HCN_E_INVALID_INTERNAL_PORT);
  const external = s.ExternalPort ?? internal;
  if (!isPort(internal) || !isPort(external)) fail(HR.HCN_E_INVALID_POLICY);
  const family = (Number(s.Flags ?? 0) & NAT_FLAG_IPV6) !== 0 ? 6 : 4;
  return {
    protocol: protocolNumber(s.Protocol),
    externalPort: external,
    vip: typeof s.VIP === 'string' ? s.VIP : '',
    family,
  };
}

function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 65535;
}

function protocolNumber(v: unknown): number {
  if (v === undefined || v === null || v === '') return 6;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const named = new Map([
      ['tcp', 6],
      ['udp', 17],
    ]);
    const n = named.get(v.toLowerCase()) ?? Number(v);
    if (Number.isInteger(n)) return n;
  }
  fail(HR.HCN_E_INVALID_POLICY);
}

/** ACL addresses must be IPs or prefixes: "Any" is rejected with HCN_E_INVALID_POLICY (hcsshim#1059). */
function checkAcl(s: JsonObject): void {
  for (const key of ['LocalAddresses', 'RemoteAddresses']) {
    const v = s[key];
    if (v === undefined || v === '') continue;
    if (typeof v !== 'string' || v.split(',').some((a) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(a.trim()))) {
      fail(HR.HCN_E_INVALID_POLICY);
    }
  }
  const action = s.Action;
  if (action !== undefined && !['allow', 'block', 'pass'].includes(String(action).toLowerCase())) {
    fail(HR.HCN_E_INVALID_POLICY);
  }
}

/** Two policies are the same when their canonical JSON is (used by Remove and duplicate Add). */
export function samePolicy(a: { Type: string; Settings?: unknown }, b: { Type: string; Settings?: unknown }): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as JsonObject;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
