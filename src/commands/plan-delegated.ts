// What `hns-cni plan` shows for a delegated IPAM it does not run: when the section is host-local's (ranges or
// subnet), the address host-local would hand out first (rangeStart, else the subnet's first host that is not the
// gateway) and its gateway, labelled as a preview; with a second (IPv6) range set, its first address as well. Lets plan show the documents of a network hns-cni would create.
import { isIPv4, isIPv4Cidr, isIPv6, isIPv6Cidr, nthAddress, prefixLengthOf } from '../config/address.js';
import type { DelegatedIpamConfig } from '../ipam/config.js';
import type { PodAddress } from '../plan/types.js';

interface Range {
  subnet?: unknown;
  rangeStart?: unknown;
  gateway?: unknown;
}

export function delegatedPreview(ipam: DelegatedIpamConfig): PodAddress | undefined {
  const ranges = Array.isArray(ipam.ranges) ? (ipam.ranges as unknown[][]) : undefined;
  const v4 = previewOf((ranges?.[0]?.[0] ?? ipam) as Range, 4);
  if (v4 === undefined) return undefined;
  // host-local with a second range set of the other family (dual-stack): its first address too
  const v6 = ranges?.[1]?.[0] === undefined ? undefined : previewOf(ranges[1][0] as Range, 6);
  return v6 === undefined ? v4 : { ...v4, ipv6: v6 };
}

function previewOf(range: Range, family: 4 | 6): { address: string; gateway: string } | undefined {
  const isAddress = family === 4 ? isIPv4 : isIPv6;
  const isCidr = family === 4 ? isIPv4Cidr : isIPv6Cidr;
  const subnet = typeof range.subnet === 'string' && isCidr(range.subnet) ? range.subnet : undefined;
  if (subnet === undefined) return undefined;
  const gateway = typeof range.gateway === 'string' && isAddress(range.gateway) ? range.gateway : nthAddress(subnet, 1);
  const start = typeof range.rangeStart === 'string' && isAddress(range.rangeStart) ? range.rangeStart : undefined;
  const address = start ?? (gateway === nthAddress(subnet, 1) ? nthAddress(subnet, 2) : nthAddress(subnet, 1));
  return { address: `${address}/${prefixLengthOf(subnet)}`, gateway };
}
