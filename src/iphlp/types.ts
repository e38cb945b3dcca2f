// The IP Helper values hns-cni reads and writes, with addresses as text ("10.244.2.0/24", "fd00::1") and the Win32
// numbers kept as numbers. These mirror MIB_IPFORWARD_ROW2 and the owner-PID TCP/UDP rows field for field, so the
// FFI marshalling in ffi/ is a mechanical translation and nothing is lost between the table and the planner.

export type IpFamily = 4 | 6;

/** Win32 ADDRESS_FAMILY values (AF_INET6 is 23 on Windows). */
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 23;

export function addressFamilyOf(family: IpFamily | 'all'): number {
  return family === 'all' ? AF_UNSPEC : family === 4 ? AF_INET : AF_INET6;
}

/** NL_ROUTE_PROTOCOL values hns-cni uses or shows (MIB_IPPROTO_*). */
export const ROUTE_PROTOCOL = { OTHER: 1, LOCAL: 2, NETMGMT: 3 } as const;
/** NL_ROUTE_ORIGIN: NlroManual 0, NlroWellKnown 1, NlroDHCP 2, NlroRouterAdvertisement 3, Nlro6to4 4. */
export const ROUTE_ORIGIN = { MANUAL: 0, WELL_KNOWN: 1, DHCP: 2 } as const;
/** ValidLifetime/PreferredLifetime "infinite" (what InitializeIpForwardEntry sets). */
export const INFINITE_LIFETIME = 0xffffffff;

/** The MIB_IPFORWARD_ROW2 fields that every view of a route (API, wire, simulated table) carries as they are. */
export interface RouteAttributes {
  sitePrefixLength: number;
  validLifetime: number;
  preferredLifetime: number;
  metric: number;
  protocol: number;
  loopback: boolean;
  autoconfigureAddress: boolean;
  publish: boolean;
  immortal: boolean;
  origin: number;
}

/** One row of the routing table: MIB_IPFORWARD_ROW2. */
export interface IpForwardRow extends RouteAttributes {
  /** NET_LUID as an unsigned 64-bit value. */
  interfaceLuid: bigint;
  interfaceIndex: number;
  /** Canonical CIDR (host bits clear): "10.244.2.0/24", "fd00:10:244:2::/64". */
  destinationPrefix: string;
  /** "0.0.0.0" / "::" for an on-link route. */
  nextHop: string;
  /** Seconds since the route was added (read only). */
  age: number;
}

/** What a caller chooses for a new route; everything else takes InitializeIpForwardEntry's values. */
export interface RouteSpec {
  destinationPrefix: string;
  nextHop: string;
  interfaceIndex: number;
  interfaceLuid?: bigint;
  metric?: number;
}

/**
 * The MIB_IPINTERFACE_ROW fields hns-cni reads or sets (per interface and family): what `netsh interface ipv4 set
 * interface ... forwarding=enabled` and Set-NetIPInterface -Forwarding change. The rest of the row is kept as
 * GetIpInterfaceEntry returned it when the row goes back to SetIpInterfaceEntry.
 */
export interface IpInterfaceRow {
  family: IpFamily;
  interfaceLuid: bigint;
  interfaceIndex: number;
  forwardingEnabled: boolean;
  weakHostSend: boolean;
  weakHostReceive: boolean;
  advertisingEnabled: boolean;
  metric: number;
  useAutomaticMetric: boolean;
  nlMtu: number;
  sitePrefixLength: number;
  connected: boolean;
}

/** MIB_TCP_STATE_LISTEN */
export const TCP_STATE_LISTEN = 2;

/** A socket bound on the node: a TCP listener or a UDP endpoint, with its owning process. */
export interface PortOwner {
  protocol: 'tcp' | 'udp';
  family: IpFamily;
  /** Local address ("0.0.0.0" / "::" = every address). */
  address: string;
  port: number;
  pid: number;
}

/** The full route a spec stands for (InitializeIpForwardEntry's defaults, a static route set by management). */
export function routeRowOf(spec: RouteSpec): IpForwardRow {
  return {
    interfaceLuid: spec.interfaceLuid ?? 0n,
    interfaceIndex: spec.interfaceIndex,
    destinationPrefix: spec.destinationPrefix,
    nextHop: spec.nextHop,
    sitePrefixLength: 0,
    validLifetime: INFINITE_LIFETIME,
    preferredLifetime: INFINITE_LIFETIME,
    metric: spec.metric ?? 256,
    protocol: ROUTE_PROTOCOL.NETMGMT,
    loopback: true,
    autoconfigureAddress: true,
    publish: false,
    immortal: false,
    age: 0,
    origin: ROUTE_ORIGIN.MANUAL,
  };
}
