// `hns-cni sim listen | routes`: the simulated node's own IP stack (src/hns/sim/host-stack.ts), for tests and demos
// that need what a real node has besides HNS: processes holding ports (kubelet on 10250, a web server on 8080) and
// routes someone else made (a cloud route agent, an operator). Routes go through the same model as IP Helper's
// CreateIpForwardEntry2/DeleteIpForwardEntry2, so they are validated the same way.

import { parseIp, parsePrefix, prefixContains } from '../hns/sim/addresses.js';
import { reportedIdentity, type SimSocket, syncHostStack } from '../hns/sim/host-stack.js';
import { ipHelperCall, routeRows } from '../hns/sim/ip-helper.js';
import { decodeRoute, encodeRoute } from '../hns/sim/ip-helper-text.js';
import type { SimState } from '../hns/sim/state.js';
import { readState, transact } from '../hns/sim/state-file.js';
import { statusName } from '../iphlp/errors.js';
import { routeRowOf } from '../iphlp/types.js';
import { printJson, printTable, printText } from './output.js';
import { parse, UsageError } from './sim-args.js';

function portArg(text: string | undefined, flag: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${flag} needs a port 1-65535`);
  return port;
}

export async function listen(argv: string[], stateFile: string): Promise<number> {
  const v = parse(argv, {
    tcp: { type: 'string' },
    udp: { type: 'string' },
    address: { type: 'string' },
    pid: { type: 'string' },
    process: { type: 'string' },
    remove: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    clear: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  if (v.list) {
    const sockets = readState(stateFile).hostStack.sockets;
    if (v.json) printJson(sockets);
    else
      printTable(
        ['PROTO', 'ADDRESS', 'PORT', 'PID', 'PROCESS'],
        sockets.map((s) => [s.protocol, s.address, String(s.port), String(s.pid), s.process ?? '']),
      );
    return 0;
  }
  if (v.clear) {
    await transact(stateFile, (s) => {
      s.hostStack.sockets = [];
    });
    printText('sockets cleared');
    return 0;
  }
  if ((v.tcp === undefined) === (v.udp === undefined)) throw new UsageError('listen needs --tcp PORT or --udp PORT');
  const protocol = v.tcp !== undefined ? 'tcp' : 'udp';
  const port = portArg(v.tcp ?? v.udp, `--${protocol}`);
  const address = v.address ?? '0.0.0.0';
  if (parseIp(address) === undefined) throw new UsageError(`--address ${address} is not an IP address`);
  const same = (s: SimSocket) => s.protocol === protocol && s.port === port && s.address === address;
  if (v.remove) {
    const removed = await transact(stateFile, (s) => {
      const before = s.hostStack.sockets.length;
      s.hostStack.sockets = s.hostStack.sockets.filter((x) => !same(x));
      return before - s.hostStack.sockets.length;
    });
    printText(`${removed} socket(s) removed`);
    return 0;
  }
  const pid = v.pid === undefined ? 4242 : Number(v.pid);
  if (!Number.isInteger(pid) || pid < 0 || pid > 0xffffffff) throw new UsageError('--pid needs a process id');
  const socket: SimSocket = { protocol, address, port, pid, ...(v.process !== undefined && { process: v.process }) };
  await transact(stateFile, (s) => {
    if (s.hostStack.sockets.some(same)) throw new Error(`${protocol} ${address}:${port} is already bound`);
    s.hostStack.sockets.push(socket);
  });
  printText(`${protocol} ${address}:${port} bound by pid ${pid}`);
  return 0;
}

/** The interface a next hop is reached through: the one with the longest on-link route that contains it. */
function interfaceFor(state: SimState, nextHop: string): number | undefined {
  const ip = parseIp(nextHop);
  if (ip === undefined) return undefined;
  let best: { length: number; index: number } | undefined;
  for (const r of state.hostStack.routes) {
    if (r.nextHop !== '0.0.0.0' && r.nextHop !== '::') continue;
    const prefix = parsePrefix(r.destinationPrefix);
    const iface = state.hostStack.interfaces.find((i) => i.key === r.interfaceKey);
    if (prefix === undefined || iface === undefined || !prefixContains(prefix, ip)) continue;
    if (best === undefined || prefix.length > best.length) {
      best = { length: prefix.length, index: reportedIdentity(iface).index };
    }
  }
  return best?.index;
}

export async function routes(argv: string[], stateFile: string): Promise<number> {
  const v = parse(argv, {
    add: { type: 'string' },
    delete: { type: 'string' },
    via: { type: 'string' },
    if: { type: 'string' },
    metric: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const prefix = v.add ?? v.delete;
  if (prefix !== undefined) {
    if (v.add !== undefined && v.delete !== undefined) throw new UsageError('--add and --delete are exclusive');
    if (v.via === undefined) throw new UsageError('--via NEXTHOP is required');
    const via = v.via;
    const fn = v.add !== undefined ? 'CreateIpForwardEntry2' : 'DeleteIpForwardEntry2';
    const status = await transact(stateFile, (s) => {
      syncHostStack(s);
      const index = v.if !== undefined ? Number(v.if) : interfaceFor(s, via);
      if (index === undefined || !Number.isInteger(index)) throw new Error(`no interface reaches ${via}`);
      const row = routeRowOf({
        destinationPrefix: prefix,
        nextHop: via,
        interfaceIndex: index,
        ...(v.metric !== undefined && { metric: Number(v.metric) }),
      });
      return ipHelperCall(s, fn, encodeRoute(row)).hr;
    });
    if (status !== 0) throw new Error(`${fn}: ${statusName(status)} (${status})`);
    printText(`route ${prefix} via ${via} ${v.add !== undefined ? 'added' : 'deleted'}`);
    return 0;
  }
  const state = await transact(stateFile, (s) => {
    syncHostStack(s);
    return s;
  });
  const rows = routeRows(state).map(decodeRoute);
  const alias = (index: number) => {
    const iface = state.hostStack.interfaces.find((i) => reportedIdentity(i).index === index);
    if (iface === undefined) return '?';
    return iface.vnic !== undefined ? `vEthernet (${iface.alias})` : iface.alias;
  };
  if (v.json) printJson(rows.map((r) => ({ ...r, interfaceLuid: String(r.interfaceLuid) })));
  else
    printTable(
      ['DESTINATION', 'NEXT HOP', 'IF', 'INTERFACE', 'METRIC', 'PROTOCOL'],
      rows.map((r) => [
        r.destinationPrefix,
        r.nextHop,
        String(r.interfaceIndex),
        alias(r.interfaceIndex),
        String(r.metric),
        String(r.protocol),
      ]),
    );
  return 0;
}
