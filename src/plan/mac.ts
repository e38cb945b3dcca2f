// Deterministic endpoint MACs, so ADD reports the MAC without querying HNS (which stores a caller-given MacAddress
// verbatim, hns-api.md §7.7). Both prefixes are locally administered unicast (second-lowest bit of the first octet
// set, lowest clear), so they never collide with a vendor's burnt-in address or Hyper-V's 00-15-5D pool.
import { normalizeGuid } from '../hns/guid.js';
import { parseAddress } from '../ipam/cidr.js';

/** win-overlay's and flannel VXLAN's convention: 0E-2A + the four IPv4 octets. */
export const IP_MAC_PREFIX = '0E-2A';
/** Endpoints whose address HNS assigns (the transparent mode's NAT endpoint): 0E-2B + four bytes of the GUID. */
export const GUID_MAC_PREFIX = '0E-2B';

const hex = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');

/** "10.244.3.5" → "0E-2A-0A-F4-03-05" (HNS's dash form); `prefix` is win-overlay's endpointMacPrefix. */
export function macFromIPv4(address: string, prefix = IP_MAC_PREFIX): string {
  const octets = address.split('.').map(Number);
  return [prefix, ...octets.map(hex)].join('-');
}

/**
 * An IPv6-only pod: the prefix + the address's last four bytes. Pools hand out at most 65,536 consecutive addresses
 * (ipam/pool.ts), so two pods of one network never share them.
 */
export function macFromIPv6(address: string, prefix = IP_MAC_PREFIX): string {
  const value = parseAddress(address)!.value;
  const bytes = [24n, 16n, 8n, 0n].map((shift) => Number((value >> shift) & 0xffn));
  return [prefix, ...bytes.map(hex)].join('-');
}

/** The endpoint MAC of a pod with this address (either family). */
export function macFromAddress(address: string, prefix = IP_MAC_PREFIX): string {
  return address.includes(':') ? macFromIPv6(address, prefix) : macFromIPv4(address, prefix);
}

/** The GUID is itself a SHA-1 digest (identity.ts), so its first four bytes are as good as random. */
export function macFromGuid(guid: string): string {
  const h = normalizeGuid(guid).replaceAll('-', '').toUpperCase();
  return [GUID_MAC_PREFIX, h.slice(0, 2), h.slice(2, 4), h.slice(4, 6), h.slice(6, 8)].join('-');
}

/** HNS form ("0E-2A-0A-F4-03-05") → the CNI result's form ("0e:2a:0a:f4:03:05", as Go's net.HardwareAddr prints). */
export function macToCni(mac: string): string {
  return mac.replaceAll('-', ':').toLowerCase();
}

/** Compares MACs in any of the two forms and any case. */
export function sameMac(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return macToCni(a) === macToCni(b);
}
