// The one door to IP Helper (iphlpapi.dll): the node's routing table and the sockets bound on it. Everything outside
// src/iphlp/ gets typed rows or an IphlpError; nothing else knows about koffi, the simulator or Win32 numbers.
// Each operation names its raw calls, as HcnClient does.
import type { IphlpAbi, IphlpCall, IphlpReply } from './abi.js';
import { TCP_TABLE_OWNER_PID_LISTENER, UDP_TABLE_OWNER_PID } from './abi.js';
import { IPHLP_STATUS, IphlpError } from './errors.js';
import {
  AF_INET,
  AF_INET6,
  addressFamilyOf,
  type IpFamily,
  type IpForwardRow,
  type IpInterfaceRow,
  type PortOwner,
  type RouteSpec,
  routeRowOf,
} from './types.js';

export interface IphlpClientOptions {
  /** Per-call timeout in milliseconds; a call that takes longer fails with IphlpError ERROR_TIMEOUT. */
  timeoutMs?: number;
}

export interface IphlpClient {
  readonly backend: 'ffi' | 'sim';
  /** GetIpForwardTable2 (+ FreeMibTable): 1 call. An empty family (ERROR_NOT_FOUND) is []. */
  listRoutes(family?: IpFamily | 'all'): Promise<IpForwardRow[]>;
  /** CreateIpForwardEntry2: 1 call. Returns the row that was sent. */
  createRoute(spec: RouteSpec): Promise<IpForwardRow>;
  /** DeleteIpForwardEntry2 of the route with this prefix, next hop and interface: 1 call. */
  deleteRoute(
    route: Pick<IpForwardRow, 'destinationPrefix' | 'nextHop' | 'interfaceIndex' | 'interfaceLuid'>,
  ): Promise<void>;
  /**
   * Every TCP listener and UDP socket, IPv4 and IPv6, with its owning process: GetExtendedTcpTable and
   * GetExtendedUdpTable per family (4 calls; the FFI path sizes each buffer with one more call).
   */
  listPortOwners(): Promise<PortOwner[]>;
  /** GetIpInterfaceEntry of one interface (by LUID when given and non-zero, else index) and family: 1 call. */
  getInterface(query: { family: IpFamily; interfaceIndex: number; interfaceLuid?: bigint }): Promise<IpInterfaceRow>;
  /**
   * SetIpInterfaceEntry with this row (normally one getInterface returned, changed): 1 call in the simulator; the FFI
   * path reads the full row first (GetIpInterfaceEntry) so the fields not modelled go back as they were. SitePrefixLength is sent
   * as 0 for IPv4: MSDN's SetIpInterfaceEntry remarks require it (any other value is ERROR_INVALID_PARAMETER).
   */
  setInterface(row: IpInterfaceRow): Promise<void>;
}

export function describeRoute(r: Pick<IpForwardRow, 'destinationPrefix' | 'nextHop' | 'interfaceIndex'>): string {
  return `${r.destinationPrefix} via ${r.nextHop} if ${r.interfaceIndex}`;
}

export function createIphlpClient(abi: IphlpAbi, opts: IphlpClientOptions = {}): IphlpClient {
  async function call(req: IphlpCall, subject?: string): Promise<IphlpReply> {
    const pending = abi.invoke(req);
    let reply: IphlpReply;
    if (opts.timeoutMs === undefined) {
      reply = await pending;
    } else {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new IphlpError(
                IPHLP_STATUS.ERROR_TIMEOUT,
                { fn: req.fn, ...(subject && { subject }) },
                `no answer within ${opts.timeoutMs} ms`,
              ),
            ),
          opts.timeoutMs,
        );
      });
      try {
        reply = await Promise.race([pending, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    return reply;
  }

  function fail(req: IphlpCall, reply: IphlpReply, subject?: string): never {
    throw new IphlpError(reply.status, { fn: req.fn, ...(subject && { subject }) });
  }

  async function portOwners(fn: 'GetExtendedTcpTable' | 'GetExtendedUdpTable', family: number): Promise<PortOwner[]> {
    const tableClass = fn === 'GetExtendedTcpTable' ? TCP_TABLE_OWNER_PID_LISTENER : UDP_TABLE_OWNER_PID;
    const req: IphlpCall = { fn, family, tableClass };
    const reply = await call(req, family === AF_INET ? 'IPv4' : 'IPv6');
    if (reply.status !== IPHLP_STATUS.NO_ERROR) fail(req, reply, family === AF_INET ? 'IPv4' : 'IPv6');
    return reply.owners ?? [];
  }

  return {
    backend: abi.kind,
    async listRoutes(family = 'all') {
      const req: IphlpCall = { fn: 'GetIpForwardTable2', family: addressFamilyOf(family) };
      const reply = await call(req, `family ${family}`);
      if (reply.status === IPHLP_STATUS.ERROR_NOT_FOUND) return [];
      if (reply.status !== IPHLP_STATUS.NO_ERROR) fail(req, reply, `family ${family}`);
      return reply.routes ?? [];
    },
    async createRoute(spec) {
      const row = routeRowOf(spec);
      const req: IphlpCall = { fn: 'CreateIpForwardEntry2', row };
      const reply = await call(req, describeRoute(row));
      if (reply.status !== IPHLP_STATUS.NO_ERROR) fail(req, reply, describeRoute(row));
      return row;
    },
    async deleteRoute(route) {
      const row = routeRowOf({ ...route, interfaceLuid: route.interfaceLuid });
      const req: IphlpCall = { fn: 'DeleteIpForwardEntry2', row };
      const reply = await call(req, describeRoute(row));
      if (reply.status !== IPHLP_STATUS.NO_ERROR) fail(req, reply, describeRoute(row));
    },
    async getInterface(query) {
      const subject = `interface ${query.interfaceIndex} IPv${query.family}`;
      const req: IphlpCall = {
        fn: 'GetIpInterfaceEntry',
        family: addressFamilyOf(query.family),
        interfaceLuid: query.interfaceLuid ?? 0n,
        interfaceIndex: query.interfaceIndex,
      };
      const reply = await call(req, subject);
      if (reply.status !== IPHLP_STATUS.NO_ERROR || reply.interface === undefined) fail(req, reply, subject);
      return reply.interface;
    },
    async setInterface(row) {
      const subject = `interface ${row.interfaceIndex} IPv${row.family}`;
      const req: IphlpCall = {
        fn: 'SetIpInterfaceEntry',
        row: { ...row, sitePrefixLength: row.family === 4 ? 0 : row.sitePrefixLength },
      };
      const reply = await call(req, subject);
      if (reply.status !== IPHLP_STATUS.NO_ERROR) fail(req, reply, subject);
    },
    async listPortOwners() {
      const out: PortOwner[] = [];
      for (const family of [AF_INET, AF_INET6]) {
        out.push(...(await portOwners('GetExtendedTcpTable', family)));
        out.push(...(await portOwners('GetExtendedUdpTable', family)));
      }
      return out;
    },
  };
}
