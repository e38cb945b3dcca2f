// Handlers build results in the 1.x shape (types.ts); the runtime gets them in the cniVersion it asked for.
// Fields are copied by name (never spread), so nothing outside the requested version's schema reaches stdout.
import type { CniDns, CniInterface, CniIpConfig, CniResult, CniRoute } from './types.js';
import { isPre03Version, type SupportedVersion } from './versions.js';

/** The 0.3.0–0.4.0 IP entry: 1.0.0 dropped `version`, which older readers require. */
export interface LegacyIpConfig extends CniIpConfig {
  version: '4' | '6';
}

export interface VersionedResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: (CniIpConfig | LegacyIpConfig)[];
  routes?: CniRoute[];
  dns?: CniDns;
}

/** One address family of a 0.1.0/0.2.0 result (types/020 IPConfig). */
export interface Ip020Config {
  ip: string;
  gateway?: string;
  routes?: { dst: string; gw?: string }[];
}

/** The 0.1.0 and 0.2.0 result (types/020 Result): one IPv4 and one IPv6 address, routes filed by family. */
export interface Result020 {
  cniVersion: string;
  ip4?: Ip020Config;
  ip6?: Ip020Config;
  dns?: CniDns;
}

/**
 * Converts a 1.x result to `version`:
 * - 0.1.0, 0.2.0: `{ip4, ip6, dns}` (to020);
 * - 1.1.0: as is;
 * - 1.0.0: without the fields spec 1.1.0 added (interface mtu/socketPath/pciID; route mtu/advmss/priority/table/scope);
 * - 0.3.0, 0.3.1, 0.4.0: as 1.0.0, plus `ips[].version` ("4" or "6", from the address), as libcni's 040 converter.
 */
export function convertResult(result: CniResult, version: SupportedVersion): VersionedResult | Result020 {
  if (isPre03Version(version)) return to020(result, version);
  const has11Fields = version === '1.1.0';
  const legacy = version.startsWith('0.');
  const out: VersionedResult = { cniVersion: version };
  if (result.interfaces) out.interfaces = result.interfaces.map((i) => convertInterface(i, has11Fields));
  if (result.ips) out.ips = result.ips.map((ip) => (legacy ? withIpVersion(copyIp(ip)) : copyIp(ip)));
  if (result.routes) out.routes = result.routes.map((r) => convertRoute(r, has11Fields));
  if (result.dns) out.dns = copyDns(result.dns);
  return out;
}

function convertInterface(from: CniInterface, has11Fields: boolean): CniInterface {
  const to: CniInterface = { name: from.name };
  if (from.mac !== undefined) to.mac = from.mac;
  if (has11Fields && from.mtu !== undefined) to.mtu = from.mtu;
  if (from.sandbox !== undefined) to.sandbox = from.sandbox;
  if (has11Fields && from.socketPath !== undefined) to.socketPath = from.socketPath;
  if (has11Fields && from.pciID !== undefined) to.pciID = from.pciID;
  return to;
}

function copyIp(from: CniIpConfig): CniIpConfig {
  const to: CniIpConfig = { address: from.address };
  if (from.gateway !== undefined) to.gateway = from.gateway;
  if (from.interface !== undefined) to.interface = from.interface;
  return to;
}

/** IPv6 addresses always contain ':'; IPv4 CIDRs never do. */
function withIpVersion(ip: CniIpConfig): LegacyIpConfig {
  return { ...ip, version: ip.address.includes(':') ? '6' : '4' };
}

function convertRoute(from: CniRoute, has11Fields: boolean): CniRoute {
  const to: CniRoute = { dst: from.dst };
  if (from.gw !== undefined) to.gw = from.gw;
  if (!has11Fields) return to;
  if (from.mtu !== undefined) to.mtu = from.mtu;
  if (from.advmss !== undefined) to.advmss = from.advmss;
  if (from.priority !== undefined) to.priority = from.priority;
  if (from.table !== undefined) to.table = from.table;
  if (from.scope !== undefined) to.scope = from.scope;
  return to;
}

function copyDns(from: CniDns): CniDns {
  const to: CniDns = {};
  if (from.nameservers !== undefined) to.nameservers = [...from.nameservers];
  if (from.domain !== undefined) to.domain = from.domain;
  if (from.search !== undefined) to.search = [...from.search];
  if (from.options !== undefined) to.options = [...from.options];
  return to;
}

/**
 * libcni's types/040 convertTo02x: the first address of each family, each route filed under the family of its
 * destination (dropped when the result has no address of that family), interfaces dropped. 0.2.0 cannot express a
 * result without an address; hns-cni's ADD always has one.
 */
function to020(result: CniResult, version: string): Result020 {
  const out: Result020 = { cniVersion: version };
  for (const ip of result.ips ?? []) {
    const key = ip.address.includes(':') ? 'ip6' : 'ip4';
    if (out[key] !== undefined) continue;
    out[key] = { ip: ip.address, ...(ip.gateway !== undefined && { gateway: ip.gateway }) };
  }
  for (const route of result.routes ?? []) {
    const family = out[route.dst.includes(':') ? 'ip6' : 'ip4'];
    if (family === undefined) continue;
    family.routes = [...(family.routes ?? []), { dst: route.dst, ...(route.gw !== undefined && { gw: route.gw }) }];
  }
  if (result.dns) out.dns = copyDns(result.dns);
  return out;
}

/** The other way (libcni's convertFrom02x): ip4 then ip6 become ips, their routes the result's routes. */
export function resultFrom020(from: Result020): CniResult {
  const out: CniResult = { cniVersion: from.cniVersion, ips: [], routes: [] };
  for (const ip of [from.ip4, from.ip6]) {
    if (ip === undefined || typeof ip.ip !== 'string') continue;
    out.ips!.push({ address: ip.ip, ...(typeof ip.gateway === 'string' && { gateway: ip.gateway }) });
    for (const r of ip.routes ?? []) out.routes!.push({ dst: r.dst, ...(r.gw !== undefined && { gw: r.gw }) });
  }
  if (from.dns !== undefined) out.dns = copyDns(from.dns);
  return out;
}
