// The in-process simulator behind the IP Helper door: the same text lines the C stub sends (ip-helper-text.ts),
// through the same invokeSim as every HCN call, on the same state file (HNS_CNI_SIM_STATE).
import type { IphlpAbi, IphlpCall, IphlpReply } from '../../iphlp/abi.js';
import { faultsFromEnv } from './instrumentation.js';
import { invokeSim } from './invoke.js';
import {
  decodeInterface,
  decodePortOwner,
  decodeRoute,
  encodeInterface,
  encodeRoute,
  lines,
} from './ip-helper-text.js';
import { defaultStateFile } from './state-file.js';

export interface SimIphlpAbiOptions {
  stateFile?: string;
}

function requestOf(call: IphlpCall): string {
  switch (call.fn) {
    case 'CreateIpForwardEntry2':
    case 'DeleteIpForwardEntry2':
      return encodeRoute(call.row);
    case 'GetIpForwardTable2':
      return String(call.family);
    case 'GetExtendedTcpTable':
    case 'GetExtendedUdpTable':
      return `${call.family} ${call.tableClass}`;
    case 'GetIpInterfaceEntry':
      return `${call.family} ${BigInt.asUintN(64, call.interfaceLuid)} ${call.interfaceIndex >>> 0}`;
    case 'SetIpInterfaceEntry':
      return encodeInterface(call.row);
  }
}

export function createSimIphlpAbi(opts: SimIphlpAbiOptions = {}): IphlpAbi {
  const file = opts.stateFile ?? defaultStateFile();
  const localFaults = faultsFromEnv();
  return {
    kind: 'sim',
    async invoke(call: IphlpCall): Promise<IphlpReply> {
      const { reply, kill } = await invokeSim(file, { fn: call.fn, settings: requestOf(call) }, { localFaults });
      if (kill) process.kill(process.pid, 'SIGKILL');
      const out: IphlpReply = { status: reply.hr };
      if (reply.hr !== 0) return out;
      if (call.fn === 'GetIpForwardTable2') out.routes = lines(reply.output).map(decodeRoute);
      if (call.fn === 'GetExtendedTcpTable') out.owners = lines(reply.output).map((l) => decodePortOwner('tcp', l));
      if (call.fn === 'GetExtendedUdpTable') out.owners = lines(reply.output).map((l) => decodePortOwner('udp', l));
      if (call.fn === 'GetIpInterfaceEntry') {
        const row = decodeInterface(reply.output ?? '');
        if (row === undefined) throw new Error(`malformed interface line: ${reply.output}`);
        out.interface = row;
      }
      return out;
    },
  };
}
