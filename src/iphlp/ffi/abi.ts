// The IphlpAbi over koffi: each call made with koffi's async calls (a worker thread), rows translated to and from
// the MIB structures here. GetIpForwardTable2's table is always handed back to FreeMibTable, also when decoding it
// throws; the TCP/UDP tables live in a buffer we own, sized the way every caller of GetExtended*Table sizes it (a
// first call that answers ERROR_INSUFFICIENT_BUFFER with the size, then the real one, again if the table grew).

import { exitSkippingThreadpool } from '../../hns/ffi/abi.js';
import { registerImmediateExit } from '../../hns/process-exit.js';
import { formatAddress, parseAddress } from '../../ipam/cidr.js';
import type { IphlpAbi, IphlpCall, IphlpReply } from '../abi.js';
import { IPHLP_STATUS, IphlpError } from '../errors.js';
import { AF_INET, AF_INET6, type IpForwardRow, type IpInterfaceRow, type PortOwner } from '../types.js';
import { createIphlpBindings, defaultIphlpLibrary, type IphlpBindings, type KoffiFunction } from './bindings.js';

export interface FfiIphlpAbiOptions {
  /** A stand-in iphlpapi (the C stub). Default: HNS_CNI_IPHLP_LIBRARY; on Windows without it, iphlpapi.dll. */
  library?: string;
}

type Sockaddr = { Ipv4: Record<string, unknown> } | { Ipv6: Record<string, unknown> };

function bytesOf(family: 4 | 6, value: bigint): number[] {
  const n = family === 4 ? 4 : 16;
  return Array.from({ length: n }, (_, i) => Number((value >> BigInt((n - 1 - i) * 8)) & 0xffn));
}

