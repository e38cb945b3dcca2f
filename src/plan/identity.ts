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
 * HNS keeps object names verbatim and no public source gives a limit; endpoint names are kept to this many
 * characters, the usual bound of Windows object names, by shortening longer ones (see endpointNameFor).
 */
export const MAX_ENDPOINT_NAME = 256;

/** `_` separates the parts of a name, so inside a part it (and the escape character itself) is percent-escaped. */
function escapePart(part: string): string {
  return part.replaceAll('%', '%25').replaceAll('_', '%5F');
}

function unescapePart(part: string): string | undefined {
  if (/%(?!25|5F)/.test(part)) return undefined;
  return part.replaceAll('%5F', '_').replaceAll('%25', '%');
}

/**
 * `<containerId>_<ifName>_<network>` with `_` and `%` inside each part escaped (`%5F`, `%25`): readable in
 * `Get-HnsEndpoint`, unique per attachment and network (the transparent mode's NAT endpoint differs by its network),
 * stable across invocations, and unambiguous: (`pod_x`, `eth0`) and (`pod`, `x_eth0`) no longer share a name. For
 * every attachment whose parts hold neither character (container runtimes' hex ids, `eth0`) the name is the one
 * hns-cni used before the escaping, so running pods keep their endpoint GUIDs across the upgrade. A name longer than
 * MAX_ENDPOINT_NAME keeps its head and ends in `%~` + 16 hex digits of its SHA-256 (`%~` never occurs in an escaped
 * name, so a shortened name cannot equal a full one).
 */
export function endpointNameFor(containerId: string, networkName: string, ifName: string = DEFAULT_IFNAME): string {
  const full = [containerId, ifName, networkName].map(escapePart).join('_');
  if (full.length <= MAX_ENDPOINT_NAME) return full;
  const digest = createHash('sha256').update(full, 'utf8').digest('hex').slice(0, 16);
  return `${full.slice(0, MAX_ENDPOINT_NAME - 18)}%~${digest}`;
}

/** The name hns-cni gave the endpoint before the escaping (ambiguous when a part holds `_`). */
export function legacyEndpointNameFor(
  containerId: string,
  networkName: string,
  ifName: string = DEFAULT_IFNAME,
): string {
  return `${containerId}_${ifName}_${networkName}`;
}

/**
 * The GUID of the endpoint an older hns-cni made for this attachment, when it differs from today's (a part holds
 * `_` or `%`, or the name was shortened); undefined for every ordinary attachment. Such a GUID may belong to another
 * attachment whose old name collided, so a caller must check the endpoint is this attachment's before using it.
 */
export function legacyEndpointIdFor(
  containerId: string,
  networkName: string,
  ifName: string = DEFAULT_IFNAME,
): string | undefined {
  const legacy = legacyEndpointNameFor(containerId, networkName, ifName);
  return legacy === endpointNameFor(containerId, networkName, ifName) ? undefined : endpointIdForName(legacy);
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

/**
 * The inverse of endpointNameFor for a known network → the attachment; undefined for a shortened name or a name of
 * another network. Names from before the escaping are read as before: the last `_` of the stem separates the
 * ifname (ifnames practically never contain `_`; container ids may).
 */
export function attachmentOfEndpointName(
  endpointName: string,
  networkName: string,
): { containerId: string; ifName: string } | undefined {
  const parts = endpointName.split('_');
  if (parts.length === 3) {
    const [containerId, ifName, network] = parts.map(unescapePart);
    if (containerId && ifName && network === networkName) return { containerId, ifName };
  }
  const suffix = `_${networkName}`;
  if (!endpointName.endsWith(suffix) || endpointName.includes('%~')) return undefined;
  const stem = endpointName.slice(0, -suffix.length);
  const cut = stem.lastIndexOf('_');
  return cut > 0 ? { containerId: stem.slice(0, cut), ifName: stem.slice(cut + 1) } : undefined;
}
