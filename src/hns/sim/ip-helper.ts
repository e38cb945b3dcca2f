// IP Helper calls against the simulated host stack (host-stack.ts), with the status codes MSDN documents:
// CreateIpForwardEntry2 → ERROR_OBJECT_ALREADY_EXISTS for a route with the same prefix, next hop and interface,
// ERROR_NOT_FOUND for an interface that does not exist, ERROR_INVALID_PARAMETER for a row without an interface or
// with a next hop of another family; DeleteIpForwardEntry2 → ERROR_NOT_FOUND; GetIpForwardTable2 → ERROR_NOT_FOUND
// when the family has no route; GetExtended{Tcp,Udp}Table → the owner-PID tables; GetIpInterfaceEntry and
// SetIpInterfaceEntry → one interface's settings per family (ERROR_NOT_FOUND for an unknown interface,
// ERROR_INVALID_PARAMETER for a family other than AF_INET/AF_INET6, neither LUID nor index, or — MSDN's
// SetIpInterfaceEntry remarks — an IPv4 row whose SitePrefixLength is not 0). Requests and replies are the
// text lines of ip-helper-text.ts. The reply's `hr` slot carries the Win32 status.
import { IPHLP_FUNCTIONS, type IphlpFunction } from '../../iphlp/abi.js';
import type { AbiReply } from '../abi.js';
import { formatIp, parseIp, parsePrefix } from './addresses.js';
import {
  interfaceSettingsOf,
  reportedIdentity,
  type SimInterface,
  type SimRoute,
  syncHostStack,
} from './host-stack.js';
import {
  decodeInterface,
  decodeWireRoute,
  encodeInterface,
  encodePortOwner,
  encodeRoute,
  type WireRoute,
} from './ip-helper-text.js';
import type { SimState } from './state.js';

export function isIphlpFunction(fn: string): fn is IphlpFunction {
  return (IPHLP_FUNCTIONS as readonly string[]).includes(fn);
}

const NO_ERROR = 0;
const ERROR_NOT_SUPPORTED = 50;
const ERROR_INVALID_PARAMETER = 87;
const ERROR_NOT_FOUND = 1168;
const ERROR_OBJECT_ALREADY_EXISTS = 5010;

const AF_UNSPEC = 0;
const AF_INET = 2;
const AF_INET6 = 23;

const status = (hr: number, output?: string): AbiReply => (output === undefined ? { hr } : { hr, output });

export function ipHelperCall(state: SimState, fn: IphlpFunction, request: string | undefined): AbiReply {
  syncHostStack(state);
  switch (fn) {
    case 'CreateIpForwardEntry2':
      return createRoute(state, request ?? '');
    case 'DeleteIpForwardEntry2':
      return deleteRoute(state, request ?? '');
    case 'GetIpForwardTable2':
      return routeTable(state, Number(request));
    case 'GetExtendedTcpTable':
    case 'GetExtendedUdpTable':
      return socketTable(state, fn === 'GetExtendedTcpTable' ? 'tcp' : 'udp', request ?? '');
    case 'GetIpInterfaceEntry':
      return getInterface(state, request ?? '');
    case 'SetIpInterfaceEntry':
      return setInterface(state, request ?? '');
  }
}

function findInterface(state: SimState, luid: bigint, index: number): SimInterface | undefined {
  return state.hostStack.interfaces.find((i) => {
    const id = reportedIdentity(i);
    return luid !== 0n ? BigInt(id.luid) === luid : id.index === index;
  });
}

function interfaceLine(iface: SimInterface, family: 4 | 6): string {
  const id = reportedIdentity(iface);
  const s = interfaceSettingsOf(iface, family);
  return encodeInterface({
    family,
    interfaceLuid: BigInt(id.luid),
    interfaceIndex: id.index,
    ...s,
    sitePrefixLength: family === 6 ? 64 : 0,
    connected: true,
  });
}

function getInterface(state: SimState, request: string): AbiReply {
  const [afText, luidText, indexText] = request.trim().split(/\s+/);
  const af = Number(afText);
  if ((af !== AF_INET && af !== AF_INET6) || !/^\d+$/.test(luidText ?? '') || !/^\d+$/.test(indexText ?? '')) {
    return status(ERROR_INVALID_PARAMETER);
  }
  const luid = BigInt(luidText!);
  const index = Number(indexText);
  if (luid === 0n && index === 0) return status(ERROR_INVALID_PARAMETER);
  const iface = findInterface(state, luid, index);
  if (iface === undefined) return status(ERROR_NOT_FOUND);
  return status(NO_ERROR, interfaceLine(iface, af === AF_INET ? 4 : 6));
}

