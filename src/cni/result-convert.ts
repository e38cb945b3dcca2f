// Handlers build results in the 1.x shape (types.ts); the runtime gets them in the cniVersion it asked for.
// Fields are copied by name (never spread), so nothing outside the requested version's schema reaches stdout.
import type { CniDns, CniInterface, CniIpConfig, CniResult, CniRoute } from './types.js';
import type { SupportedVersion } from './versions.js';

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

/**
 * Converts a 1.x result to `version`:
 * - 1.1.0: as is;
 * - 1.0.0: without the fields spec 1.1.0 added (interface mtu/socketPath/pciID; route mtu/advmss/priority/table/scope);
 * - 0.3.0, 0.3.1, 0.4.0: as 1.0.0, plus `ips[].version` ("4" or "6", from the address), as libcni's 040 converter.
 */
export function convertResult(result: CniResult, version: SupportedVersion): VersionedResult {
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
