// IP prefixes and MAC addresses as the simulator's IPAM needs them: parse, test membership, enumerate hosts.
// Addresses are bigints so IPv4 and IPv6 share one code path.
import { isIPv4, isIPv6 } from 'node:net';

export interface Prefix {
  family: 4 | 6;
  /** The network address (host bits cleared). */
  base: bigint;
  length: number;
  bits: 32 | 128;
}

export function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  if (isIPv4(text)) {
    const value = text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
    return { family: 4, value };
  }
  if (isIPv6(text)) return { family: 6, value: parseIpv6(text) };
  return undefined;
}

function parseIpv6(text: string): bigint {
  let head = text;
  let tail4: bigint | undefined;
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail4 = parseIp(text.slice(lastColon + 1))!.value;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const l = left ? left.split(':') : [];
  const r = right ? right.split(':') : [];
  const groups = right === undefined ? l : [...l, ...Array(8 - l.length - r.length).fill('0'), ...r];
  let v = groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g || '0', 16)), 0n);
  if (tail4 !== undefined) v = (v & ~0xffffffffn) | tail4;
  return v;
}

export function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
  // RFC 5952: compress the longest run (length >= 2) of zero groups.
  let best = { start: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i >= 2) best = { start: i, len: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.len).join(':')}`;
}

export function parsePrefix(text: string): Prefix | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(lenText)) return undefined;
  const bits = ip.family === 4 ? 32 : 128;
  const length = Number(lenText);
  if (length > bits) return undefined;
  const hostMask = (1n << BigInt(bits - length)) - 1n;
  return { family: ip.family, base: ip.value & ~hostMask, length, bits };
}

export function prefixContains(p: Prefix, ip: { family: 4 | 6; value: bigint }): boolean {
  if (ip.family !== p.family) return false;
  const hostMask = (1n << BigInt(p.bits - p.length)) - 1n;
  return (ip.value & ~hostMask) === p.base;
}

export function prefixSize(p: Prefix): bigint {
  return 1n << BigInt(p.bits - p.length);
}

/** Network address, and for IPv4 the broadcast address: never assignable (for /31 and /32 every address is). */
export function isNetworkOrBroadcast(p: Prefix, value: bigint): boolean {
  if (p.family === 4 && p.length >= 31) return false;
  if (value === p.base) return true;
  return p.family === 4 && value === p.base + prefixSize(p) - 1n;
}

// ---- MAC ---------------------------------------------------------------------------------------------------

/** Accepts 00-15-5D-52-C0-00, 00:15:5d:52:c0:00 or 00155d52c000. */
export function parseMac(text: string): bigint | undefined {
  const hex = text.replace(/[-:]/g, '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) return undefined;
  if (text.length !== 12 && text.length !== 17) return undefined;
  return BigInt(`0x${hex}`);
}

/** HNS's own form: upper case, dash separated (00-15-5D-8E-30-2E). */
export function formatMac(value: bigint): string {
  const hex = value.toString(16).toUpperCase().padStart(12, '0');
  return hex.match(/../g)!.join('-');
}
