// How this node reaches the pods of the other nodes, from what the Kubernetes API says about them (spec.podCIDRs and
// status.addresses), as pure functions the node agent executes:
//
//   l2bridge, transparent  a host route per remote pod CIDR, next hop = that node's address, through the interface
//                          that reaches it (CreateIpForwardEntry2), as flannel host-gw does.
//   overlay                a RemoteSubnetRoute policy per remote pod CIDR on the Overlay network (HcnModifyNetwork):
//                          provider address = the node's address, DR MAC = its VTEP MAC, isolation id = the VNI, as
//                          flannel's VXLAN backend does.
//
// Ownership is a record of what hns-cni created (`owned`), never a guess: a route or policy not in the record is
// someone else's and is neither changed nor removed, and a foreign one for the same destination wins (hns-cni adds
// none beside it). What is owned and no longer wanted (a node left, changed address or pod CIDR) is removed.

import type { RemoteSubnetRoutePolicy } from '../hns/types.js';
import { type Cidr, cidrContains, formatCidr, parseAddress, parseCidr } from '../ipam/cidr.js';

/** What the agent keeps of a Node object. */
export interface NodeFacts {
  name: string;
  podCIDRs: string[];
  addresses: { type: string; address: string }[];
  annotations: Record<string, string>;
}

/** Another node's pod subnet and how to reach it. */
export interface Peer {
  node: string;
  podCIDR: string;
  family: 4 | 6;
  /** The node's address of the same family: InternalIP, else ExternalIP. */
  address: string;
  /** The node's VTEP / distributed-router MAC (overlay only), when it published one. */
  drMac?: string;
}

/** A peer that cannot be routed, and why (shown by `hns-cni node status`). */
export interface Unroutable {
  node: string;
  reason: string;
}

/** Annotation a node carries with its overlay network's DR MAC (hns-cni's own, or flannel's backend-data). */
export const DR_MAC_ANNOTATION = 'hns-cni.dev/dr-mac';
export const FLANNEL_BACKEND_DATA_ANNOTATION = 'flannel.alpha.coreos.com/backend-data';

