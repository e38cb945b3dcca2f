// `runtimeConfig` (capability arguments) read without regard to key case. CONVENTIONS.md spells keys in camelCase
// (`hostPort`, `servers`), but containerd marshals go-cni's PortMapping/DNS/BandWidth structs, which have no JSON
// tags, so the same keys arrive in PascalCase (`HostPort`, `Servers`). Go plugins never notice because
// encoding/json matches case-insensitively; here both spellings are accepted explicitly.
import { setOwnProperty } from './own-property.js';

/** Case-insensitive property lookup: an exact match wins, then the first key equal ignoring case. */
export function getIgnoringCase(obj: unknown, key: string): unknown {
  if (!isPlainObject(obj)) return undefined;
  if (Object.hasOwn(obj, key)) return obj[key];
  const wanted = key.toLowerCase();
  for (const k of Object.keys(obj)) {
    if (k.toLowerCase() === wanted) return obj[k];
  }
  return undefined;
}

/** The conventions' shapes (CONVENTIONS.md), with their canonical key spelling. */
export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol?: string;
  hostIP?: string;
}

export interface RuntimeDns {
  servers?: string[];
  searches?: string[];
  options?: string[];
}

export interface Bandwidth {
  ingressRate?: number;
  ingressBurst?: number;
  egressRate?: number;
  egressBurst?: number;
}

export interface IpRange {
  subnet: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
}

/**
 * What a value of each capability key becomes after normalisation. Values are NOT validated here (config/ does
 * that with its schema); only key spelling is fixed, so a schema can be written against the canonical names.
 */
export interface RuntimeConfig {
  portMappings?: PortMapping[];
  dns?: RuntimeDns;
  bandwidth?: Bandwidth;
  ips?: string[];
  mac?: string;
  ipRanges?: IpRange[][];
  [key: string]: unknown;
}

/** How to rename the keys found at one level: canonical names, and what to do with each key's value. */
interface KeyPlan {
  keys: readonly string[];
  children?: Readonly<Record<string, ValuePlan>>;
}

type ValuePlan = { object: KeyPlan } | { arrayOf: ValuePlan };

const portMappingPlan: KeyPlan = { keys: ['hostPort', 'containerPort', 'protocol', 'hostIP'] };
const dnsPlan: KeyPlan = { keys: ['servers', 'searches', 'options'] };
const bandwidthPlan: KeyPlan = { keys: ['ingressRate', 'ingressBurst', 'egressRate', 'egressBurst'] };
const ipRangePlan: KeyPlan = { keys: ['subnet', 'rangeStart', 'rangeEnd', 'gateway'] };

/**
 * The top level. Keys not listed here (e.g. `io.kubernetes.cri.pod-annotations`, whose inner keys are
 * case-sensitive annotation names) keep their spelling and their value untouched.
 */
const runtimeConfigPlan: KeyPlan = {
  keys: ['portMappings', 'dns', 'bandwidth', 'ips', 'mac', 'ipRanges', 'infinibandGUID', 'deviceID', 'aliases'],
  children: {
    portMappings: { arrayOf: { object: portMappingPlan } },
    dns: { object: dnsPlan },
    bandwidth: { object: bandwidthPlan },
    ipRanges: { arrayOf: { arrayOf: { object: ipRangePlan } } },
  },
};

/**
 * Returns a copy of `runtimeConfig` with the conventions' keys spelled canonically at every level they occur
 * (`{"PortMappings":[{"HostPort":80}]}` → `{"portMappings":[{"hostPort":80}]}`). When both spellings of one key are
 * present, the canonical spelling wins. Unknown keys are kept as they are.
 */
export function normalizeRuntimeConfig(runtimeConfig: unknown): RuntimeConfig {
  if (!isPlainObject(runtimeConfig)) return {};
  return normalizeObject(runtimeConfig, runtimeConfigPlan) as RuntimeConfig;
}

function normalizeObject(obj: Record<string, unknown>, plan: KeyPlan): Record<string, unknown> {
  const canonicalByLower = new Map(plan.keys.map((k) => [k.toLowerCase(), k]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const canonical = canonicalByLower.get(key.toLowerCase());
    const name = canonical ?? key;
    // An exact canonical spelling is never overwritten by a differently-cased duplicate.
    if (Object.hasOwn(out, name) && key !== name) continue;
    const childPlan =
      canonical && plan.children && Object.hasOwn(plan.children, canonical) ? plan.children[canonical] : undefined;
    setOwnProperty(out, name, childPlan ? normalizeValue(value, childPlan) : value);
  }
  return out;
}

function normalizeValue(value: unknown, plan: ValuePlan): unknown {
  if ('object' in plan) return isPlainObject(value) ? normalizeObject(value, plan.object) : value;
  return Array.isArray(value) ? value.map((item) => normalizeValue(item, plan.arrayOf)) : value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
