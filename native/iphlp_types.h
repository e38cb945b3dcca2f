/* The IP Helper structures the stub fills, in their Windows layout. Windows (mingw-w64): the real SDK headers, so the
 * compiler lays the structures out exactly as iphlpapi.dll's callers expect. Linux: the same structures spelt out
 * with fixed-width types (a Windows ULONG/DWORD is 32 bits; `unsigned long` on Linux is not), checked against the
 * documented sizes below, so the koffi declarations in src/iphlp/ffi/ are exercised against an independent layout. */
#ifndef HNS_CNI_IPHLP_TYPES_H
#define HNS_CNI_IPHLP_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <netioapi.h>
#else
typedef uint32_t ULONG;
typedef uint32_t DWORD;
typedef uint8_t UCHAR;
typedef uint8_t UINT8;
typedef uint8_t BOOLEAN;
typedef uint16_t USHORT;
typedef uint16_t ADDRESS_FAMILY;
typedef int32_t WINBOOL;
typedef ULONG NETIO_STATUS;
typedef ULONG NET_IFINDEX;
typedef union {
  uint64_t Value;
} NET_LUID;
typedef struct {
  ADDRESS_FAMILY sin_family;
  USHORT sin_port;
  uint8_t sin_addr[4];
  char sin_zero[8];
} SOCKADDR_IN;
typedef struct {
  ADDRESS_FAMILY sin6_family;
  USHORT sin6_port;
  ULONG sin6_flowinfo;
  uint8_t sin6_addr[16];
  ULONG sin6_scope_id;
} SOCKADDR_IN6;
typedef union {
  SOCKADDR_IN Ipv4;
  SOCKADDR_IN6 Ipv6;
  ADDRESS_FAMILY si_family;
} SOCKADDR_INET;
typedef struct {
  SOCKADDR_INET Prefix;
  UINT8 PrefixLength;
} IP_ADDRESS_PREFIX;
typedef int32_t NL_ROUTE_PROTOCOL; /* C enums: int-sized on Windows */
typedef int32_t NL_ROUTE_ORIGIN;
typedef struct {
  NET_LUID InterfaceLuid;
  NET_IFINDEX InterfaceIndex;
  IP_ADDRESS_PREFIX DestinationPrefix;
  SOCKADDR_INET NextHop;
  UCHAR SitePrefixLength;
  ULONG ValidLifetime;
  ULONG PreferredLifetime;
  ULONG Metric;
  NL_ROUTE_PROTOCOL Protocol;
  BOOLEAN Loopback;
  BOOLEAN AutoconfigureAddress;
  BOOLEAN Publish;
  BOOLEAN Immortal;
  ULONG Age;
  NL_ROUTE_ORIGIN Origin;
} MIB_IPFORWARD_ROW2;
typedef struct {
  ULONG NumEntries;
  MIB_IPFORWARD_ROW2 Table[1];
} MIB_IPFORWARD_TABLE2;
typedef struct {
  DWORD dwState, dwLocalAddr, dwLocalPort, dwRemoteAddr, dwRemotePort, dwOwningPid;
} MIB_TCPROW_OWNER_PID;
typedef struct {
  DWORD dwNumEntries;
  MIB_TCPROW_OWNER_PID table[1];
} MIB_TCPTABLE_OWNER_PID;
typedef struct {
  UCHAR ucLocalAddr[16];
  DWORD dwLocalScopeId, dwLocalPort;
  UCHAR ucRemoteAddr[16];
  DWORD dwRemoteScopeId, dwRemotePort, dwState, dwOwningPid;
} MIB_TCP6ROW_OWNER_PID;
typedef struct {
  DWORD dwNumEntries;
  MIB_TCP6ROW_OWNER_PID table[1];
} MIB_TCP6TABLE_OWNER_PID;
typedef struct {
  DWORD dwLocalAddr, dwLocalPort, dwOwningPid;
} MIB_UDPROW_OWNER_PID;
typedef struct {
  DWORD dwNumEntries;
  MIB_UDPROW_OWNER_PID table[1];
} MIB_UDPTABLE_OWNER_PID;
typedef struct {
  UCHAR ucLocalAddr[16];
  DWORD dwLocalScopeId, dwLocalPort, dwOwningPid;
} MIB_UDP6ROW_OWNER_PID;
typedef struct {
  DWORD dwNumEntries;
  MIB_UDP6ROW_OWNER_PID table[1];
} MIB_UDP6TABLE_OWNER_PID;
typedef int32_t NL_ROUTER_DISCOVERY_BEHAVIOR;
typedef int32_t NL_LINK_LOCAL_ADDRESS_BEHAVIOR;
typedef uint8_t NL_INTERFACE_OFFLOAD_ROD; /* a struct of eight BOOLEAN:1 bit fields in the SDK: one byte */
typedef struct {
  ADDRESS_FAMILY Family;
  NET_LUID InterfaceLuid;
  NET_IFINDEX InterfaceIndex;
  ULONG MaxReassemblySize;
  uint64_t InterfaceIdentifier;
  ULONG MinRouterAdvertisementInterval;
  ULONG MaxRouterAdvertisementInterval;
  BOOLEAN AdvertisingEnabled;
  BOOLEAN ForwardingEnabled;
  BOOLEAN WeakHostSend;
  BOOLEAN WeakHostReceive;
  BOOLEAN UseAutomaticMetric;
  BOOLEAN UseNeighborUnreachabilityDetection;
  BOOLEAN ManagedAddressConfigurationSupported;
  BOOLEAN OtherStatefulConfigurationSupported;
  BOOLEAN AdvertiseDefaultRoute;
  NL_ROUTER_DISCOVERY_BEHAVIOR RouterDiscoveryBehavior;
  ULONG DadTransmits;
  ULONG BaseReachableTime;
  ULONG RetransmitTime;
  ULONG PathMtuDiscoveryTimeout;
  NL_LINK_LOCAL_ADDRESS_BEHAVIOR LinkLocalAddressBehavior;
  ULONG LinkLocalAddressTimeout;
  ULONG ZoneIndices[16]; /* ScopeLevelCount */
  ULONG SitePrefixLength;
  ULONG Metric;
  ULONG NlMtu;
  BOOLEAN Connected;
  BOOLEAN SupportsWakeUpPatterns;
  BOOLEAN SupportsNeighborDiscovery;
  BOOLEAN SupportsRouterDiscovery;
  ULONG ReachableTime;
  NL_INTERFACE_OFFLOAD_ROD TransmitOffload;
  NL_INTERFACE_OFFLOAD_ROD ReceiveOffload;
  BOOLEAN DisableDefaultRoutes;
} MIB_IPINTERFACE_ROW;
#define AF_UNSPEC 0
#define AF_INET 2
#endif