function setInterface(state: SimState, request: string): AbiReply {
  const row = decodeInterface(request);
  if (row === undefined) return status(ERROR_INVALID_PARAMETER);
  if (row.interfaceLuid === 0n && row.interfaceIndex === 0) return status(ERROR_INVALID_PARAMETER);
  if (row.family === 4 && row.sitePrefixLength !== 0) return status(ERROR_INVALID_PARAMETER);
  const iface = findInterface(state, row.interfaceLuid, row.interfaceIndex);
  if (iface === undefined) return status(ERROR_NOT_FOUND);
  iface.settings = {
    ...iface.settings,
    [row.family]: {
      forwardingEnabled: row.forwardingEnabled,
      weakHostSend: row.weakHostSend,
      weakHostReceive: row.weakHostReceive,
      advertisingEnabled: row.advertisingEnabled,
      metric: row.metric,
      useAutomaticMetric: row.useAutomaticMetric,
      nlMtu: row.nlMtu,
    },
  };
  return status(NO_ERROR);
}

/** The interface a row names: its LUID when non-zero, else its index (MSDN: one of the two must be set). */
function interfaceOf(state: SimState, row: WireRoute): SimInterface | undefined | 'unspecified' {
  if (row.interfaceLuid === 0n && row.interfaceIndex === 0) return 'unspecified';
  return state.hostStack.interfaces.find((i) => {
    const id = reportedIdentity(i);
    return row.interfaceLuid !== 0n ? BigInt(id.luid) === row.interfaceLuid : id.index === row.interfaceIndex;
  });
}

type Checked = { ok: true; iface: SimInterface; prefix: string; nextHop: string } | { ok: false; hr: number };

function checkRow(state: SimState, text: string, forCreate: boolean): Checked {
  const row = decodeWireRoute(text);
  if (row === undefined) return { ok: false, hr: ERROR_INVALID_PARAMETER };
  const family = row.prefix.family;
  if (family !== 4 && family !== 6) return { ok: false, hr: ERROR_INVALID_PARAMETER };
  if (row.nextHop.family !== family) return { ok: false, hr: ERROR_INVALID_PARAMETER };
  const prefix = parsePrefix(`${row.prefix.text}/${row.prefixLength}`);
  if (prefix === undefined) return { ok: false, hr: ERROR_INVALID_PARAMETER };
  const given = parseIp(row.prefix.text)!.value;
  if (forCreate && given !== prefix.base && state.options.routePrefixHostBits === 'reject') {
    return { ok: false, hr: ERROR_INVALID_PARAMETER };
  }
  const iface = interfaceOf(state, row);
  if (iface === 'unspecified') return { ok: false, hr: ERROR_INVALID_PARAMETER };
  if (iface === undefined) return { ok: false, hr: ERROR_NOT_FOUND };
  return { ok: true, iface, prefix: `${formatIp(family, prefix.base)}/${prefix.length}`, nextHop: row.nextHop.text };
}

const sameRoute = (r: SimRoute, iface: SimInterface, prefix: string, nextHop: string) =>
  r.interfaceKey === iface.key && r.destinationPrefix === prefix && r.nextHop === nextHop;

function createRoute(state: SimState, text: string): AbiReply {
  const c = checkRow(state, text, true);
  if (!c.ok) return status(c.hr);
  if (state.hostStack.routes.some((r) => sameRoute(r, c.iface, c.prefix, c.nextHop))) {
    return status(ERROR_OBJECT_ALREADY_EXISTS);
  }
  const w = decodeWireRoute(text)!;
  state.hostStack.routes.push({
    interfaceKey: c.iface.key,
    destinationPrefix: c.prefix,
    nextHop: c.nextHop,
    sitePrefixLength: w.sitePrefixLength,
    validLifetime: w.validLifetime,
    preferredLifetime: w.preferredLifetime,
    metric: w.metric,
    protocol: w.protocol,
    loopback: w.loopback,
    autoconfigureAddress: w.autoconfigureAddress,
    publish: w.publish,
    immortal: w.immortal,
    origin: w.origin,
    createdAt: Date.now(),
    system: false,
  });
  return status(NO_ERROR);
}

