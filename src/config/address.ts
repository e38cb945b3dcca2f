// IPv4 address and prefix arithmetic the config and the planner need (overlap tests, "the subnet's n-th address",
// "the subnet an address/prefix belongs to"). Parsing itself is the IPAM's (ip-address based); this module adds the
// few derived operations on top so neither config/ nor plan/ hand-rolls dotted-quad maths.
import { type Cidr, cidrContains, cidrLast, formatAddress, formatCidr, parseAddress, parseCidr } from '../ipam/cidr.js';

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

/** Parses an IPv4 CIDR; throws on anything else (callers validated the text already). */
export function ipv4Cidr(text: string): Cidr {
  const c = parseCidr(text);
  if (c?.family !== 4) throw new TypeError(`not an IPv4 CIDR: ${JSON.stringify(text)}`);
  return c;
}

/** "10.244.3.7/24" → "10.244.3.0/24" (the canonical network form; host bits cleared). */
export function canonicalCidr(text: string): string {
  return formatCidr(ipv4Cidr(text));
}

/** "10.244.3.7/24" → "10.244.3.7" */
export function addressOf(cidrText: string): string {
  const slash = cidrText.indexOf('/');
  return slash < 0 ? cidrText : cidrText.slice(0, slash);
}

export function prefixLengthOf(cidrText: string): number {
  return ipv4Cidr(cidrText).prefix;
}

/** The n-th address of a subnet: 1 → the first host (.1 of a /24), 2 → .2. */
export function nthAddress(cidrText: string, n: number): string {
  return formatAddress(4, ipv4Cidr(cidrText).network + BigInt(n));
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = ipv4Cidr(a);
  const y = ipv4Cidr(b);
  return x.network <= cidrLast(y) && y.network <= cidrLast(x);
}

export function subnetContains(cidrText: string, address: string): boolean {
  const a = parseAddress(address);
  return a !== undefined && cidrContains(ipv4Cidr(cidrText), a);
}

/** True when every address of `inner` lies in `outer`. */
export function subnetCovers(outer: string, inner: string): boolean {
  const o = ipv4Cidr(outer);
  const i = ipv4Cidr(inner);
  return o.prefix <= i.prefix && i.network >= o.network && cidrLast(i) <= cidrLast(o);
}

export function hostRoute(address: string): string {
  return `${address}/32`;
}
