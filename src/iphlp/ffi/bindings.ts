// koffi declarations of the iphlpapi.dll calls hns-cni makes, bound lazily (a missing export fails only the call
// that needs it, as for HCN). The structures are declared member by member as the SDK declares them, so koffi
// computes their layout itself: MIB_IPFORWARD_ROW2 is 104 bytes with NextHop at 44 (the C stub asserts the same
// numbers against the SDK headers). Ports and IPv4 addresses in the TCP/UDP rows are in network byte order inside
// their DWORD, so they are declared as four bytes each and read byte by byte.
import { loadKoffi } from '../../hns/ffi/koffi-loader.js';
import { IPHLP_STATUS, IphlpError } from '../errors.js';

type Koffi = ReturnType<typeof loadKoffi>;
type LibraryHandle = ReturnType<Koffi['load']>;
export type KoffiFunction = ReturnType<LibraryHandle['func']>;

export type IphlpExport =
  | 'CreateIpForwardEntry2'
  | 'DeleteIpForwardEntry2'
  | 'GetIpForwardTable2'
  | 'FreeMibTable'
  | 'GetExtendedTcpTable'
  | 'GetExtendedUdpTable'
  | 'GetIpInterfaceEntry'
  | 'SetIpInterfaceEntry';

const PROTOTYPES: Record<IphlpExport, string> = {
  CreateIpForwardEntry2: 'uint32_t __stdcall CreateIpForwardEntry2(const MIB_IPFORWARD_ROW2 *row)',
  DeleteIpForwardEntry2: 'uint32_t __stdcall DeleteIpForwardEntry2(const MIB_IPFORWARD_ROW2 *row)',
  GetIpForwardTable2: 'uint32_t __stdcall GetIpForwardTable2(uint16_t family, _Out_ void **table)',
  FreeMibTable: 'void __stdcall FreeMibTable(void *memory)',
  GetExtendedTcpTable:
    'uint32_t __stdcall GetExtendedTcpTable(void *table, _Inout_ uint32_t *size, int order, uint32_t af, int cls, uint32_t reserved)',
  GetExtendedUdpTable:
    'uint32_t __stdcall GetExtendedUdpTable(void *table, _Inout_ uint32_t *size, int order, uint32_t af, int cls, uint32_t reserved)',
  GetIpInterfaceEntry: 'uint32_t __stdcall GetIpInterfaceEntry(_Inout_ MIB_IPINTERFACE_ROW *row)',
  SetIpInterfaceEntry: 'uint32_t __stdcall SetIpInterfaceEntry(MIB_IPINTERFACE_ROW *row)',
};

/** Windows: the system DLL. Elsewhere: the C stub (HNS_CNI_IPHLP_LIBRARY), or a sentence saying it is missing. */
export function defaultIphlpLibrary(standIn: string | undefined, platform = process.platform): string | undefined {
  if (standIn) return standIn;
  return platform === 'win32' ? 'iphlpapi.dll' : undefined;
}

const declared = new WeakSet<object>();

