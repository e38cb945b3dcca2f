// win-bridge compatibility: its `policies: [{name: "EndpointPolicy", value: {...}}]` entries in HNS v1 form
// (`ExceptionList`, `ROUTE`, `PA`, `NAT`) or HCN v2 form (`{Type, Settings}`), and its removed `HcnPolicyArgs`,
// become typed HCN v2 endpoint policies. Unlike win-bridge (which drops a v2 value it cannot parse), every entry is
// either translated or reported as a code-7 issue naming it. Go decodes JSON keys case-insensitively, so real
// configs spell them `Name`/`Value`/`ApiVersion`; keys are matched without regard to case here too.
import { z } from 'zod';
import type { ConfigIssue } from '../cni/netconf.js';
import { formatJsonPath } from '../cni/netconf.js';
import { setOwnProperty } from '../cni/own-property.js';
import { ENDPOINT_POLICY_TYPES, type EndpointPolicy } from '../hns/types.js';
import { isIpAddress, isIpCidr, isPlaceholder } from './address.js';

/** Top-level keys win-bridge/flannel write, in our spelling; any casing of them is accepted. */
const COMPAT_TOP_LEVEL_KEYS = ['apiVersion', 'policies', 'loopbackDSR', 'ipMasq', 'ipMasqNetwork', 'HcnPolicyArgs'];

/** Rewrites win-bridge's top-level keys and each policy entry's name/value keys to their canonical spelling. */
export function normalizeCompatKeys(raw: Record<string, unknown>): Record<string, unknown> {
  const out = renameKeys(raw, COMPAT_TOP_LEVEL_KEYS);
  if (Array.isArray(out.policies)) {
    out.policies = out.policies.map((p) => (isObject(p) ? renameKeys(p, ['name', 'value']) : p));
  }
  return out;
}

const checked = (ok: (s: string) => boolean, what: string) =>
  z.string().superRefine((s, ctx) => {
    if (isPlaceholder(s)) ctx.addIssue({ code: 'custom', message: `"${s}" is an unfilled template placeholder` });
    else if (!ok(s)) ctx.addIssue({ code: 'custom', message: `must be ${what}` });
  });
// IPv4 or IPv6: dual-stack configs carry IPv6 exceptions, destinations and routes (WCN's dual-stack examples).
const cidr = checked(isIpCidr, 'an IPv4 or IPv6 CIDR');
const cidrOrAddress = checked((s) => isIpCidr(s) || isIpAddress(s), 'an IPv4 or IPv6 CIDR or address');
const address = checked(isIpAddress, 'an IPv4 or IPv6 address');
const port = z.number().int().min(1).max(65535);
/** hcsshim hcn NatFlags: LocalRoutedVip 1, IPv6 2, ExternalPortReserved 4. */
const NAT_FLAG_EXTERNAL_PORT_RESERVED = 4;
const protocol = z.union([z.literal(6), z.literal(17), z.enum(['TCP', 'UDP', 'tcp', 'udp'])]).transform((p) => {
  if (typeof p === 'number') return p;
  return p.toUpperCase() === 'TCP' ? 6 : 17;
});

/** Settings schemas for the types hns-cni itself reasons about; other v2 types pass through with their Settings. */
const V2_SETTINGS: Partial<Record<(typeof ENDPOINT_POLICY_TYPES)[number], z.ZodType>> = {
  OutBoundNAT: z.strictObject({
    VirtualIP: address.optional(),
    Exceptions: z.array(cidrOrAddress).optional(),
    Destinations: z.array(address).optional(),
    Flags: z.number().int().optional(),
    MaxPortPoolUsage: z.number().int().min(0).max(65535).optional(),
  }),
  SDNRoute: z.strictObject({
    DestinationPrefix: cidr,
    NextHop: address.optional(),
    NeedEncap: z.boolean().optional(),
    AutomaticEndpointMonitor: z.boolean().optional(),
  }),
  ProviderAddress: z.strictObject({ ProviderAddress: address }),
  PortMapping: z.strictObject({
    Protocol: protocol,
    InternalPort: port,
    ExternalPort: port,
    VIP: z.string().optional(),
    Flags: z.number().int().optional(),
  }),
};

