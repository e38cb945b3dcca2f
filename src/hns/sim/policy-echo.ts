// How Query renders endpoint policy Settings (issue 10 F5). HNS parses Settings into its own schema and serialises
// them again, so what comes back need not be the bytes sent: empty members may be dropped (as Go's omitempty does
// in hcsshim's own structs) or the schema's defaults filled in, numbers may come back as strings or a protocol as
// its name, keys in the schema's spelling. Each is an option; "verbatim" echoes what was stored.
import type { SimOptions } from './options.js';

/** The schema's members and their zero values per endpoint policy type (hns-api.md §4.2, hcsshim hcnpolicy.go). */
const SCHEMA_DEFAULTS: Record<string, Record<string, unknown>> = {
  PortMapping: { Protocol: 0, InternalPort: 0, ExternalPort: 0, VIP: '', Flags: 0 },
  OutBoundNAT: { VirtualIP: '', Exceptions: [], Destinations: [], Flags: 0, MaxPortPoolUsage: 0 },
  SDNRoute: { DestinationPrefix: '', NextHop: '', NeedEncap: false, AutomaticEndpointMonitor: false },
  ACL: {
    Protocols: '',
    Action: '',
    Direction: '',
    LocalAddresses: '',
    RemoteAddresses: '',
    LocalPorts: '',
    RemotePorts: '',
    RuleType: '',
    Priority: 0,
    Id: '',
  },
  QOS: { MaximumOutgoingBandwidthInBytes: 0 },
  ProviderAddress: { ProviderAddress: '' },
  PortName: { Name: '' },
  EncapOverhead: { Overhead: 0 },
  VLAN: { IsolationId: 0 },
  InterfaceParameters: { Mtu: 0 },
};

const PROTOCOL_NAMES: Record<number, string> = { 6: 'TCP', 17: 'UDP', 1: 'ICMPv4', 58: 'ICMPv6' };

type Echo = Pick<SimOptions, 'policyEchoEmpty' | 'policyEchoScalars' | 'policyEchoKeyCase'>;

interface AnyPolicy {
  Type: string;
  Settings?: unknown;
}

export function echoPolicies(options: Echo, policies: readonly AnyPolicy[] | undefined): AnyPolicy[] | undefined {
  return policies?.map((p) => {
    if (p.Settings === undefined || p.Settings === null || typeof p.Settings !== 'object') return p;
    return { Type: p.Type, Settings: echoSettings(options, p.Type, p.Settings as Record<string, unknown>) };
  });
}

function echoSettings(options: Echo, type: string, settings: Record<string, unknown>): Record<string, unknown> {
  const schema = SCHEMA_DEFAULTS[type] ?? {};
  let out: Record<string, unknown> = { ...settings };
  if (options.policyEchoKeyCase === 'schema') out = schemaKeys(out, Object.keys(schema));
  if (options.policyEchoEmpty === 'omit-empty') {
    out = Object.fromEntries(Object.entries(out).filter(([, v]) => !isEmpty(v)));
  } else if (options.policyEchoEmpty === 'fill-defaults') {
    for (const [k, v] of Object.entries(schema)) {
      if (!Object.keys(out).some((x) => x.toLowerCase() === k.toLowerCase())) out[k] = v;
    }
  }
  if (options.policyEchoScalars === 'strings') out = stringNumbers(out) as Record<string, unknown>;
  if (options.policyEchoScalars === 'protocol-names' && type === 'PortMapping') {
    const key = Object.keys(out).find((k) => k.toLowerCase() === 'protocol');
    const name = key === undefined ? undefined : PROTOCOL_NAMES[Number(out[key])];
    if (key !== undefined && name !== undefined) out[key] = name;
  }
  return out;
}

function schemaKeys(settings: Record<string, unknown>, known: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(settings)) {
    out[known.find((x) => x.toLowerCase() === k.toLowerCase()) ?? k] = v;
  }
  return out;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v as object).length === 0;
}

function stringNumbers(v: unknown): unknown {
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(stringNumbers);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, stringNumbers(x)]));
  }
  return v;
}
