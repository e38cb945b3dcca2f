// The simulated host's own IP stack, what IP Helper shows of the node (one state with HNS): its interfaces, its
// routing table and the sockets bound on it. Interfaces come from three places: the loopback, one per physical
// adapter (whose IP configuration moves to a `vEthernet (<adapter>)` vNIC, with a new index, once an external
// vSwitch binds the adapter: option vswitchHostInterface), and one per HNS endpoint attached to the host (the v1
// attach with SystemType Host: a host endpoint such as flannel's cbr0_ep), which brings an on-link route for its
// subnet. syncHostStack reconciles them with the HNS objects before every IP Helper call, so what IP Helper shows
// always follows what HNS holds.

import type { IpInterfaceRow, RouteAttributes } from '../../iphlp/types.js';
import { formatIp, parsePrefix } from './addresses.js';
import { attachmentsOf } from './attachments.js';
import type { SimOptions } from './options.js';
import type { SimState } from './state.js';

export interface SimInterface {
  /** Stable key: "loopback", "adapter:<name>", "endpoint:<id>". Routes refer to interfaces by it. */
  key: string;
  alias: string;
  index: number;
  /** NET_LUID, decimal (IfType << 48 | NetLuidIndex << 24). */
  luid: string;
  /** An adapter bound to a vSwitch: the vNIC's index and LUID, which IP Helper then reports. */
  vnic?: { index: number; luid: string };
  addresses: { address: string; prefixLength: number }[];
  /** Per family, what SetIpInterfaceEntry changed (absent: Windows' defaults, interfaceSettingsOf). */
  settings?: { 4?: InterfaceSettings; 6?: InterfaceSettings };
}

/** The MIB_IPINTERFACE_ROW settings the simulator keeps per interface and family (the rest is derived). */
export type InterfaceSettings = Pick<
  IpInterfaceRow,
  | 'forwardingEnabled'
  | 'weakHostSend'
  | 'weakHostReceive'
  | 'advertisingEnabled'
  | 'metric'
  | 'useAutomaticMetric'
  | 'nlMtu'
>;

/**
 * A fresh interface as Windows sets it up: forwarding, weak host and advertising off (what `netsh interface ipv4 show
 * interface` and Get-NetIPInterface report before anyone enables them), an automatic metric, MTU 1500 (the
 * loopback's is 4294967295).
 */
export function interfaceSettingsOf(iface: SimInterface, family: 4 | 6): InterfaceSettings {
  return (
    iface.settings?.[family] ?? {
      forwardingEnabled: false,
      weakHostSend: false,
      weakHostReceive: false,
      advertisingEnabled: false,
      metric: iface.key === 'loopback' ? 75 : 25,
      useAutomaticMetric: true,
      nlMtu: iface.key === 'loopback' ? 0xffffffff : 1500,
    }
  );
}

export interface SimRoute extends RouteAttributes {
  interfaceKey: string;
  /** Canonical CIDR. */
  destinationPrefix: string;
  /** "0.0.0.0" / "::" on link. */
  nextHop: string;
  /** ms since the epoch; Age is reported from it. */
  createdAt: number;
  /** Put there by the host itself (loopback, on-link), as opposed to CreateIpForwardEntry2. */
  system: boolean;
}

/** A socket bound on the node: a TCP listener or a UDP socket (seeded by `hns-cni sim listen`). */
export interface SimSocket {
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
  pid: number;
  /** The owning process's image name, for people reading `sim listen --list` (IP Helper reports only the pid). */
  process?: string;
}

export interface HostStack {
  interfaces: SimInterface[];
  routes: SimRoute[];
  sockets: SimSocket[];
  nextIndex: number;
}

const IF_TYPE_SOFTWARE_LOOPBACK = 24n;
const IF_TYPE_ETHERNET_CSMACD = 6n;
const luidOf = (type: bigint, netLuidIndex: number) => String((type << 48n) | (BigInt(netLuidIndex) << 24n));

function onLink(family: 4 | 6): string {
  return family === 4 ? '0.0.0.0' : '::';
}

function systemRoute(interfaceKey: string, destinationPrefix: string, nextHop: string, metric: number): SimRoute {
  const local = nextHop === '0.0.0.0' || nextHop === '::';
  return {
    interfaceKey,
    destinationPrefix,
    nextHop,
    sitePrefixLength: 0,
    validLifetime: 0xffffffff,
    preferredLifetime: 0xffffffff,
    metric,
    protocol: local ? 2 : 3, // MIB_IPPROTO_LOCAL / MIB_IPPROTO_NETMGMT
    loopback: true,
    autoconfigureAddress: true,
    publish: false,
    immortal: false,
    origin: local ? 1 : 0, // NlroWellKnown / NlroManual
    createdAt: 0,
    system: true,
  };
}