function drMacOf(node: NodeFacts): string | undefined {
  const own = node.annotations[DR_MAC_ANNOTATION];
  if (own) return own;
  const flannel = node.annotations[FLANNEL_BACKEND_DATA_ANNOTATION];
  if (!flannel) return undefined;
  try {
    const mac = (JSON.parse(flannel) as { VtepMAC?: unknown }).VtepMAC;
    return typeof mac === 'string' && mac !== '' ? mac : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What this node must publish in its DR_MAC_ANNOTATION so the other nodes' agents can route to it: its Overlay
 * network's DrMacAddress (configured or HNS-assigned), only when the annotation says something else (a missing or
 * removed annotation is restored, a changed MAC republished). Compared in HNS's form: "0e:2a:…" equals "0E-2A-…".
 */
export function drMacToPublish(
  self: NodeFacts | undefined,
  networkMac: string | undefined,
): { publish: string } | { publish?: undefined; reason: string } {
  if (networkMac === undefined) return { reason: 'the Overlay network reports no DrMacAddress' };
  if (self === undefined) return { reason: 'this node is not among the Node objects (yet)' };
  const current = self.annotations[DR_MAC_ANNOTATION];
  if (current !== undefined && hnsMac(current) === hnsMac(networkMac)) return { reason: 'published' };
  return { publish: hnsMac(networkMac) };
}

/** The DrMacAddress policy of an Overlay network as HNS reports it (§7.11: HNS assigns one when none is configured). */
export function drMacOfNetwork(network: {
  Policies?: readonly { Type: string; Settings?: unknown }[];
}): string | undefined {
  const p = (network.Policies ?? []).find((x) => x.Type.toLowerCase() === 'drmacaddress');
  const mac = (p?.Settings as { Address?: unknown } | undefined)?.Address;
  return typeof mac === 'string' && mac !== '' ? mac : undefined;
}

function addressFor(node: NodeFacts, family: 4 | 6): string | undefined {
  for (const type of ['InternalIP', 'ExternalIP']) {
    const found = node.addresses.find((a) => a.type === type && parseAddress(a.address)?.family === family);
    if (found) return found.address;
  }
  return undefined;
}

/** Every other node's pod CIDRs with the address to reach them; nodes that cannot be routed say why. */
export function peersOf(nodes: readonly NodeFacts[], self: string): { peers: Peer[]; unroutable: Unroutable[] } {
  const peers: Peer[] = [];
  const unroutable: Unroutable[] = [];
  for (const node of [...nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    if (node.name === self) continue;
    if (node.podCIDRs.length === 0) {
      unroutable.push({ node: node.name, reason: 'no spec.podCIDRs yet' });
      continue;
    }
    for (const text of node.podCIDRs) {
      const cidr = parseCidr(text);
      if (cidr === undefined) {
        unroutable.push({ node: node.name, reason: `pod CIDR ${JSON.stringify(text)} is not a CIDR` });
        continue;
      }
      const address = addressFor(node, cidr.family);
      if (address === undefined) {
        unroutable.push({ node: node.name, reason: `no IPv${cidr.family} InternalIP/ExternalIP for ${text}` });
        continue;
      }
      const drMac = drMacOf(node);
      peers.push({
        node: node.name,
        podCIDR: formatCidr(cidr),
        family: cidr.family,
        address,
        ...(drMac !== undefined && { drMac }),
      });
    }
  }
  return { peers, unroutable };
}

// ---- host routes (l2bridge, transparent) ----------------------------------------------------------------------

/** A route of the routing table as the planner needs it (src/iphlp's IpForwardRow has these fields). */
export interface TableRoute {
  destinationPrefix: string;
  nextHop: string;
  interfaceIndex: number;
  interfaceLuid: bigint;
}

/** A route hns-cni made, as recorded. */
export interface OwnedRoute {
  node: string;
  destinationPrefix: string;
  nextHop: string;
}

export interface HostRoutePlan {
  /** Routes to add; interfaceIndex/Luid of the interface that reaches the next hop now. */
  create: (OwnedRoute & { interfaceIndex: number; interfaceLuid: bigint })[];
  /** Owned routes to take out, with the table's current row (its interface may have been renumbered). */
  remove: (OwnedRoute & { row?: TableRoute })[];
  /** Owned routes that are in place and still wanted. */
  keep: OwnedRoute[];
  /** Destinations someone else already routes: left to them. */
  foreign: { node: string; destinationPrefix: string; nextHop: string }[];
  unroutable: Unroutable[];
}

const isOnLink = (hop: string) => hop === '0.0.0.0' || hop === '::';
const sameRoute = (
  a: { destinationPrefix: string; nextHop: string },
  b: { destinationPrefix: string; nextHop: string },
) => a.destinationPrefix === b.destinationPrefix && a.nextHop === b.nextHop;

/** The interface of the longest on-link route that contains the address (how the host itself would reach it). */
export function onLinkInterfaceFor(table: readonly TableRoute[], address: string): TableRoute | undefined {
  const ip = parseAddress(address);
  if (ip === undefined) return undefined;
  let best: { route: TableRoute; cidr: Cidr } | undefined;
  for (const route of table) {
    if (!isOnLink(route.nextHop)) continue;
    const cidr = parseCidr(route.destinationPrefix);
    if (cidr === undefined || cidr.prefix === 0 || !cidrContains(cidr, ip)) continue;
    // A host route (/32, /128) on link is the host's own address, not a subnet that reaches the peer.
    if (cidr.prefix === (cidr.family === 4 ? 32 : 128)) continue;
    if (best === undefined || cidr.prefix > best.cidr.prefix) best = { route, cidr };
  }
  return best?.route;
}

export function planHostRoutes(input: {
  peers: readonly Peer[];
  unroutable: readonly Unroutable[];
  table: readonly TableRoute[];
  owned: readonly OwnedRoute[];
}): HostRoutePlan {
  const plan: HostRoutePlan = { create: [], remove: [], keep: [], foreign: [], unroutable: [...input.unroutable] };
  const ownedKey = (r: { destinationPrefix: string; nextHop: string }) => input.owned.some((o) => sameRoute(o, r));
  const wanted: OwnedRoute[] = [];
  for (const peer of input.peers) {
    const want = { node: peer.node, destinationPrefix: peer.podCIDR, nextHop: peer.address };
    const foreign = input.table.find((r) => r.destinationPrefix === peer.podCIDR && !ownedKey(r));
    if (foreign !== undefined) {
      plan.foreign.push({ node: peer.node, destinationPrefix: foreign.destinationPrefix, nextHop: foreign.nextHop });
      continue;
    }
    wanted.push(want);
  }
  for (const o of input.owned) {
    if (wanted.some((w) => sameRoute(w, o))) continue;
    const row = input.table.find((r) => sameRoute(r, o));
    plan.remove.push({ ...o, ...(row !== undefined && { row }) });
  }
  for (const w of wanted) {
    const present = input.table.some((r) => sameRoute(r, w));
    if (present && input.owned.some((o) => sameRoute(o, w))) {
      plan.keep.push(w);
      continue;
    }
    const via = onLinkInterfaceFor(input.table, w.nextHop);
    if (via === undefined) {
      plan.unroutable.push({ node: w.node, reason: `no interface of this node is on a subnet with ${w.nextHop}` });
      continue;
    }
    plan.create.push({ ...w, interfaceIndex: via.interfaceIndex, interfaceLuid: via.interfaceLuid });
  }
  return plan;
}

// ---- RemoteSubnetRoute policies (overlay) ---------------------------------------------------------------------

/** A RemoteSubnetRoute policy's settings (hns-api.md §4.1). */
export type RemoteSubnetSettings = NonNullable<RemoteSubnetRoutePolicy['Settings']>;

export interface OwnedRemoteSubnet {
  node: string;
  settings: RemoteSubnetSettings;
}

export interface RemoteSubnetPlan {
  add: OwnedRemoteSubnet[];
  remove: OwnedRemoteSubnet[];
  keep: OwnedRemoteSubnet[];
  foreign: { node: string; destinationPrefix: string }[];
  unroutable: Unroutable[];
}

function remoteSubnetsOf(policies: readonly { Type: string; Settings?: unknown }[]): RemoteSubnetSettings[] {
  return policies
    .filter((p) => p.Type.toLowerCase() === 'remotesubnetroute')
    .map((p) => p.Settings as RemoteSubnetSettings);
}

const sameSettings = (a: RemoteSubnetSettings, b: RemoteSubnetSettings) =>
  a.DestinationPrefix === b.DestinationPrefix &&
  a.ProviderAddress === b.ProviderAddress &&
  a.IsolationId === b.IsolationId &&
  a.DistributedRouterMacAddress.toUpperCase().replaceAll(':', '-') ===
    b.DistributedRouterMacAddress.toUpperCase().replaceAll(':', '-');

/** HNS's form of a MAC (upper case, dashes), as it writes DrMacAddress. */
export function hnsMac(mac: string): string {
  return mac.toUpperCase().replaceAll(':', '-');
}

export function planRemoteSubnetRoutes(input: {
  peers: readonly Peer[];
  unroutable: readonly Unroutable[];
  /** The Overlay network's policies as HNS reports them now. */
  networkPolicies: readonly { Type: string; Settings?: unknown }[];
  owned: readonly OwnedRemoteSubnet[];
  /** The VXLAN network id (the network's VSID). */
  vni: number;
}): RemoteSubnetPlan {
  const plan: RemoteSubnetPlan = { add: [], remove: [], keep: [], foreign: [], unroutable: [...input.unroutable] };
  const current = remoteSubnetsOf(input.networkPolicies);
  const isOwned = (s: RemoteSubnetSettings) => input.owned.some((o) => sameSettings(o.settings, s));
  const wanted: OwnedRemoteSubnet[] = [];
  for (const peer of input.peers) {
    if (peer.drMac === undefined) {
      plan.unroutable.push({ node: peer.node, reason: `no DR MAC published (annotation ${DR_MAC_ANNOTATION})` });
      continue;
    }
    const settings = {
      DestinationPrefix: peer.podCIDR,
      IsolationId: input.vni,
      ProviderAddress: peer.address,
      DistributedRouterMacAddress: hnsMac(peer.drMac),
    };
    if (current.some((c) => c.DestinationPrefix === peer.podCIDR && !isOwned(c))) {
      plan.foreign.push({ node: peer.node, destinationPrefix: peer.podCIDR });
      continue;
    }
    wanted.push({ node: peer.node, settings });
  }
  for (const o of input.owned) {
    if (wanted.some((w) => sameSettings(w.settings, o.settings))) continue;
    if (current.some((c) => sameSettings(c, o.settings))) plan.remove.push(o);
  }
  for (const w of wanted) {
    const present = current.some((c) => sameSettings(c, w.settings));
    if (present && isOwned(w.settings)) plan.keep.push(w);
    else plan.add.push(w);
  }
  return plan;
}

/** The HcnModifyNetwork request that adds or removes these RemoteSubnetRoute policies (hns-api.md E15). */
export function remoteSubnetRequest(requestType: 'Add' | 'Remove', subnets: readonly OwnedRemoteSubnet[]) {
  return {
    ResourceType: 'Policy' as const,
    RequestType: requestType,
    Settings: { Policies: subnets.map((s) => ({ Type: 'RemoteSubnetRoute', Settings: { ...s.settings } })) },
  };
}
