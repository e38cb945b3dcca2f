// Endpoint addresses (§7.5, §7.6): a requested IP must lie in one of the network's subnets and not be reserved or
// taken; without a request, NAT/L2Bridge/Overlay networks hand out the next free address of their first subnet of
// each family (Transparent and the others: no HNS IPAM). PrefixLength and the default route are filled in.
import { HR } from '../hresult.js';
import type { HostComputeNetwork, IpConfiguration, NetworkType, Route, Subnet } from '../types.js';
import {
  formatIp,
  isNetworkOrBroadcast,
  type Prefix,
  parseIp,
  parsePrefix,
  prefixContains,
  prefixSize,
} from './addresses.js';
import { fail } from './failure.js';
import { endpointsOfNetwork } from './lookup.js';
import type { SimState } from './state.js';

export const HNS_IPAM_TYPES: readonly NetworkType[] = ['NAT', 'L2Bridge', 'Overlay', 'ICS', 'Internal'];

const DO_NOT_RESERVE_GATEWAY = 1;
/** Do not scan more than this many candidates (IPv6 subnets are huge). */
const SCAN_LIMIT = 1n << 16n;

interface SubnetInfo {
  subnet: Subnet;
  prefix: Prefix;
  gateway?: string;
}

function subnetsOf(network: HostComputeNetwork): SubnetInfo[] {
  const out: SubnetInfo[] = [];
  for (const ipam of network.Ipams ?? []) {
    for (const subnet of ipam.Subnets ?? []) {
      const prefix = subnet.IpAddressPrefix === undefined ? undefined : parsePrefix(subnet.IpAddressPrefix);
      if (prefix === undefined) continue;
      const gateway = subnet.Routes?.find(
        (r) => r.DestinationPrefix === '0.0.0.0/0' || r.DestinationPrefix === '::/0',
      )?.NextHop;
      out.push({ subnet, prefix, ...(gateway ? { gateway } : {}) });
    }
  }
  return out;
}

function isReserved(info: SubnetInfo, value: bigint): boolean {
  if (isNetworkOrBroadcast(info.prefix, value)) return true;
  const gw = info.gateway === undefined ? undefined : parseIp(info.gateway);
  return gw !== undefined && gw.value === value && ((info.subnet.Flags ?? 0) & DO_NOT_RESERVE_GATEWAY) === 0;
}

function usedAddresses(state: SimState, networkId: string, exceptEndpoint?: string): Set<string> {
  const used = new Set<string>();
  for (const e of endpointsOfNetwork(state, networkId)) {
    if (e.ID === exceptEndpoint) continue;
    for (const c of e.IpConfigurations ?? []) {
      const ip = parseIp(c.IpAddress);
      if (ip) used.add(formatIp(ip.family, ip.value));
    }
  }
  return used;
}

/** Validates the caller's IpConfigurations and fills PrefixLength. */
export function checkRequestedAddresses(
  state: SimState,
  network: HostComputeNetwork,
  requested: IpConfiguration[],
): IpConfiguration[] {
  const subnets = subnetsOf(network);
  const used = usedAddresses(state, network.ID!);
  return requested.map((c) => {
    const ip = typeof c.IpAddress === 'string' ? parseIp(c.IpAddress) : undefined;
    if (ip === undefined) fail(HR.HCN_E_INVALID_IP);
    const info = subnets.find((s) => prefixContains(s.prefix, ip));
    // A network without subnets (Transparent with external DHCP/static addressing) accepts any address.
    if (info === undefined && subnets.length > 0) fail(HR.HCN_E_INVALID_IP);
    if (info !== undefined && isReserved(info, ip.value)) fail(HR.HCN_E_ADDR_INVALID_OR_RESERVED);
    if (used.has(formatIp(ip.family, ip.value))) fail(state.options.duplicateIpHresult);
    const prefixLength = c.PrefixLength ?? info?.prefix.length;
    return { ...c, ...(prefixLength !== undefined ? { PrefixLength: prefixLength } : {}) };
  });
}

/** HNS-assigned addresses: one per address family, from the first subnet of that family. */
export function assignAddresses(state: SimState, network: HostComputeNetwork): IpConfiguration[] {
  if (!HNS_IPAM_TYPES.includes(network.Type ?? 'NAT')) return [];
  const used = usedAddresses(state, network.ID!);
  const out: IpConfiguration[] = [];
  for (const family of [4, 6] as const) {
    const info = subnetsOf(network).find((s) => s.prefix.family === family);
    if (info === undefined) continue;
    out.push({ IpAddress: nextFree(state, network.ID!, info, used), PrefixLength: info.prefix.length });
  }
  return out;
}

function nextFree(state: SimState, networkId: string, info: SubnetInfo, used: Set<string>): string {
  const { prefix } = info;
  const cursorKey = `${networkId}|${formatIp(prefix.family, prefix.base)}/${prefix.length}`;
  const last = state.cursors.ip[cursorKey];
  const size = prefixSize(prefix);
  const end = prefix.base + size - 1n;
  let candidate = last === undefined ? prefix.base : parseIp(last)!.value + 1n;
  const limit = size < SCAN_LIMIT ? size : SCAN_LIMIT;
  for (let tried = 0n; tried < limit; tried++, candidate++) {
    if (candidate > end) candidate = prefix.base;
    const text = formatIp(prefix.family, candidate);
    if (isReserved(info, candidate) || used.has(text)) continue;
    state.cursors.ip[cursorKey] = text;
    return text;
  }
  fail(HR.E_OUTOFMEMORY); // subnet exhausted: UNCONFIRMED what HNS returns
}

/** Without caller routes, HNS adds the default route through the subnet gateway of each address (§7.5). */
export function defaultRoutes(network: HostComputeNetwork, configs: IpConfiguration[]): Route[] {
  const routes: Route[] = [];
  const subnets = subnetsOf(network);
  for (const c of configs) {
    const ip = parseIp(c.IpAddress);
    const info = ip && subnets.find((s) => prefixContains(s.prefix, ip));
    if (info?.gateway === undefined) continue;
    routes.push({ NextHop: info.gateway, DestinationPrefix: ip!.family === 4 ? '0.0.0.0/0' : '::/0' });
  }
  return routes;
}