/* AF_INET6 is 23 on Windows whatever the build host says (Linux's is 10). */
#define IPHLP_AF_INET6 23

/* Documented sizes (MSDN, and what the Windows SDK compiler produces). */
_Static_assert(sizeof(SOCKADDR_INET) == 28, "SOCKADDR_INET");
_Static_assert(sizeof(IP_ADDRESS_PREFIX) == 32, "IP_ADDRESS_PREFIX");
_Static_assert(sizeof(MIB_IPFORWARD_ROW2) == 104, "MIB_IPFORWARD_ROW2");
_Static_assert(offsetof(MIB_IPFORWARD_ROW2, NextHop) == 44, "MIB_IPFORWARD_ROW2.NextHop");
_Static_assert(offsetof(MIB_IPFORWARD_TABLE2, Table) == 8, "MIB_IPFORWARD_TABLE2.Table");
_Static_assert(sizeof(MIB_IPINTERFACE_ROW) == 168, "MIB_IPINTERFACE_ROW");
_Static_assert(offsetof(MIB_IPINTERFACE_ROW, ForwardingEnabled) == 41, "MIB_IPINTERFACE_ROW.ForwardingEnabled");
_Static_assert(offsetof(MIB_IPINTERFACE_ROW, SitePrefixLength) == 144, "MIB_IPINTERFACE_ROW.SitePrefixLength");
_Static_assert(offsetof(MIB_IPINTERFACE_ROW, Connected) == 156, "MIB_IPINTERFACE_ROW.Connected");
_Static_assert(sizeof(MIB_TCPROW_OWNER_PID) == 24, "MIB_TCPROW_OWNER_PID");
_Static_assert(sizeof(MIB_TCP6ROW_OWNER_PID) == 56, "MIB_TCP6ROW_OWNER_PID");
_Static_assert(sizeof(MIB_UDPROW_OWNER_PID) == 12, "MIB_UDPROW_OWNER_PID");
_Static_assert(sizeof(MIB_UDP6ROW_OWNER_PID) == 28, "MIB_UDP6ROW_OWNER_PID");

#endif
