// The raw iphlpapi.dll calls hns-cni makes, one at a time, with the MIB structures already translated to and from
// the values of types.ts. Two implementations, as for HCN (src/hns/abi.ts): ffi/ (koffi → iphlpapi.dll on Windows,
// or the C stub in native/ elsewhere) and the simulator in process (src/hns/sim/iphlp-abi.ts). The client
// (iphlp-client.ts) runs the same logic over either, so one contract suite proves both.
import type { IpForwardRow, IpInterfaceRow, PortOwner } from './types.js';

export const IPHLP_FUNCTIONS = [
  'CreateIpForwardEntry2',
  'DeleteIpForwardEntry2',
  'GetIpForwardTable2',
  'GetExtendedTcpTable',
  'GetExtendedUdpTable',
  'GetIpInterfaceEntry',
  'SetIpInterfaceEntry',
] as const;

export type IphlpFunction = (typeof IPHLP_FUNCTIONS)[number];

/** TCP_TABLE_CLASS / UDP_TABLE_CLASS values hns-cni asks for. */
export const TCP_TABLE_OWNER_PID_LISTENER = 3;
export const TCP_TABLE_OWNER_PID_ALL = 5;
export const UDP_TABLE_OWNER_PID = 1;

export type IphlpCall =
  | { fn: 'CreateIpForwardEntry2' | 'DeleteIpForwardEntry2'; row: IpForwardRow }
  /** family: AF_UNSPEC, AF_INET or AF_INET6 (Win32 numbers). */
  | { fn: 'GetIpForwardTable2'; family: number }
  | { fn: 'GetExtendedTcpTable' | 'GetExtendedUdpTable'; family: number; tableClass: number }
  /** The interface by LUID (when non-zero) or index, for one family (AF_INET / AF_INET6). */
  | { fn: 'GetIpInterfaceEntry'; family: number; interfaceLuid: bigint; interfaceIndex: number }
  | { fn: 'SetIpInterfaceEntry'; row: IpInterfaceRow };

export interface IphlpReply {
  /** The Win32 status the function returned (NO_ERROR = 0). */
  status: number;
  routes?: IpForwardRow[];
  owners?: PortOwner[];
  /** GetIpInterfaceEntry's row. */
  interface?: IpInterfaceRow;
}

export interface IphlpAbi {
  readonly kind: 'ffi' | 'sim';
  invoke(call: IphlpCall): Promise<IphlpReply>;
}