function numberFromBytes(bytes: ArrayLike<number>): bigint {
  return Array.from(bytes).reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

function sockaddr(text: string): Sockaddr {
  const a = parseAddress(text);
  if (a === undefined) throw new Error(`not an IP address: ${JSON.stringify(text)}`);
  return a.family === 4
    ? { Ipv4: { sin_family: AF_INET, sin_port: 0, sin_addr: bytesOf(4, a.value), sin_zero: new Array(8).fill(0) } }
    : {
        Ipv6: {
          sin6_family: AF_INET6,
          sin6_port: 0,
          sin6_flowinfo: 0,
          sin6_addr: bytesOf(6, a.value),
          sin6_scope_id: 0,
        },
      };
}

/** A decoded SOCKADDR_INET union: the active member is chosen by si_family, as a C caller would. */
function addressText(u: Record<string, unknown>): string {
  const family = u.si_family as number;
  if (family === AF_INET) return formatAddress(4, numberFromBytes((u.Ipv4 as { sin_addr: Uint8Array }).sin_addr));
  if (family === AF_INET6) return formatAddress(6, numberFromBytes((u.Ipv6 as { sin6_addr: Uint8Array }).sin6_addr));
  throw new Error(`address family ${family} in a route`);
}

function toStruct(row: IpForwardRow): Record<string, unknown> {
  const slash = row.destinationPrefix.indexOf('/');
  return {
    InterfaceLuid: BigInt.asUintN(64, row.interfaceLuid),
    InterfaceIndex: row.interfaceIndex,
    DestinationPrefix: {
      Prefix: sockaddr(row.destinationPrefix.slice(0, slash)),
      PrefixLength: Number(row.destinationPrefix.slice(slash + 1)),
    },
    NextHop: sockaddr(row.nextHop),
    SitePrefixLength: row.sitePrefixLength,
    ValidLifetime: row.validLifetime >>> 0,
    PreferredLifetime: row.preferredLifetime >>> 0,
    Metric: row.metric >>> 0,
    Protocol: row.protocol,
    Loopback: row.loopback ? 1 : 0,
    AutoconfigureAddress: row.autoconfigureAddress ? 1 : 0,
    Publish: row.publish ? 1 : 0,
    Immortal: row.immortal ? 1 : 0,
    Age: row.age >>> 0,
    Origin: row.origin,
  };
}

function fromStruct(s: Record<string, unknown>): IpForwardRow {
  const prefix = s.DestinationPrefix as { Prefix: Record<string, unknown>; PrefixLength: number };
  return {
    interfaceLuid: BigInt(s.InterfaceLuid as number | bigint),
    interfaceIndex: s.InterfaceIndex as number,
    destinationPrefix: `${addressText(prefix.Prefix)}/${prefix.PrefixLength}`,
    nextHop: addressText(s.NextHop as Record<string, unknown>),
    sitePrefixLength: s.SitePrefixLength as number,
    validLifetime: s.ValidLifetime as number,
    preferredLifetime: s.PreferredLifetime as number,
    metric: s.Metric as number,
    protocol: s.Protocol as number,
    loopback: s.Loopback !== 0,
    autoconfigureAddress: s.AutoconfigureAddress !== 0,
    publish: s.Publish !== 0,
    immortal: s.Immortal !== 0,
    age: s.Age as number,
    origin: s.Origin as number,
  };
}

/** A port as iphlpapi stores it: network byte order in the first two bytes of its DWORD. */
const portOf = (b: Uint8Array) => (b[0]! << 8) | b[1]!;

function ownerOf(protocol: 'tcp' | 'udp', family: 4 | 6, row: Record<string, unknown>): PortOwner {
  const address = family === 4 ? (row.dwLocalAddr as Uint8Array) : (row.ucLocalAddr as Uint8Array);
  return {
    protocol,
    family,
    address: formatAddress(family, numberFromBytes(address)),
    port: portOf(row.dwLocalPort as Uint8Array),
    pid: row.dwOwningPid as number,
  };
}

function interfaceOf(s: Record<string, unknown>): IpInterfaceRow {
  return {
    family: s.Family === AF_INET6 ? 6 : 4,
    interfaceLuid: BigInt(s.InterfaceLuid as number | bigint),
    interfaceIndex: s.InterfaceIndex as number,
    forwardingEnabled: s.ForwardingEnabled !== 0,
    weakHostSend: s.WeakHostSend !== 0,
    weakHostReceive: s.WeakHostReceive !== 0,
    advertisingEnabled: s.AdvertisingEnabled !== 0,
    metric: s.Metric as number,
    useAutomaticMetric: s.UseAutomaticMetric !== 0,
    nlMtu: s.NlMtu as number,
    sitePrefixLength: s.SitePrefixLength as number,
    connected: s.Connected !== 0,
  };
}

/** The row's modelled fields written over a full MIB_IPINTERFACE_ROW (the rest stays as GetIpInterfaceEntry gave it). */
function withInterface(s: Record<string, unknown>, row: IpInterfaceRow): Record<string, unknown> {
  return {
    ...s,
    Family: row.family === 4 ? AF_INET : AF_INET6,
    InterfaceLuid: BigInt.asUintN(64, row.interfaceLuid),
    InterfaceIndex: row.interfaceIndex,
    ForwardingEnabled: row.forwardingEnabled ? 1 : 0,
    WeakHostSend: row.weakHostSend ? 1 : 0,
    WeakHostReceive: row.weakHostReceive ? 1 : 0,
    AdvertisingEnabled: row.advertisingEnabled ? 1 : 0,
    Metric: row.metric >>> 0,
    UseAutomaticMetric: row.useAutomaticMetric ? 1 : 0,
    NlMtu: row.nlMtu >>> 0,
    SitePrefixLength: row.sitePrefixLength >>> 0,
    Connected: row.connected ? 1 : 0,
  };
}

const ROW_TYPES = {
  tcp: { 4: 'MIB_TCPROW_OWNER_PID', 6: 'MIB_TCP6ROW_OWNER_PID' },
  udp: { 4: 'MIB_UDPROW_OWNER_PID', 6: 'MIB_UDP6ROW_OWNER_PID' },
} as const;

export function createFfiIphlpAbi(opts: FfiIphlpAbiOptions = {}): IphlpAbi {
  const library = defaultIphlpLibrary(opts.library ?? process.env.HNS_CNI_IPHLP_LIBRARY);
  let bindings: IphlpBindings | undefined;
  let inFlight = 0;
  registerImmediateExit((code) => {
    if (inFlight > 0) exitSkippingThreadpool(code);
  });

  function bound(): IphlpBindings {
    bindings ??= createIphlpBindings(library);
    return bindings;
  }

  async function run(f: KoffiFunction, ...args: unknown[]): Promise<number> {
    inFlight++;
    try {
      return await new Promise<number>((resolve, reject) => {
        f.async(...args, (err: unknown, result: number) => (err ? reject(err) : resolve(result)));
      });
    } finally {
      inFlight--;
    }
  }

  async function routeTable(family: number): Promise<IphlpReply> {
    const b = bound();
    const out: (bigint | null)[] = [null];
    const status = await run(b.fn('GetIpForwardTable2'), family, out);
    const table = out[0] ?? null;
    if (table === null || table === 0n) return { status };
    try {
      const count = b.koffi.decode(table, 'uint32_t') as number;
      const offset = b.koffi.offsetof('MIB_IPFORWARD_TABLE2', 'Table');
      const rows = count === 0 ? [] : (b.koffi.decode(table, offset, 'MIB_IPFORWARD_ROW2', count) as unknown[]);
      return { status, routes: rows.map((r) => fromStruct(r as Record<string, unknown>)) };
    } finally {
      b.fn('FreeMibTable')(table);
    }
  }

  async function socketTable(
    fn: 'GetExtendedTcpTable' | 'GetExtendedUdpTable',
    af: number,
    tableClass: number,
  ): Promise<IphlpReply> {
    const b = bound();
    const f = b.fn(fn);
    const size = [0];
    let buffer: Buffer | null = null;
    // The table can grow between the sizing call and the real one: ask again, a few times.
    for (let attempt = 0; attempt < 5; attempt++) {
      const status = await run(f, buffer, size, 1, af, tableClass, 0);
      if (status === IPHLP_STATUS.ERROR_INSUFFICIENT_BUFFER) {
        buffer = Buffer.alloc(size[0]!);
        continue;
      }
      if (status !== IPHLP_STATUS.NO_ERROR || buffer === null) return { status };
      const family = af === AF_INET ? 4 : 6;
      const protocol = fn === 'GetExtendedTcpTable' ? 'tcp' : 'udp';
      const count = buffer.readUInt32LE(0);
      const rows = count === 0 ? [] : (b.koffi.decode(buffer, 4, ROW_TYPES[protocol][family], count) as unknown[]);
      return { status, owners: rows.map((r) => ownerOf(protocol, family, r as Record<string, unknown>)) };
    }
    throw new IphlpError(IPHLP_STATUS.ERROR_INSUFFICIENT_BUFFER, { fn }, 'the table kept growing between calls');
  }

  /** GetIpInterfaceEntry: the caller sets Family and InterfaceLuid (or InterfaceIndex); the call fills the rest. */
  async function interfaceEntry(
    family: number,
    luid: bigint,
    index: number,
  ): Promise<{ status: number; row: Record<string, unknown> }> {
    const b = bound();
    const row: Record<string, unknown> = {
      Family: family,
      InterfaceLuid: BigInt.asUintN(64, luid),
      InterfaceIndex: index,
    };
    const status = await run(b.fn('GetIpInterfaceEntry'), row);
    return { status, row };
  }

  return {
    kind: 'ffi',
    async invoke(call: IphlpCall): Promise<IphlpReply> {
      switch (call.fn) {
        case 'CreateIpForwardEntry2':
        case 'DeleteIpForwardEntry2':
          return { status: await run(bound().fn(call.fn), toStruct(call.row)) };
        case 'GetIpForwardTable2':
          return routeTable(call.family);
        case 'GetExtendedTcpTable':
        case 'GetExtendedUdpTable':
          return socketTable(call.fn, call.family, call.tableClass);
        case 'GetIpInterfaceEntry': {
          const { status, row } = await interfaceEntry(call.family, call.interfaceLuid, call.interfaceIndex);
          return status === IPHLP_STATUS.NO_ERROR ? { status, interface: interfaceOf(row) } : { status };
        }
        case 'SetIpInterfaceEntry': {
          // Read-modify-write, as a C caller does: the fields hns-cni does not model go back as they were.
          const r = call.row;
          const got = await interfaceEntry(r.family === 4 ? AF_INET : AF_INET6, r.interfaceLuid, r.interfaceIndex);
          if (got.status !== IPHLP_STATUS.NO_ERROR) return { status: got.status };
          return { status: await run(bound().fn('SetIpInterfaceEntry'), withInterface(got.row, r)) };
        }
      }
    },
  };
}