/** Declares the MIB types once per koffi instance (koffi registers named types globally). */
export function declareIphlpTypes(koffi: Koffi): void {
  if (declared.has(koffi)) return;
  const bytes = (n: number) => koffi.array('uint8_t', n);
  koffi.struct('SOCKADDR_IN', { sin_family: 'uint16_t', sin_port: 'uint16_t', sin_addr: bytes(4), sin_zero: bytes(8) });
  koffi.struct('SOCKADDR_IN6', {
    sin6_family: 'uint16_t',
    sin6_port: 'uint16_t',
    sin6_flowinfo: 'uint32_t',
    sin6_addr: bytes(16),
    sin6_scope_id: 'uint32_t',
  });
  koffi.union('SOCKADDR_INET', { Ipv4: 'SOCKADDR_IN', Ipv6: 'SOCKADDR_IN6', si_family: 'uint16_t' });
  koffi.struct('IP_ADDRESS_PREFIX', { Prefix: 'SOCKADDR_INET', PrefixLength: 'uint8_t' });
  koffi.struct('MIB_IPFORWARD_ROW2', {
    InterfaceLuid: 'uint64_t',
    InterfaceIndex: 'uint32_t',
    DestinationPrefix: 'IP_ADDRESS_PREFIX',
    NextHop: 'SOCKADDR_INET',
    SitePrefixLength: 'uint8_t',
    ValidLifetime: 'uint32_t',
    PreferredLifetime: 'uint32_t',
    Metric: 'uint32_t',
    Protocol: 'int32_t',
    Loopback: 'uint8_t',
    AutoconfigureAddress: 'uint8_t',
    Publish: 'uint8_t',
    Immortal: 'uint8_t',
    Age: 'uint32_t',
    Origin: 'int32_t',
  });
  // MIB_IPINTERFACE_ROW: 168 bytes, ForwardingEnabled at 41 (the C stub asserts both against the SDK).
  koffi.struct('MIB_IPINTERFACE_ROW', {
    Family: 'uint16_t',
    InterfaceLuid: 'uint64_t',
    InterfaceIndex: 'uint32_t',
    MaxReassemblySize: 'uint32_t',
    InterfaceIdentifier: 'uint64_t',
    MinRouterAdvertisementInterval: 'uint32_t',
    MaxRouterAdvertisementInterval: 'uint32_t',
    AdvertisingEnabled: 'uint8_t',
    ForwardingEnabled: 'uint8_t',
    WeakHostSend: 'uint8_t',
    WeakHostReceive: 'uint8_t',
    UseAutomaticMetric: 'uint8_t',
    UseNeighborUnreachabilityDetection: 'uint8_t',
    ManagedAddressConfigurationSupported: 'uint8_t',
    OtherStatefulConfigurationSupported: 'uint8_t',
    AdvertiseDefaultRoute: 'uint8_t',
    RouterDiscoveryBehavior: 'int32_t',
    DadTransmits: 'uint32_t',
    BaseReachableTime: 'uint32_t',
    RetransmitTime: 'uint32_t',
    PathMtuDiscoveryTimeout: 'uint32_t',
    LinkLocalAddressBehavior: 'int32_t',
    LinkLocalAddressTimeout: 'uint32_t',
    ZoneIndices: koffi.array('uint32_t', 16),
    SitePrefixLength: 'uint32_t',
    Metric: 'uint32_t',
    NlMtu: 'uint32_t',
    Connected: 'uint8_t',
    SupportsWakeUpPatterns: 'uint8_t',
    SupportsNeighborDiscovery: 'uint8_t',
    SupportsRouterDiscovery: 'uint8_t',
    ReachableTime: 'uint32_t',
    TransmitOffload: 'uint8_t',
    ReceiveOffload: 'uint8_t',
    DisableDefaultRoutes: 'uint8_t',
  });
  koffi.struct('MIB_IPFORWARD_TABLE2', { NumEntries: 'uint32_t', Table: koffi.array('MIB_IPFORWARD_ROW2', 1) });
  koffi.struct('MIB_TCPROW_OWNER_PID', {
    dwState: 'uint32_t',
    dwLocalAddr: bytes(4),
    dwLocalPort: bytes(4),
    dwRemoteAddr: bytes(4),
    dwRemotePort: bytes(4),
    dwOwningPid: 'uint32_t',
  });
  koffi.struct('MIB_TCP6ROW_OWNER_PID', {
    ucLocalAddr: bytes(16),
    dwLocalScopeId: 'uint32_t',
    dwLocalPort: bytes(4),
    ucRemoteAddr: bytes(16),
    dwRemoteScopeId: 'uint32_t',
    dwRemotePort: bytes(4),
    dwState: 'uint32_t',
    dwOwningPid: 'uint32_t',
  });
  koffi.struct('MIB_UDPROW_OWNER_PID', { dwLocalAddr: bytes(4), dwLocalPort: bytes(4), dwOwningPid: 'uint32_t' });
  koffi.struct('MIB_UDP6ROW_OWNER_PID', {
    ucLocalAddr: bytes(16),
    dwLocalScopeId: 'uint32_t',
    dwLocalPort: bytes(4),
    dwOwningPid: 'uint32_t',
  });
  declared.add(koffi);
}

export interface IphlpBindings {
  koffi: Koffi;
  fn(name: IphlpExport): KoffiFunction;
}

/** The library loads on the first call; a missing library or export is an IphlpError naming it. */
export function createIphlpBindings(library: string | undefined): IphlpBindings {
  const koffi = loadKoffi();
  declareIphlpTypes(koffi);
  let lib: LibraryHandle | undefined;
  const functions = new Map<IphlpExport, KoffiFunction>();
  return {
    koffi,
    fn(name) {
      let f = functions.get(name);
      if (f !== undefined) return f;
      if (library === undefined) {
        throw new IphlpError(
          IPHLP_STATUS.ERROR_MOD_NOT_FOUND,
          { fn: name },
          'no IP Helper library off Windows: set HNS_CNI_IPHLP_LIBRARY to the stub (dist/native/libiphlpapi.so)',
        );
      }
      try {
        lib ??= koffi.load(library);
      } catch (cause) {
        throw new IphlpError(
          IPHLP_STATUS.ERROR_MOD_NOT_FOUND,
          { fn: name },
          `cannot load ${library}: ${String(cause)}`,
          {
            cause,
          },
        );
      }
      try {
        f = lib.func(PROTOTYPES[name]);
      } catch (cause) {
        throw new IphlpError(IPHLP_STATUS.ERROR_PROC_NOT_FOUND, { fn: name }, `${library} does not export ${name}`, {
          cause,
        });
      }
      functions.set(name, f);
      return f;
    },
  };
}

/** The IP Helper stub's in-process counters (HnsCniIphlpStubCounters); tests only. */
export function readIphlpStubCounters(library: string): {
  stringsAllocated: bigint;
  stringsFreed: bigint;
  tablesAllocated: bigint;
  tablesFreed: bigint;
} {
  const koffi = loadKoffi();
  const f = koffi
    .load(library)
    .func(
      'void HnsCniIphlpStubCounters(_Out_ uint64_t *sa, _Out_ uint64_t *sf, _Out_ uint64_t *ta, _Out_ uint64_t *tf)',
    );
  const out: (number | bigint)[][] = [[0], [0], [0], [0]];
  f(...out);
  const [sa, sf, ta, tf] = out.map((o) => BigInt(o[0]!));
  return { stringsAllocated: sa!, stringsFreed: sf!, tablesAllocated: ta!, tablesFreed: tf! };
}
