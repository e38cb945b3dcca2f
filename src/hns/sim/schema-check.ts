// Input documents as HNS parses them (§1.7, §10 "validation order"): JSON parse, then unknown top-level members
// (HCN_E_INVALID_JSON "{{Field,UnknownField}}"), then the schema version decides v1 or v2 parsing. Enums are
// accepted as strings (any case) or as their numeric position, like the MS C++ samples send them.
import { HR } from '../hresult.js';
import { fail } from './failure.js';

export type DocumentKind = 'network' | 'endpoint' | 'namespace' | 'loadBalancer' | 'route' | 'modify' | 'query';

const BASE = ['ID', 'Owner', 'Name', 'Version', 'AdditionalParams', 'Health', 'SchemaVersion', 'Telemetry', 'State'];

const V2_FIELDS: Record<DocumentKind, readonly string[]> = {
  network: [...BASE, 'Type', 'Policies', 'MacPool', 'Dns', 'Ipams', 'Flags'],
  endpoint: [
    ...BASE,
    'HostComputeNetwork',
    'HostComputeNamespace',
    'Policies',
    'IpConfigurations',
    'Dns',
    'Routes',
    'MacAddress',
    'Flags',
  ],
  namespace: [...BASE, 'NamespaceId', 'NamespaceGuid', 'Type', 'Resources'],
  loadBalancer: [...BASE, 'HostComputeEndpoints', 'SourceVIP', 'FrontendVIPs', 'PortMappings', 'Flags'],
  // `Routes` is the schema's name (HNS_Schema.md, hns.v2.psm1); hcsshim marshals the same list as `Setting` (§3.6).
  route: [...BASE, 'HostComputeEndpoints', 'Routes', 'Setting'],
  modify: ['ResourceType', 'RequestType', 'Settings', 'ResourceUri'],
  query: ['SchemaVersion', 'Flags', 'Filter'],
};

// v1 documents (no SchemaVersion) also carry the fields HNS reports back, which clients round-trip (§2).
const V1_FIELDS: Record<DocumentKind, readonly string[]> = {
  network: [
    'ID',
    'Name',
    'Type',
    'NetworkAdapterName',
    'SourceMac',
    'Policies',
    'MacPools',
    'Subnets',
    'DNSSuffix',
    'DNSServerList',
    'DNSServerCompartment',
    'ManagementIP',
    'AutomaticDNS',
    'Flags',
    'IsolateSwitch',
    'IPv6',
    'MaxConcurrentEndpoints',
    'ActivityId',
    'AdditionalParams',
    'CurrentEndpointCount',
    'DrMacAddress',
    'Extensions',
    'Health',
    'LayeredOn',
    'NatName',
    'State',
    'TotalEndpoints',
    'Version',
    'ComputedPolicies',
    'Resources',
  ],
  endpoint: [
    'ID',
    'Name',
    'VirtualNetwork',
    'VirtualNetworkName',
    'Policies',
    'MacAddress',
    'IPAddress',
    'IPv6Address',
    'DNSSuffix',
    'DNSServerList',
    'DNSDomain',
    'GatewayAddress',
    'GatewayAddressV6',
    'EnableInternalDNS',
    'DisableICC',
    'PrefixLength',
    'IPv6PrefixLength',
    'IsRemoteEndpoint',
    'EnableLowMetric',
    'Namespace',
    'EncapOverhead',
    'SharedContainers',
    'State',
    'Version',
    'ActivityId',
    'Health',
    'Resources',
  ],
  namespace: ['ID', 'IsDefault', 'ResourceList', 'CompartmentId', 'Policies', 'State', 'Version', 'ActivityId'],
  // No v1 schema: v1 clients use /policylists (hns-call.ts), which translates into these.
  loadBalancer: V2_FIELDS.loadBalancer,
  route: V2_FIELDS.route,
  modify: V2_FIELDS.modify,
  query: V2_FIELDS.query,
};

export type JsonObject = Record<string, unknown>;

export interface ParsedDocument {
  doc: JsonObject;
  /** No SchemaVersion (or Major < 2): HNS parses it with the v1 schema. */
  v1: boolean;
}

export function parseJsonObject(text: string | undefined): JsonObject {
  if (text === undefined || text.trim() === '') fail(HR.HCN_E_INVALID_JSON);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail(HR.HCN_E_INVALID_JSON);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(HR.HCN_E_INVALID_JSON);
  return value as JsonObject;
}

export function schemaMajor(doc: JsonObject): number | undefined {
  const sv = doc.SchemaVersion;
  if (sv === undefined || sv === null) return undefined;
  if (typeof sv !== 'object' || typeof (sv as JsonObject).Major !== 'number') fail(HR.HCN_E_INVALID_JSON);
  return (sv as JsonObject).Major as number;
}

/** Parse + unknown-field check. `strict` = options.rejectUnknownFields. */
export function parseDocument(text: string | undefined, kind: DocumentKind, strict: boolean): ParsedDocument {
  const doc = parseJsonObject(text);
  const major = schemaMajor(doc);
  // v0.0 is what an empty Go HostComputeNamespace{} marshals to; HNS accepts it (§1.7).
  const v1 = kind !== 'modify' && kind !== 'query' && (major === undefined || (major < 2 && major !== 0));
  if (strict) {
    const known = new Set(
      major === undefined || major < 2 ? [...V1_FIELDS[kind], ...V2_FIELDS[kind]] : V2_FIELDS[kind],
    );
    const unknown = Object.keys(doc).find((k) => !known.has(k));
    if (unknown !== undefined) fail(HR.HCN_E_INVALID_JSON, `{{${unknown},UnknownField}}`);
  }
  return { doc, v1 };
}

/** An enum member given as its name (any case) or numeric position; undefined when absent. */
export function enumValue<T extends string>(
  value: unknown,
  members: readonly T[],
  onInvalid: number,
  field: string,
): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < members.length) {
    return members[value];
  }
  if (typeof value === 'string') {
    const m = members.find((x) => x.toLowerCase() === value.toLowerCase());
    if (m !== undefined) return m;
  }
  fail(onInvalid, `{{${field},InvalidValue}}`);
}

// Small typed readers: a member of the wrong JSON type is an invalid document.
export function optString(doc: JsonObject, key: string): string | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(HR.HCN_E_INVALID_JSON, `{{${key},TypeMismatch}}`);
  return v;
}

export function optNumber(doc: JsonObject, key: string): number | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(HR.HCN_E_INVALID_JSON, `{{${key},TypeMismatch}}`);
  return v;
}

export function optArray(doc: JsonObject, key: string): unknown[] | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(HR.HCN_E_INVALID_JSON, `{{${key},TypeMismatch}}`);
  return v;
}

export function optObject(doc: JsonObject, key: string): JsonObject | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) fail(HR.HCN_E_INVALID_JSON, `{{${key},TypeMismatch}}`);
  return v as JsonObject;
}