/** HNS v1 policy → v2 {Type, Settings}, as containernetworking/plugins translates them (hns-api.md §4). */
const V1_TRANSLATIONS: Record<string, { type: string; schema: z.ZodType<Record<string, unknown>> }> = {
  outboundnat: {
    type: 'OutBoundNAT',
    schema: z
      .strictObject({
        Type: z.string(),
        ExceptionList: z.array(cidrOrAddress).optional(),
        VIP: address.optional(),
        Destinations: z.array(address).optional(),
        MaxPortPoolUsage: z.number().int().min(0).max(65535).optional(),
      })
      .transform((v) =>
        dropUndefined({
          VirtualIP: v.VIP,
          Exceptions: v.ExceptionList,
          Destinations: v.Destinations,
          MaxPortPoolUsage: v.MaxPortPoolUsage,
        }),
      ),
  },
  route: {
    type: 'SDNRoute',
    schema: z
      .strictObject({
        Type: z.string(),
        DestinationPrefix: cidr,
        NextHop: address.optional(),
        NeedEncap: z.boolean().optional(),
      })
      .transform((v) =>
        dropUndefined({ DestinationPrefix: v.DestinationPrefix, NextHop: v.NextHop, NeedEncap: v.NeedEncap }),
      ),
  },
  pa: {
    type: 'ProviderAddress',
    schema: z.strictObject({ Type: z.string(), PA: address }).transform((v) => ({ ProviderAddress: v.PA })),
  },
  nat: {
    type: 'PortMapping',
    schema: z
      .strictObject({
        Type: z.string(),
        Protocol: protocol,
        InternalPort: port,
        ExternalPort: port,
        VIP: z.string().optional(),
        // v1 NatPolicy.ExternalPortReserved is v2's NatFlags ExternalPortReserved (4).
        ExternalPortReserved: z.boolean().optional(),
      })
      .transform((v) => ({
        Protocol: v.Protocol,
        InternalPort: v.InternalPort,
        ExternalPort: v.ExternalPort,
        VIP: v.VIP ?? '',
        ...(v.ExternalPortReserved === true && { Flags: NAT_FLAG_EXTERNAL_PORT_RESERVED }),
      })),
  },
  // hcsshim internal/hns ACLPolicy → hcn AclPolicySetting: the single-value fields become the list fields v2 has.
  acl: {
    type: 'ACL',
    schema: z
      .strictObject({
        Type: z.string(),
        Id: z.string().optional(),
        Protocol: z.number().int().min(0).max(255).optional(),
        Protocols: z.string().optional(),
        Action: z.string(),
        Direction: z.string(),
        LocalAddresses: z.string().optional(),
        RemoteAddresses: z.string().optional(),
        LocalPorts: z.string().optional(),
        LocalPort: port.optional(),
        RemotePorts: z.string().optional(),
        RemotePort: port.optional(),
        RuleType: z.string().optional(),
        Priority: z.number().int().min(0).max(65535).optional(),
      })
      .transform((v) =>
        dropUndefined({
          Id: v.Id,
          Protocols: v.Protocols ?? (v.Protocol === undefined ? undefined : String(v.Protocol)),
          Action: v.Action,
          Direction: v.Direction,
          LocalAddresses: v.LocalAddresses,
          RemoteAddresses: v.RemoteAddresses,
          LocalPorts: v.LocalPorts ?? (v.LocalPort === undefined ? undefined : String(v.LocalPort)),
          RemotePorts: v.RemotePorts ?? (v.RemotePort === undefined ? undefined : String(v.RemotePort)),
          RuleType: v.RuleType,
          Priority: v.Priority,
        }),
      ),
  },
};

export interface TranslatedPolicies {
  policies: EndpointPolicy[];
  issues: ConfigIssue[];
}

/**
 * Translates `policies` (win-bridge entries) and `HcnPolicyArgs` (bare v2 policies) into HCN v2 endpoint policies,
 * in input order. Entries whose `name` is not "EndpointPolicy" are reported: win-bridge ignored them silently.
 */
export function translateCompatPolicies(
  entries: readonly { name: string; value: Record<string, unknown> }[] | undefined,
  hcnPolicyArgs: readonly Record<string, unknown>[] | undefined,
): TranslatedPolicies {
  const out: TranslatedPolicies = { policies: [], issues: [] };
  entries?.forEach((entry, i) => {
    if (entry.name.toLowerCase() !== 'endpointpolicy') {
      out.issues.push({
        path: formatJsonPath(['policies', i, 'name']),
        reason: `"${entry.name}" is not supported: only "EndpointPolicy" entries are (network policies come from the mode)`,
      });
      return;
    }
    translateOne(entry.value, ['policies', i, 'value'], out);
  });
  hcnPolicyArgs?.forEach((value, i) => {
    if (findKey(value, 'Settings') === undefined) {
      out.issues.push({
        path: formatJsonPath(['HcnPolicyArgs', i]),
        reason: 'must be an HCN v2 policy {Type, Settings}',
      });
      return;
    }
    translateOne(value, ['HcnPolicyArgs', i], out);
  });
  return out;
}

