// Which address is whose on the pod subnet, per mode and per family (config `gatewayFrom`, `gateway`).
//
// transparent: the pod subnet is routed to the node, whose vNIC on the Transparent network holds the subnet's
//   gateway (the .1 that the IPAM keeps out of the pool, or what the IPAM reports). Pods route the cluster and
//   service CIDRs through it; their default route goes through the NAT endpoint instead.
// l2bridge: as flannel host-gw and win-bridge do it. The network's subnet gateway is .1 (flannel creates `cbr0`
//   with GatewayAddress .1, so a network created by either compares equal); the node's host endpoint (`cbr0_ep`) is
//   .2, and pods use .2 as their default gateway because that endpoint, in the host compartment, is what forwards
//   node↔pod and off-node traffic. win-bridge hard-codes network+2 for the same reason; here `gateway` or the
//   built-in IPAM's `hostEndpoint` can move it. An IPv6 subnet follows the same rule (::1 network, ::2 host).
// overlay: the subnet's .1 is HNS's distributed router on every node (flannel VXLAN creates the network with
//   gateway .1); pods route everything through it. win-overlay takes the gateway from the HNS network itself.
// nat: WinNAT's host-side address is the subnet's .1 (or the IPAM's gateway); pods route everything through it.
// Anchor families say where their gateway comes from (config/from-*.ts): win-bridge's .2, WCN's IPAM or
//   `ipam.routes[0].GW` (which may lie outside the pod subnet: AKS kubenet's VNet gateway), HNS's network gateway.
import { addressOf, canonicalCidr, familyOf, nthAddress, subnetContains } from '../config/address.js';
import type { GatewayFrom, NetConf } from '../config/types.js';
import { isDelegatedIpam } from '../ipam/config.js';
import type { PodAddress } from './types.js';

/**
 * The gateways the address source and HNS report: the IPAM's (or, when HNS assigns the address, the one HNS
 * recorded on the existing network's subnet), and the existing network's own subnet gateway.
 */
export interface GatewayHint {
  gateway?: string;
  /** The HNS network's gateway for this subnet (win-overlay's rule); absent while the network does not exist. */
  networkGateway?: string;
}

export function podSubnetOf(allocation: PodAddress): string {
  return canonicalCidr(allocation.address);
}

/** The NextHop of the network subnet's default route (the network's gateway as HNS records it). */
export function networkGatewayFor(config: NetConf, podSubnet: string, hint: GatewayHint = {}): string {
  if (config.mode === 'transparent') return podGatewayFor(config, podSubnet, hint);
  const configured = config.networkIpam;
  if (configured !== undefined && configured.subnet === podSubnet) return configured.gateway;
  return hint.networkGateway ?? hint.gateway ?? builtinIpamGateway(config, podSubnet) ?? nthAddress(podSubnet, 1);
}

/** The pods' next hop on the pod network, for the subnet's family. */
export function podGatewayFor(config: NetConf, podSubnet: string, hint: GatewayHint = {}): string {
  const v6 = familyOf(podSubnet) === 6;
  const explicit = v6 ? config.gateway6 : config.gateway;
  if (explicit !== undefined) return explicit;
  const from: GatewayFrom = v6 ? config.gatewayFrom6 : config.gatewayFrom;
  if (from === 'hostEndpoint') return builtinHostEndpoint(config, podSubnet) ?? nthAddress(podSubnet, 2);
  if (from === 'network' && hint.networkGateway !== undefined) return hint.networkGateway;
  return hint.gateway ?? builtinIpamGateway(config, podSubnet) ?? nthAddress(podSubnet, 1);
}

/** Addresses of the pod subnet that must never be handed to a pod in this mode (for the IPAM and CHECK). */
export function reservedAddressesFor(config: NetConf, podSubnet: string, hint: GatewayHint = {}): string[] {
  const out = [networkGatewayFor(config, podSubnet, hint), podGatewayFor(config, podSubnet, hint)];
  return [...new Set(out.filter((a) => subnetContains(podSubnet, a)))];
}

export function podIpOf(allocation: PodAddress): string {
  return addressOf(allocation.address);
}

function builtinIpamGateway(config: NetConf, podSubnet: string): string | undefined {
  const ipam = config.ipam;
  if (ipam === undefined || isDelegatedIpam(ipam)) return undefined;
  return familyOf(podSubnet) === 6 ? ipam.gateway6 : ipam.gateway;
}

function builtinHostEndpoint(config: NetConf, podSubnet: string): string | undefined {
  const ipam = config.ipam;
  if (ipam === undefined || isDelegatedIpam(ipam) || familyOf(podSubnet) === 6) return undefined;
  return typeof ipam.hostEndpoint === 'string' ? ipam.hostEndpoint : undefined;
}
