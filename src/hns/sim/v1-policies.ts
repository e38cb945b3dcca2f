// v1 policies ↔ v2 policies (§2, §4.2). v1 policies are flat (`{"Type":"NAT","InternalPort":80,...}`, hcsshim
// internal/hns/hnspolicy.go); v2 ones are `{Type, Settings}` (hcn/hcnpolicy.go). Both directions, so a v1 client
// and a v2 client see one object: v1 input is stored as v2, v1 views are rendered from v2. The pairs follow
// containernetworking/plugins' own translation (pkg/hns/netconf_windows.go) and the two structs' field names.
import type { JsonObject } from './schema-check.js';

const PROTOCOLS: Record<string, number> = { TCP: 6, UDP: 17 };

/** Flat keys that differ between a v1 policy and the v2 Settings of its counterpart: [v1 key, v2 key]. */
const RENAMED: Record<string, [string, string][]> = {
  OutBoundNAT: [
    ['VIP', 'VirtualIP'],
    ['ExceptionList', 'Exceptions'],
  ],
  L4Proxy: [
    ['ExceptionList', 'Exceptions'],
    ['OutboundNat', 'OutboundNAT'],
  ],
  ProviderAddress: [['PA', 'ProviderAddress']],
  VLAN: [['VLAN', 'IsolationId']],
  VSID: [['VSID', 'IsolationId']],
};

/** v1 Type → v2 Type where the names differ. */
const V2_TYPE: Record<string, string> = {
  NAT: 'PortMapping',
  PA: 'ProviderAddress',
  ROUTE: 'SDNRoute',
  PROXY: 'L4Proxy',
};
const V1_TYPE: Record<string, string> = Object.fromEntries(Object.entries(V2_TYPE).map(([v1, v2]) => [v2, v1]));

function rename(o: JsonObject, pairs: [string, string][], from: 0 | 1): JsonObject {
  const out: JsonObject = { ...o };
  for (const pair of pairs) {
    const [a, b] = [pair[from], pair[1 - from]!];
    if (a in out) {
      out[b] = out[a];
      delete out[a];
    }
  }
  return out;
}

/** A v1 policy as v2; a policy that already has `Settings` is v2 and passes unchanged. */
export function v1PolicyToV2(p: unknown): unknown {
  if (typeof p !== 'object' || p === null || Array.isArray(p) || 'Settings' in p) return p;
  const { Type, ...flat } = p as JsonObject;
  const v1Type = String(Type);
  const type = V2_TYPE[v1Type.toUpperCase()] ?? v1Type;
  let settings = rename(flat, RENAMED[type] ?? [], 0);
  if (type === 'PortMapping') settings = v1NatSettings(settings);
  if (type === 'ACL') settings = v1AclSettings(settings);
  return Object.keys(settings).length === 0 ? { Type: type } : { Type: type, Settings: settings };
}

/** hcsshim's NatPolicy: Protocol "TCP"/"UDP", ExternalPortReserved as a bool (v2: NatFlags bit 4). */
function v1NatSettings(s: JsonObject): JsonObject {
  const { ExternalPortReserved, Protocol, ...rest } = s;
  const out: JsonObject = { ...rest };
  if (Protocol !== undefined && Protocol !== '') {
    out.Protocol = typeof Protocol === 'string' ? (PROTOCOLS[Protocol.toUpperCase()] ?? Number(Protocol)) : Protocol;
  }
  if (ExternalPortReserved === true) out.Flags = (typeof out.Flags === 'number' ? out.Flags : 0) | 4;
  return out;
}

/** hcsshim's v1 ACLPolicy has single-valued Protocol/LocalPort/RemotePort next to the v2 list strings. */
function v1AclSettings(s: JsonObject): JsonObject {
  const { Protocol, LocalPort, RemotePort, InternalPort: _internal, ServiceName: _service, ...rest } = s;
  const out: JsonObject = { ...rest };
  if (out.Protocols === undefined && Protocol !== undefined && Protocol !== 0) out.Protocols = String(Protocol);
  if (out.LocalPorts === undefined && LocalPort !== undefined && LocalPort !== 0) out.LocalPorts = String(LocalPort);
  if (out.RemotePorts === undefined && RemotePort !== undefined && RemotePort !== 0)
    out.RemotePorts = String(RemotePort);
  return out;
}

/** A stored v2 policy as a v1 view shows it (flat, v1 type names). */
export function v2PolicyToV1(p: { Type: string; Settings?: unknown }): JsonObject {
  const settings = rename((p.Settings ?? {}) as JsonObject, RENAMED[p.Type] ?? [], 1);
  const out: JsonObject = { Type: V1_TYPE[p.Type] ?? p.Type, ...settings };
  if (p.Type === 'PortMapping') {
    const { Flags, Protocol, VIP: _vip, ...rest } = settings;
    const name = Object.entries(PROTOCOLS).find(([, n]) => n === Protocol)?.[0];
    return {
      Type: 'NAT',
      ...rest,
      ...(Protocol === undefined ? {} : { Protocol: name ?? String(Protocol) }),
      ...(typeof Flags === 'number' && (Flags & 4) !== 0 ? { ExternalPortReserved: true } : {}),
    };
  }
  return out;
}

/** v1 subnet policies ({"Type":"VSID","VSID":4096}) as v2 ({"Type":"VSID","Settings":{"IsolationId":4096}}). */
export function v1SubnetPolicyToV2(p: unknown): unknown {
  return v1PolicyToV2(p);
}