function deleteRoute(state: SimState, text: string): AbiReply {
  const c = checkRow(state, text, false);
  if (!c.ok) return status(c.hr);
  const routes = state.hostStack.routes;
  const at = routes.findIndex((r) => sameRoute(r, c.iface, c.prefix, c.nextHop));
  if (at < 0) return status(ERROR_NOT_FOUND);
  routes.splice(at, 1);
  return status(NO_ERROR);
}

function familyOfPrefix(prefix: string): 4 | 6 {
  return prefix.includes(':') ? 6 : 4;
}

function familyWanted(af: number): 4 | 6 | 'all' | undefined {
  return af === AF_UNSPEC ? 'all' : af === AF_INET ? 4 : af === AF_INET6 ? 6 : undefined;
}

/** The routing table as IP Helper reports it (each route with its interface's current index and LUID). */
export function routeRows(state: SimState): string[] {
  const out: string[] = [];
  for (const r of state.hostStack.routes) {
    const iface = state.hostStack.interfaces.find((i) => i.key === r.interfaceKey);
    if (iface === undefined) continue;
    const id = reportedIdentity(iface);
    out.push(
      encodeRoute({
        interfaceLuid: BigInt(id.luid),
        interfaceIndex: id.index,
        destinationPrefix: r.destinationPrefix,
        nextHop: r.nextHop,
        sitePrefixLength: r.sitePrefixLength,
        validLifetime: r.validLifetime,
        preferredLifetime: r.preferredLifetime,
        metric: r.metric,
        protocol: r.protocol,
        loopback: r.loopback,
        autoconfigureAddress: r.autoconfigureAddress,
        publish: r.publish,
        immortal: r.immortal,
        age: r.system ? 0 : Math.max(0, Math.floor((Date.now() - r.createdAt) / 1000)),
        origin: r.origin,
      }),
    );
  }
  return out;
}

function routeTable(state: SimState, af: number): AbiReply {
  const family = familyWanted(af);
  if (family === undefined) return status(ERROR_INVALID_PARAMETER);
  const rows = routeRows(state).filter((line) => {
    const prefix = line.split(' ')[2]!;
    return family === 'all' || familyOfPrefix(prefix) === family;
  });
  return rows.length === 0 ? status(ERROR_NOT_FOUND, '') : status(NO_ERROR, rows.join('\n'));
}

// TCP_TABLE_CLASS: 0-2 basic, 3 OWNER_PID_LISTENER, 4 OWNER_PID_CONNECTIONS, 5 OWNER_PID_ALL, 6-8 OWNER_MODULE_*.
// UDP_TABLE_CLASS: 0 basic, 1 OWNER_PID, 2 OWNER_MODULE. Classes that exist but are not modelled: ERROR_NOT_SUPPORTED.
function socketTable(state: SimState, protocol: 'tcp' | 'udp', request: string): AbiReply {
  const [afText, classText] = request.trim().split(/\s+/);
  const af = Number(afText);
  const tableClass = Number(classText);
  if (af !== AF_INET && af !== AF_INET6) return status(ERROR_INVALID_PARAMETER);
  const family = af === AF_INET ? 4 : 6;
  const maxClass = protocol === 'tcp' ? 8 : 2;
  if (!Number.isInteger(tableClass) || tableClass < 0 || tableClass > maxClass) return status(ERROR_INVALID_PARAMETER);
  const modelled = protocol === 'tcp' ? [3, 4, 5] : [1];
  if (!modelled.includes(tableClass)) return status(ERROR_NOT_SUPPORTED);
  if (protocol === 'tcp' && tableClass === 4) return status(NO_ERROR, ''); // no connections are modelled
  const rows = state.hostStack.sockets
    .filter((s) => s.protocol === protocol && parseIp(s.address)?.family === family)
    .sort((a, b) => compareAddress(a.address, b.address) || a.port - b.port)
    .map((s) => encodePortOwner({ protocol, family, address: s.address, port: s.port, pid: s.pid }));
  return status(NO_ERROR, rows.join('\n'));
}

function compareAddress(a: string, b: string): number {
  const x = parseIp(a)!.value;
  const y = parseIp(b)!.value;
  return x < y ? -1 : x > y ? 1 : 0;
}
