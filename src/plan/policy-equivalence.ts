// When two endpoint policies are the same policy (issue 10 F5). HNS parses Settings into its schema and renders
// them again on Query, so CHECK cannot compare bytes: an empty or zero member may be left out or filled in
// (`"VIP":""` vs no VIP, `Flags` 0 vs none), a number may come back as a string and a protocol as its name, and
// a key in the schema's spelling. Settings are compared as meaning: keys case-insensitively, empty/zero/false
// members as absent, numeric strings and protocol names as numbers; arrays keep their order.
import type { EndpointPolicy } from '../hns/types.js';

const PROTOCOLS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, icmp: 1, icmpv4: 1, icmpv6: 58, igmp: 2 };

export function samePolicy(a: EndpointPolicy, b: EndpointPolicy): boolean {
  return a.Type.toLowerCase() === b.Type.toLowerCase() && canonical(a.Settings) === canonical(b.Settings);
}

function canonical(value: unknown, key = ''): string {
  const v = normalScalar(value, key);
  if (Array.isArray(v)) return `[${v.map((x) => canonical(x)).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => [k.toLowerCase(), x] as const)
      .filter(([k, x]) => !isEmpty(normalScalar(x, k)))
      .sort(([x], [y]) => x.localeCompare(y));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x, k)}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** Numeric strings as numbers; a `Protocol` given by name as its number. */
function normalScalar(value: unknown, key: string): unknown {
  if (typeof value !== 'string') return value;
  if (key === 'protocol' && PROTOCOLS[value.toLowerCase()] !== undefined) return PROTOCOLS[value.toLowerCase()];
  const trimmed = value.trim();
  return trimmed !== '' && /^-?\d+$/.test(trimmed) ? Number(trimmed) : value;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v as object).length === 0;
}
