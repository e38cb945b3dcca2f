// Deterministic endpoint MACs, so ADD reports the MAC without querying HNS (which stores a caller-given MacAddress
// verbatim, hns-api.md §7.7). Both prefixes are locally administered unicast (second-lowest bit of the first octet
// set, lowest clear), so they never collide with a vendor's burnt-in address or Hyper-V's 00-15-5D pool.
import { normalizeGuid } from '../hns/guid.js';

/** win-overlay's and flannel VXLAN's convention: 0E-2A + the four IPv4 octets. */
export const IP_MAC_PREFIX = '0E-2A';
/** Endpoints whose address HNS assigns (the transparent mode's NAT endpoint): 0E-2B + four bytes of the GUID. */
export const GUID_MAC_PREFIX = '0E-2B';

const hex = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');

/** "10.244.3.5" → "0E-2A-0A-F4-03-05" (HNS's dash form). */
export function macFromIPv4(address: string): string {
  const octets = address.split('.').map(Number);
  return [IP_MAC_PREFIX, ...octets.map(hex)].join('-');
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
