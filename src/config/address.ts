// Address and prefix arithmetic the config and the planner need (overlap tests, "the subnet's n-th address",
// "the subnet an address/prefix belongs to"), for IPv4 and IPv6 alike (dual-stack pods carry one of each). Parsing
// itself is the IPAM's; this module adds the few derived operations on top so neither config/ nor plan/ hand-rolls
// address maths. Prefixes of different families never overlap or contain one another.
import {
  type Cidr,
  cidrContains,
  cidrLast,
  formatAddress,
  formatCidr,
  parseAddress,
  parseAddressOrCidr,
  parseCidr,
} from '../ipam/cidr.js';

export type { Cidr };

/** A value an operator left as a template placeholder, e.g. "<service cidr>" (containerd#5729 shows it in HNS). */
export function isPlaceholder(text: string): boolean {
  return /[<>{}]/.test(text);
}

export function isIPv4(text: string): boolean {
  return parseAddress(text)?.family === 4;
}

export function isIPv4Cidr(text: string): boolean {
  return parseCidr(text)?.family === 4;
}

/** An IPv4 or IPv6 address (policies carry both: dual-stack OutBoundNAT exceptions, IPv6 SDN routes). */
export function isIpAddress(text: string): boolean {
  return parseAddress(text) !== undefined;
}

export function isIpCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}

export function isIPv6(text: string): boolean {
  return parseAddress(text)?.family === 6;
}

export function isIPv6Cidr(text: string): boolean {
  return parseCidr(text)?.family === 6;
}

/** The family of an address or CIDR text (an address with a ':' is IPv6); undefined when it is neither. */
export function familyOf(text: string): 4 | 6 | undefined {
  return parseAddressOrCidr(text)?.family;
}

/** Parses a CIDR of either family; throws on anything else (callers validated the text already). */
export function cidrOf(text: string): Cidr {
  const c = parseCidr(text);
  if (c === undefined) throw new TypeError(`not a CIDR: ${JSON.stringify(text)}`);
  return c;
}

/** Parses an IPv4 CIDR; throws on anything else (callers validated the text already). */
export function ipv4Cidr(text: string): Cidr {
  const c = parseCidr(text);
  if (c?.family !== 4) throw new TypeError(`not an IPv4 CIDR: ${JSON.stringify(text)}`);
  return c;
}

/** "10.244.3.7/24" → "10.244.3.0/24", "fd00::7/64" → "fd00::/64" (the canonical network form; host bits cleared). */
export function canonicalCidr(text: string): string {
  return formatCidr(cidrOf(text));
}

/** "10.244.3.7/24" → "10.244.3.7" */
export function addressOf(cidrText: string): string {
  const slash = cidrText.indexOf('/');
  return slash < 0 ? cidrText : cidrText.slice(0, slash);
}

export function prefixLengthOf(cidrText: string): number {
  return cidrOf(cidrText).prefix;
}

/** The n-th address of a subnet: 1 → the first host (.1 of a /24, ::1 of a /64), 2 → .2. */
export function nthAddress(cidrText: string, n: number): string {
  const c = cidrOf(cidrText);
  return formatAddress(c.family, c.network + BigInt(n));
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = cidrOf(a);
  const y = cidrOf(b);
  return x.family === y.family && x.network <= cidrLast(y) && y.network <= cidrLast(x);
}

export function subnetContains(cidrText: string, address: string): boolean {
  const a = parseAddress(address);
  return a !== undefined && cidrContains(cidrOf(cidrText), a);
}

/** True when every address of `inner` lies in `outer`. */
export function subnetCovers(outer: string, inner: string): boolean {
  const o = cidrOf(outer);
  const i = cidrOf(inner);
  return o.family === i.family && o.prefix <= i.prefix && i.network >= o.network && cidrLast(i) <= cidrLast(o);
}

/** The /32 (IPv4) or /128 (IPv6) prefix of one address. */
export function hostRoute(address: string): string {
  return `${address}/${isIPv6(address) ? 128 : 32}`;
}

/** The default route's destination of a family: "0.0.0.0/0" or "::/0". */
export function defaultDestination(family: 4 | 6): string {
  return family === 4 ? '0.0.0.0/0' : '::/0';
}
