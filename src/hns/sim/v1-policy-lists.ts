// A v1 policy list ({"References":["/endpoints/<id>"],"Policies":[...]}, §2; hcsshim hnspolicylist.go, SDN
// hns.psm1 New-HnsLoadBalancer/New-HnsRoute) as the v2 object it is stored as: ELB policies make a load balancer
// (one port mapping each; SourceVIP, VIPs, IsDSR from the first), ROUTE policies an SDN route. A list mixing the
// two, or holding other types, is refused (HCN_E_INVALID_POLICY_TYPE): no client sends one.
import { HR } from '../hresult.js';
import { fail } from './failure.js';
import { type JsonObject, optArray } from './schema-check.js';

export type V1PolicyList = { kind: 'loadBalancer'; settings: JsonObject } | { kind: 'route'; settings: JsonObject };

const PROTOCOLS: Record<string, number> = { TCP: 6, UDP: 17 };

function endpointOf(reference: unknown): string {
  const m = typeof reference === 'string' ? /^\/?endpoints\/([^/]+)\/?$/i.exec(reference) : null;
  if (m === null) fail(HR.HCN_E_INVALID_JSON_REFERENCE, '{{References}}');
  return m[1]!;
}

export function v1PolicyListToV2(doc: JsonObject): V1PolicyList {
  const endpoints = (optArray(doc, 'References') ?? []).map(endpointOf);
  const policies = (optArray(doc, 'Policies') ?? []).map((p) => {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) fail(HR.HCN_E_INVALID_POLICY);
    return p as JsonObject;
  });
  const types = new Set(policies.map((p) => String(p.Type).toUpperCase()));
  const header = { SchemaVersion: { Major: 2, Minor: 0 }, HostComputeEndpoints: endpoints };
  if (types.size === 1 && types.has('ROUTE')) {
    return {
      kind: 'route',
      settings: { ...header, Routes: policies.map(({ Type: _t, ...route }) => route) },
    };
  }
  if (types.size !== 1 || !types.has('ELB')) fail(HR.HCN_E_INVALID_POLICY_TYPE);
  const first = policies[0]!;
  const vips = Array.isArray(first.VIPs) ? first.VIPs.filter((v) => v !== '') : [];
  return {
    kind: 'loadBalancer',
    settings: {
      ...header,
      ...(typeof first.SourceVIP === 'string' && first.SourceVIP !== '' ? { SourceVIP: first.SourceVIP } : {}),
      FrontendVIPs: vips,
      PortMappings: policies.map((p) => ({
        Protocol: typeof p.Protocol === 'string' ? (PROTOCOLS[p.Protocol.toUpperCase()] ?? 6) : (p.Protocol ?? 6),
        InternalPort: p.InternalPort ?? 0,
        ExternalPort: p.ExternalPort ?? 0,
        Flags: p.ILB === true ? 1 : 0,
      })),
      Flags: first.IsDSR === true ? 1 : 0,
    },
  };
}
