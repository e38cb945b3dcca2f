// How IP Helper calls travel to the simulator (native/PROTOCOL.md, "IP Helper calls"): MIB rows as one text line of
// space-separated fields, tables as lines. The C stub writes and reads this form from the caller's real structures;
// the in-process backend (iphlp-abi.ts) uses this module. Addresses are dotted IPv4 or eight hex groups of IPv6
// (what the stub's sscanf reads back); "-" stands for AF_UNSPEC, "?N" for any other family.
import type { IpForwardRow, IpInterfaceRow, PortOwner, RouteAttributes } from '../../iphlp/types.js';
import { formatIp, parseIp } from './addresses.js';

export interface WireAddress {
  family: 0 | 4 | 6 | 'other';
  text: string;
}

function readAddress(token: string): WireAddress | undefined {
  if (token === '-') return { family: 0, text: '' };
  if (token.startsWith('?')) return { family: 'other', text: token };
  const ip = parseIp(token);
  return ip === undefined ? undefined : { family: ip.family, text: formatIp(ip.family, ip.value) };
}

/** Any address text in the form the stub parses (IPv6 uncompressed). */
export function wireAddress(text: string): string {
  const ip = parseIp(text);
  if (ip === undefined) throw new Error(`not an IP address: ${text}`);
  if (ip.family === 4) return formatIp(4, ip.value);
  return Array.from({ length: 8 }, (_, i) => ((ip.value >> BigInt((7 - i) * 16)) & 0xffffn).toString(16)).join(':');
}

/** A route row as the wire carries it; prefix and next hop keep their family so the model can validate them. */
export interface WireRoute extends RouteAttributes {
  interfaceLuid: bigint;
  interfaceIndex: number;
  prefix: WireAddress;
  prefixLength: number;
  nextHop: WireAddress;
  age: number;
}

export function encodeRoute(row: IpForwardRow): string {
  const slash = row.destinationPrefix.indexOf('/');
  const prefix = wireAddress(row.destinationPrefix.slice(0, slash));
  const length = row.destinationPrefix.slice(slash + 1);
  const b = (v: boolean) => (v ? '1' : '0');
  return [
    BigInt.asUintN(64, row.interfaceLuid).toString(),
    row.interfaceIndex >>> 0,
    `${prefix}/${length}`,
    wireAddress(row.nextHop),
    row.sitePrefixLength,
    row.validLifetime >>> 0,
    row.preferredLifetime >>> 0,
    row.metric >>> 0,
    row.protocol | 0,
    b(row.loopback),
    b(row.autoconfigureAddress),
    b(row.publish),
    b(row.immortal),
    row.age >>> 0,
    row.origin | 0,
  ].join(' ');
}

/** Parses one route line; undefined when it is not one. */
export function decodeWireRoute(line: string): WireRoute | undefined {
  const f = line.trim().split(/\s+/);
  if (f.length !== 15) return undefined;
  const [luid, index, prefixText, hop, ...numbers] = f as [string, string, string, string, ...string[]];
  const slash = prefixText.lastIndexOf('/');
  if (slash < 0 || !/^\d+$/.test(luid) || !/^\d+$/.test(index)) return undefined;
  const prefix = readAddress(prefixText.slice(0, slash));
  const nextHop = readAddress(hop);
  const n = numbers.map(Number);
  if (prefix === undefined || nextHop === undefined || n.some((x) => !Number.isInteger(x))) return undefined;
  const [site, valid, preferred, metric, protocol, loopback, autoconf, publish, immortal, age, origin] = n as number[];
  return {
    interfaceLuid: BigInt(luid),
    interfaceIndex: Number(index),
    prefix,
    prefixLength: Number(prefixText.slice(slash + 1)),
    nextHop,
    sitePrefixLength: site!,
    validLifetime: valid!,
    preferredLifetime: preferred!,
    metric: metric!,
    protocol: protocol!,
    loopback: loopback !== 0,
    autoconfigureAddress: autoconf !== 0,
    publish: publish !== 0,
    immortal: immortal !== 0,
    age: age!,
    origin: origin!,
  };
}

/** A table line back into a row (the lines the simulator writes always have a family). */
export function decodeRoute(line: string): IpForwardRow {
  const w = decodeWireRoute(line);
  if (w === undefined || (w.prefix.family !== 4 && w.prefix.family !== 6)) {
    throw new Error(`malformed route line: ${line}`);
  }
  const { prefix, prefixLength, nextHop, ...rest } = w;
  return { ...rest, destinationPrefix: `${prefix.text}/${prefixLength}`, nextHop: nextHop.text };
}

export function encodePortOwner(o: PortOwner): string {
  const any = o.family === 4 ? '0.0.0.0' : '::';
  return o.protocol === 'tcp'
    ? `2 ${wireAddress(o.address)} ${o.port} ${wireAddress(any)} 0 ${o.pid}`
    : `${wireAddress(o.address)} ${o.port} ${o.pid}`;
}

export function decodePortOwner(protocol: 'tcp' | 'udp', line: string): PortOwner {
  const f = line.trim().split(/\s+/);
  const [address, port, pid] = protocol === 'tcp' ? [f[1], f[2], f[5]] : [f[0], f[1], f[2]];
  const ip = address === undefined ? undefined : parseIp(address);
  if (ip === undefined || port === undefined || pid === undefined)
    throw new Error(`malformed ${protocol} line: ${line}`);
  return { protocol, family: ip.family, address: formatIp(ip.family, ip.value), port: Number(port), pid: Number(pid) };
}

/**
 * An interface line: `<family 2|23> <luid> <index> <forwarding> <weakHostSend> <weakHostReceive> <advertising>
 * <metric> <useAutomaticMetric> <nlMtu> <sitePrefixLength> <connected>` (MIB_IPINTERFACE_ROW's modelled fields).
 */
export function encodeInterface(r: IpInterfaceRow): string {
  const b = (v: boolean) => (v ? '1' : '0');
  return [
    r.family === 4 ? 2 : 23,
    BigInt.asUintN(64, r.interfaceLuid).toString(),
    r.interfaceIndex >>> 0,
    b(r.forwardingEnabled),
    b(r.weakHostSend),
    b(r.weakHostReceive),
    b(r.advertisingEnabled),
    r.metric >>> 0,
    b(r.useAutomaticMetric),
    r.nlMtu >>> 0,
    r.sitePrefixLength >>> 0,
    b(r.connected),
  ].join(' ');
}

/** An interface line back into a row; undefined when malformed or of another family than 2/23. */
export function decodeInterface(line: string): IpInterfaceRow | undefined {
  const f = line.trim().split(/\s+/);
  if (f.length !== 12 || f.some((x) => !/^\d+$/.test(x))) return undefined;
  const [family, luid, ...n] = f as [string, string, ...string[]];
  if (family !== '2' && family !== '23') return undefined;
  const [index, forwarding, weakSend, weakReceive, advertising, metric, automatic, mtu, site, connected] =
    n.map(Number);
  return {
    family: family === '2' ? 4 : 6,
    interfaceLuid: BigInt(luid),
    interfaceIndex: index!,
    forwardingEnabled: forwarding !== 0,
    weakHostSend: weakSend !== 0,
    weakHostReceive: weakReceive !== 0,
    advertisingEnabled: advertising !== 0,
    metric: metric!,
    useAutomaticMetric: automatic !== 0,
    nlMtu: mtu!,
    sitePrefixLength: site!,
    connected: connected !== 0,
  };
}

export function lines(text: string | undefined): string[] {
  return (text ?? '').split('\n').filter((l) => l.trim() !== '');
}
