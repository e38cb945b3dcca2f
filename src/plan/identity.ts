// Names and GUIDs of the HNS objects hns-cni creates, derived from the attachment alone, so every verb finds its
// objects without state and without enumerating: ADD creates an endpoint with a caller-chosen GUID (HNS honours
// it), DEL deletes that GUID directly, a repeated ADD opens it.
//
// The ownership marker for GC: an endpoint is hns-cni's when its ID is the name-based (v5) UUID of its own Name
// under hns-cni's namespace UUID. HNS keeps both Name and ID verbatim and exposes no free-form tag on endpoints
// (`Owner` is undocumented for endpoints; AdditionalParams is HNS's own); no other tool derives IDs this way, so
// win-bridge's endpoints, which use the same `<container>_<network>` naming idea with random IDs, are never ours.
import { createHash } from 'node:crypto';
import { normalizeGuid, sameGuid } from '../hns/guid.js';
import type { HostComputeEndpoint } from '../hns/types.js';

/** hns-cni's namespace for RFC 4122 name-based UUIDs. Never change it: deployed endpoints' IDs depend on it. */
export const HNS_CNI_UUID_NAMESPACE = 'c8e0fb34-37d2-4372-8142-0adbf22bf754';

/** RFC 4122 §4.3 version-5 UUID (SHA-1) of `name` in `namespace`, lower case. */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(normalizeGuid(namespace).replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50; // version 5
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const DEFAULT_IFNAME = 'eth0';

/**
 * `<containerId>_<ifName>_<network>`: readable in `Get-HnsEndpoint`, unique per attachment and network (the
 * transparent mode's NAT endpoint differs by its network), and stable across invocations.
 */
export function endpointNameFor(containerId: string, networkName: string, ifName: string = DEFAULT_IFNAME): string {
  return `${containerId}_${ifName}_${networkName}`;
}

/** The GUID hns-cni gives the endpoint of that name. */
export function endpointIdForName(endpointName: string): string {
  return uuidV5(HNS_CNI_UUID_NAMESPACE, `endpoint:${endpointName}`);
}

export function endpointIdFor(containerId: string, networkName: string, ifName: string = DEFAULT_IFNAME): string {
  return endpointIdForName(endpointNameFor(containerId, networkName, ifName));
}

/** The GUID hns-cni gives a network it creates (an existing network keeps whatever ID it has). */
export function networkIdFor(networkName: string): string {
  return uuidV5(HNS_CNI_UUID_NAMESPACE, `network:${networkName}`);
}

/** GC's marker test: true only for endpoints whose ID is derived from their Name as hns-cni derives it. */
export function isHnsCniEndpoint(endpoint: Pick<HostComputeEndpoint, 'ID' | 'Name'>): boolean {
  if (endpoint.ID === undefined || endpoint.Name === undefined || endpoint.Name === '') return false;
  return sameGuid(endpoint.ID, endpointIdForName(endpoint.Name));
}

/** The inverse of endpointNameFor: `<containerId>_<ifName>_<network>` → the attachment, for a known network. */
export function attachmentOfEndpointName(
  endpointName: string,
  networkName: string,
): { containerId: string; ifName: string } | undefined {
  const suffix = `_${networkName}`;
  if (!endpointName.endsWith(suffix)) return undefined;
  const stem = endpointName.slice(0, -suffix.length);
  const cut = stem.lastIndexOf('_'); // ifnames practically never contain '_'; container ids may
  return cut > 0 ? { containerId: stem.slice(0, cut), ifName: stem.slice(cut + 1) } : undefined;
}
