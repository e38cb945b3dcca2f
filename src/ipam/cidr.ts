// IP and CIDR values for the IPAM, parsed by ip-address (no hand-rolled parsing) and held as bigints so IPv4 and
// IPv6 share one code path for range arithmetic.
import { Address4, Address6 } from 'ip-address';

export type IpFamily = 4 | 6;

export interface IpAddress {
  family: IpFamily;
  value: bigint;
}

export interface Cidr {
  family: IpFamily;
  /** The network address (host bits cleared). */
  network: bigint;
  prefix: number;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

/**
 * One parse by the family the text can only be (IPv6 has a ':', IPv4 never does): trying Address4 first made every
 * IPv6 text throw — and capture a stack — and every valid text was parsed twice (isValid, then the constructor).
 */
function parsed(text: string): Address4 | Address6 | undefined {
  try {
    return text.includes(':') ? new Address6(text) : new Address4(text);
  } catch {
    return undefined;
  }
}

/** Parses a bare address ("10.0.0.5", "fd00::5"); undefined when it is not one. */
export function parseAddress(text: string): IpAddress | undefined {
  if (text.includes('/')) return undefined;
  const a = parsed(text);
  if (a === undefined) return undefined;
  return { family: a instanceof Address4 ? 4 : 6, value: a.bigInt() };
}

/**
 * Parses "a.b.c.d/len" or "v6::/len". Host bits are cleared (flannel writes its subnet as 10.244.3.1/24), so the
 * result is always the network. Undefined when the text is not a CIDR.
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0 || !/^\d{1,3}$/.test(text.slice(slash + 1))) return undefined;
  const a = parsed(text);
  if (a === undefined) return undefined;
  return { family: a instanceof Address4 ? 4 : 6, network: a.startAddress().bigInt(), prefix: a.subnetMask };
}

/** Parses an address or a CIDR; a bare address is a single-address CIDR. */
export function parseAddressOrCidr(text: string): Cidr | undefined {
  const addr = parseAddress(text);
  if (addr) return { family: addr.family, network: addr.value, prefix: BITS[addr.family] };
  return parseCidr(text);
}

export function formatAddress(family: IpFamily, value: bigint): string {
  return family === 4 ? Address4.fromBigInt(value).correctForm() : Address6.fromBigInt(value).correctForm();
}

export function formatCidr(c: Cidr): string {
  return `${formatAddress(c.family, c.network)}/${c.prefix}`;
}

/** Number of addresses in the CIDR, network and broadcast included. */
export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(BITS[c.family] - c.prefix);
}

/** The last address (IPv4 broadcast). */
export function cidrLast(c: Cidr): bigint {
  return c.network + cidrSize(c) - 1n;
}

export function cidrContains(c: Cidr, a: IpAddress): boolean {
  return a.family === c.family && a.value >= c.network && a.value <= cidrLast(c);
}

export function familyBits(family: IpFamily): number {
  return BITS[family];
}