function translateOne(value: Record<string, unknown>, path: (string | number)[], out: TranslatedPolicies): void {
  const typeKey = findKey(value, 'Type');
  const rawType = typeKey === undefined ? undefined : value[typeKey];
  if (typeof rawType !== 'string' || rawType === '') {
    out.issues.push({ path: formatJsonPath([...path, 'Type']), reason: 'a policy needs a "Type"' });
    return;
  }
  const settingsKey = findKey(value, 'Settings');
  if (settingsKey !== undefined) {
    const extra = Object.keys(value).filter((k) => k !== typeKey && k !== settingsKey);
    if (extra.length > 0) {
      out.issues.push({
        path: formatJsonPath([...path, extra[0]!]),
        reason: `unknown field next to Type/Settings in a v2 policy (mixing v1 and v2 forms?)`,
      });
      return;
    }
    translateV2(rawType, value[settingsKey], [...path, settingsKey], out);
    return;
  }
  const v1Key = rawType.toLowerCase();
  const v1 = Object.hasOwn(V1_TRANSLATIONS, v1Key) ? V1_TRANSLATIONS[v1Key] : undefined;
  if (!v1) {
    out.issues.push({
      path: formatJsonPath([...path, 'Type']),
      reason: `HNS v1 policy "${rawType}" cannot be translated (supported v1 types: OutBoundNAT, ROUTE, PA, NAT, ACL); write it in HCN v2 form {"Type": ..., "Settings": {...}}`,
    });
    return;
  }
  const parsed = v1.schema.safeParse({ ...value, Type: rawType });
  if (!parsed.success) {
    pushZodIssues(parsed.error, path, `v1 ${rawType} policy`, out);
    return;
  }
  out.policies.push({ Type: v1.type, Settings: parsed.data });
}

function translateV2(rawType: string, settings: unknown, path: (string | number)[], out: TranslatedPolicies): void {
  const type = ENDPOINT_POLICY_TYPES.find((t) => t.toLowerCase() === rawType.toLowerCase());
  if (!type) {
    out.issues.push({
      path: formatJsonPath([...path.slice(0, -1), 'Type']),
      reason: `"${rawType}" is not an HCN endpoint policy type (known: ${ENDPOINT_POLICY_TYPES.join(', ')})`,
    });
    return;
  }
  if (!isObject(settings)) {
    out.issues.push({ path: formatJsonPath(path), reason: 'Settings must be an object' });
    return;
  }
  const schema = V2_SETTINGS[type];
  if (!schema) {
    out.policies.push({ Type: type, Settings: settings });
    return;
  }
  const parsed = schema.safeParse(settings);
  if (!parsed.success) {
    pushZodIssues(parsed.error, path, `${type} policy`, out);
    return;
  }
  out.policies.push({ Type: type, Settings: parsed.data as Record<string, unknown> });
}

function pushZodIssues(error: z.ZodError, base: (string | number)[], what: string, out: TranslatedPolicies): void {
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.issues.push({
          path: formatJsonPath([...base, ...(issue.path as (string | number)[]), key]),
          reason: `unknown field in a ${what}`,
        });
      }
    } else {
      out.issues.push({
        path: formatJsonPath([...base, ...(issue.path as (string | number)[])]),
        reason: `${what}: ${issue.message}`,
      });
    }
  }
}

function findKey(obj: Record<string, unknown>, key: string): string | undefined {
  if (Object.hasOwn(obj, key)) return key;
  const wanted = key.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === wanted);
}

function renameKeys(obj: Record<string, unknown>, canonical: readonly string[]): Record<string, unknown> {
  const byLower = new Map(canonical.map((k) => [k.toLowerCase(), k]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const name = byLower.get(key.toLowerCase()) ?? key;
    if (Object.hasOwn(out, name) && key !== name) continue; // the canonical spelling wins
    setOwnProperty(out, name, value); // "__proto__" stays a key, which the schema reports as unknown
  }
  return out;
}

function dropUndefined(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
