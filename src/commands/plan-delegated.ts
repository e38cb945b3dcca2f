// What `hns-cni plan` shows for a delegated IPAM it does not run: when the section is host-local's (ranges or
// subnet), the address host-local would hand out first (rangeStart, else the subnet's first host that is not the
// gateway) and its gateway, labelled as a preview. Lets plan show the documents of a network hns-cni would create.
import { isIPv4, isIPv4Cidr, nthAddress, prefixLengthOf } from '../config/address.js';
import type { DelegatedIpamConfig } from '../ipam/config.js';
import type { PodAddress } from '../plan/types.js';

interface Range {
  subnet?: unknown;
  rangeStart?: unknown;
  gateway?: unknown;
}

export function delegatedPreview(ipam: DelegatedIpamConfig): PodAddress | undefined {
  const ranges = Array.isArray(ipam.ranges) ? (ipam.ranges as unknown[][]) : undefined;
  const first = (ranges?.[0]?.[0] ?? ipam) as Range;
  const subnet = typeof first.subnet === 'string' && isIPv4Cidr(first.subnet) ? first.subnet : undefined;
  if (subnet === undefined) return undefined;
  const gateway = typeof first.gateway === 'string' && isIPv4(first.gateway) ? first.gateway : nthAddress(subnet, 1);
  const start = typeof first.rangeStart === 'string' && isIPv4(first.rangeStart) ? first.rangeStart : undefined;
  const address = start ?? (gateway === nthAddress(subnet, 1) ? nthAddress(subnet, 2) : nthAddress(subnet, 1));
  return { address: `${address}/${prefixLengthOf(subnet)}`, gateway };
}