/** The host as it boots: loopback, the adapters (the first one holds hostAddress), a default route, two sockets. */
export function freshHostStack(options: SimOptions): HostStack {
  const stack: HostStack = { interfaces: [], routes: [], sockets: [], nextIndex: 4 };
  stack.interfaces.push({
    key: 'loopback',
    alias: 'Loopback Pseudo-Interface 1',
    index: 1,
    luid: luidOf(IF_TYPE_SOFTWARE_LOOPBACK, 0),
    addresses: [
      { address: '127.0.0.1', prefixLength: 8 },
      { address: '::1', prefixLength: 128 },
    ],
  });
  stack.routes.push(
    systemRoute('loopback', '127.0.0.0/8', '0.0.0.0', 256),
    systemRoute('loopback', '127.0.0.1/32', '0.0.0.0', 256),
    systemRoute('loopback', '::1/128', '::', 256),
  );
  options.adapters.forEach((name, i) => {
    const key = `adapter:${name}`;
    const iface: SimInterface = {
      key,
      alias: name,
      index: stack.nextIndex++,
      luid: luidOf(IF_TYPE_ETHERNET_CSMACD, i + 1),
      addresses: [],
    };
    stack.interfaces.push(iface);
    if (i !== 0) return;
    const prefix = parsePrefix(`${options.hostAddress}/${options.hostPrefixLength}`);
    if (prefix === undefined) return;
    iface.addresses.push({ address: options.hostAddress, prefixLength: options.hostPrefixLength });
    const subnet = `${formatIp(prefix.family, prefix.base)}/${prefix.length}`;
    stack.routes.push(
      systemRoute(key, subnet, onLink(prefix.family), 256),
      systemRoute(key, `${options.hostAddress}/${prefix.bits}`, onLink(prefix.family), 256),
      systemRoute(key, prefix.family === 4 ? '0.0.0.0/0' : '::/0', options.hostGateway, 0),
    );
  });
  // What every Windows host listens on: the RPC endpoint mapper (svchost) and SMB (the System process).
  stack.sockets.push(
    { protocol: 'tcp', address: '0.0.0.0', port: 135, pid: 1004, process: 'svchost.exe' },
    { protocol: 'tcp', address: '0.0.0.0', port: 445, pid: 4, process: 'System' },
  );
  return stack;
}

/** The index and LUID IP Helper reports for an interface now. */
export function reportedIdentity(iface: SimInterface): { index: number; luid: string } {
  return iface.vnic ?? { index: iface.index, luid: iface.luid };
}

function hostAttachedEndpoints(state: SimState) {
  return Object.values(state.endpoints).filter((e) => attachmentsOf(e).some((a) => a.SystemType === 'Host'));
}

/** Brings the host stack in line with HNS: vNICs of bound adapters, interfaces of host-attached endpoints. */
export function syncHostStack(state: SimState): void {
  const stack = state.hostStack;
  for (const iface of stack.interfaces) {
    if (!iface.key.startsWith('adapter:')) continue;
    const bound = (state.vswitches[iface.alias] ?? []).length > 0 && state.options.vswitchHostInterface === 'renumber';
    if (bound && iface.vnic === undefined) {
      const index = stack.nextIndex++;
      iface.vnic = { index, luid: luidOf(IF_TYPE_ETHERNET_CSMACD, 0x100 + index) };
    } else if (!bound && iface.vnic !== undefined) {
      delete iface.vnic;
    }
  }
  const attached = hostAttachedEndpoints(state);
  const wanted = new Set(attached.map((e) => `endpoint:${e.ID!.toLowerCase()}`));
  const gone = new Set(
    stack.interfaces.filter((i) => i.key.startsWith('endpoint:') && !wanted.has(i.key)).map((i) => i.key),
  );
  if (gone.size > 0) {
    stack.interfaces = stack.interfaces.filter((i) => !gone.has(i.key));
    stack.routes = stack.routes.filter((r) => !gone.has(r.interfaceKey));
  }
  for (const e of attached) {
    const key = `endpoint:${e.ID!.toLowerCase()}`;
    if (stack.interfaces.some((i) => i.key === key)) continue;
    const index = stack.nextIndex++;
    const iface: SimInterface = {
      key,
      alias: `vEthernet (${e.Name ?? e.ID})`,
      index,
      luid: luidOf(IF_TYPE_ETHERNET_CSMACD, 0x100 + index),
      addresses: [],
    };
    for (const c of e.IpConfigurations ?? []) {
      const prefix = parsePrefix(`${c.IpAddress}/${c.PrefixLength ?? (c.IpAddress.includes(':') ? 128 : 32)}`);
      if (prefix === undefined) continue;
      iface.addresses.push({ address: c.IpAddress, prefixLength: prefix.length });
      stack.routes.push(
        systemRoute(key, `${formatIp(prefix.family, prefix.base)}/${prefix.length}`, onLink(prefix.family), 256),
      );
    }
    stack.interfaces.push(iface);
  }
}
