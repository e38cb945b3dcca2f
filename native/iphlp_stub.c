/* A stand-in for the parts of iphlpapi.dll hns-cni uses: the routing table (CreateIpForwardEntry2,
 * DeleteIpForwardEntry2, GetIpForwardTable2, FreeMibTable) and the TCP/UDP listener tables (GetExtendedTcpTable,
 * GetExtendedUdpTable). Each call is forwarded to `hns-cni sim serve` (PROTOCOL.md, "IP Helper calls"): the stub reads
 * the caller's MIB structures field by field and sends them as text lines; it builds the MIB tables the caller reads
 * from the server's lines. The structures are the SDK's under mingw-w64 and spelt out in iphlp_types.h on Linux, so
 * the caller's declarations meet a layout they did not define.
 *
 * Return values are Win32 status codes, as iphlpapi's are. A broken transport reports the Win32 code inside the RPC
 * HRESULT the HCN stub would return (RPC_S_SERVER_UNAVAILABLE 1722, RPC_S_CALL_FAILED 1726, 1060 without
 * HNS_CNI_STUB_ADDR): a real iphlpapi never fails that way, which keeps such failures recognisable in tests. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iphlp_stub.h"

#ifdef _WIN32
#define IPHLP_CALL WINAPI
#else
#define IPHLP_CALL
typedef int32_t TCP_TABLE_CLASS;
typedef int32_t UDP_TABLE_CLASS;
#endif

#define IPHLP_OK 0u
#define IPHLP_INVALID_DATA 13u
#define IPHLP_OUTOFMEMORY 14u
#define IPHLP_INVALID_PARAMETER 87u
#define IPHLP_INSUFFICIENT_BUFFER 122u

#define LINE_MAX_CHARS 512

/* ---- one call: ASCII request line(s) in, ASCII reply text out -------------------------------------------------- */

static stub_char *widen(const char *ascii) {
  size_t n = strlen(ascii);
  stub_char *w = malloc((n + 1) * sizeof *w);
  if (!w) return NULL;
  for (size_t i = 0; i <= n; i++) w[i] = (unsigned char)ascii[i];
  return w;
}

/* The server's reply, narrowed to ASCII (the protocol only ever sends ASCII here). *reply may stay NULL. */
static DWORD call_server(const char *fn, const char *request, char **reply) {
  *reply = NULL;
  stub_char *wide = widen(request);
  if (!wide) return IPHLP_OUTOFMEMORY;
  stub_request req = {fn, 0, NULL, wide, NULL, NULL, 0};
  stub_reply rep;
  HRESULT hr = stub_call(&req, &rep);
  free(wide);
  if (rep.output) {
    size_t n = 0;
    while (rep.output[n]) n++;
    char *narrow = malloc(n + 1);
    if (narrow) {
      for (size_t i = 0; i <= n; i++) narrow[i] = rep.output[i] < 0x80 ? (char)rep.output[i] : '?';
    }
    stub_free_string(rep.output);
    stub_free_string(rep.error_record);
    if (!narrow) return IPHLP_OUTOFMEMORY;
    *reply = narrow;
  } else {
    stub_free_string(rep.error_record);
  }
  if (hr < 0) return (DWORD)hr & 0xFFFFu; /* a transport HRESULT_FROM_WIN32: its Win32 code */
  return (DWORD)hr;
}

/* ---- addresses as text: "a.b.c.d", eight hex groups "x:x:x:x:x:x:x:x", or "-" for AF_UNSPEC ---------------------- */

static void put_bytes(void *dst, const uint8_t *src, size_t n) { memcpy(dst, src, n); }

static void format_inet(char *out, size_t size, const SOCKADDR_INET *a) {
  uint8_t b[16];
  if (a->si_family == AF_INET) {
    memcpy(b, &a->Ipv4.sin_addr, 4);
    snprintf(out, size, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
  } else if (a->si_family == IPHLP_AF_INET6) {
    memcpy(b, &a->Ipv6.sin6_addr, 16);
    snprintf(out, size, "%x:%x:%x:%x:%x:%x:%x:%x", b[0] << 8 | b[1], b[2] << 8 | b[3], b[4] << 8 | b[5],
             b[6] << 8 | b[7], b[8] << 8 | b[9], b[10] << 8 | b[11], b[12] << 8 | b[13], b[14] << 8 | b[15]);
  } else if (a->si_family == AF_UNSPEC) {
    snprintf(out, size, "-");
  } else {
    snprintf(out, size, "?%u", (unsigned)a->si_family);
  }
}

/* Parses an address the server wrote; returns its family (AF_INET / 23) and 4 or 16 bytes, or 0 when malformed. */
static int parse_address(const char *text, uint8_t bytes[16]) {
  unsigned v[8];
  char tail;
  if (sscanf(text, "%u.%u.%u.%u%c", &v[0], &v[1], &v[2], &v[3], &tail) == 4) {
    for (int i = 0; i < 4; i++) {
      if (v[i] > 255) return 0;
      bytes[i] = (uint8_t)v[i];
    }
    return AF_INET;
  }
  if (sscanf(text, "%x:%x:%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &tail) == 8) {
    for (int i = 0; i < 8; i++) {
      if (v[i] > 0xFFFF) return 0;
      bytes[2 * i] = (uint8_t)(v[i] >> 8);
      bytes[2 * i + 1] = (uint8_t)v[i];
    }
    return IPHLP_AF_INET6;
  }
  return 0;
}

static int parse_inet(const char *text, SOCKADDR_INET *out) {
  uint8_t b[16];
  memset(out, 0, sizeof *out);
  int family = parse_address(text, b);
  if (family == AF_INET) {
    out->Ipv4.sin_family = AF_INET;
    put_bytes(&out->Ipv4.sin_addr, b, 4);
  } else if (family == IPHLP_AF_INET6) {
    out->Ipv6.sin6_family = IPHLP_AF_INET6;
    put_bytes(&out->Ipv6.sin6_addr, b, 16);
  } else {
    return -1;
  }
  return 0;
}

/* A port as iphlpapi stores it: network byte order in the low 16 bits of a DWORD. */
static DWORD port_field(unsigned port) {
  DWORD v = 0;
  uint8_t *p = (uint8_t *)&v;
  p[0] = (uint8_t)(port >> 8);
  p[1] = (uint8_t)port;
  return v;
}

/* ---- routes ----------------------------------------------------------------------------------------------------- */

/* One route line (PROTOCOL.md): luid index prefix/len nexthop site valid preferred metric protocol loopback
 * autoconf publish immortal age origin. */
static void format_route(char *out, size_t size, const MIB_IPFORWARD_ROW2 *r) {
  char prefix[64], hop[64];
  format_inet(prefix, sizeof prefix, &r->DestinationPrefix.Prefix);
  format_inet(hop, sizeof hop, &r->NextHop);
  snprintf(out, size, "%" PRIu64 " %u %s/%u %s %u %u %u %u %d %u %u %u %u %u %d", (uint64_t)r->InterfaceLuid.Value,
           (unsigned)r->InterfaceIndex, prefix, (unsigned)r->DestinationPrefix.PrefixLength, hop,
           (unsigned)r->SitePrefixLength, (unsigned)r->ValidLifetime, (unsigned)r->PreferredLifetime,
           (unsigned)r->Metric, (int)r->Protocol, (unsigned)r->Loopback, (unsigned)r->AutoconfigureAddress,
           (unsigned)r->Publish, (unsigned)r->Immortal, (unsigned)r->Age, (int)r->Origin);
}

static int parse_route(const char *line, MIB_IPFORWARD_ROW2 *r) {
  uint64_t luid;
  unsigned index, length, site, valid, preferred, metric, loopback, autoconf, publish, immortal, age;
  int protocol, origin;
  char prefix[64], hop[64];
  memset(r, 0, sizeof *r);
  if (sscanf(line, "%" SCNu64 " %u %63[^/]/%u %63s %u %u %u %u %d %u %u %u %u %u %d", &luid, &index, prefix, &length,
             hop, &site, &valid, &preferred, &metric, &protocol, &loopback, &autoconf, &publish, &immortal, &age,
             &origin) != 16)
    return -1;
  if (parse_inet(prefix, &r->DestinationPrefix.Prefix) != 0 || parse_inet(hop, &r->NextHop) != 0) return -1;
  r->InterfaceLuid.Value = luid;
  r->InterfaceIndex = index;
  r->DestinationPrefix.PrefixLength = (UINT8)length;
  r->SitePrefixLength = (UCHAR)site;
  r->ValidLifetime = valid;
  r->PreferredLifetime = preferred;
  r->Metric = metric;
  r->Protocol = (NL_ROUTE_PROTOCOL)protocol;
  r->Loopback = (BOOLEAN)loopback;
  r->AutoconfigureAddress = (BOOLEAN)autoconf;
  r->Publish = (BOOLEAN)publish;
  r->Immortal = (BOOLEAN)immortal;
  r->Age = age;
  r->Origin = (NL_ROUTE_ORIGIN)origin;
  return 0;
}

static NETIO_STATUS route_call(const char *fn, const MIB_IPFORWARD_ROW2 *row) {
  if (!row) return IPHLP_INVALID_PARAMETER;
  char line[LINE_MAX_CHARS], *reply;
  format_route(line, sizeof line, row);
  DWORD status = call_server(fn, line, &reply);
  free(reply);
  return status;
}

STUB_EXPORT NETIO_STATUS IPHLP_CALL CreateIpForwardEntry2(const MIB_IPFORWARD_ROW2 *Row) {
  return route_call("CreateIpForwardEntry2", Row);
}

STUB_EXPORT NETIO_STATUS IPHLP_CALL DeleteIpForwardEntry2(const MIB_IPFORWARD_ROW2 *Row) {
  return route_call("DeleteIpForwardEntry2", Row);
}

/* Splits text into lines in place; returns how many non-empty lines there are (the pointers go to lines[]). */
static size_t split_lines(char *text, char ***lines) {
  size_t count = 0, cap = 16;
  char **out = malloc(cap * sizeof *out);
  if (!out) return (size_t)-1;
  for (char *p = text; p && *p;) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = '\0';
    if (*p) {
      if (count == cap) {
        char **grown = realloc(out, (cap *= 2) * sizeof *out);
        if (!grown) {
          free(out);
          return (size_t)-1;
        }
        out = grown;
      }
      out[count++] = p;
    }
    p = nl ? nl + 1 : NULL;
  }
  *lines = out;
  return count;
}

STUB_EXPORT NETIO_STATUS IPHLP_CALL GetIpForwardTable2(ADDRESS_FAMILY Family, MIB_IPFORWARD_TABLE2 **Table) {
  if (!Table) return IPHLP_INVALID_PARAMETER;
  *Table = NULL;
  char request[16], *reply, **lines = NULL;
  snprintf(request, sizeof request, "%u", (unsigned)Family);
  DWORD status = call_server("GetIpForwardTable2", request, &reply);
  if (status != IPHLP_OK) {
    free(reply);
    return status;
  }
  size_t n = split_lines(reply, &lines);
  if (n == (size_t)-1) {
    free(reply);
    return IPHLP_OUTOFMEMORY;
  }
  size_t bytes = offsetof(MIB_IPFORWARD_TABLE2, Table) + (n ? n : 1) * sizeof(MIB_IPFORWARD_ROW2);
  MIB_IPFORWARD_TABLE2 *table = iphlp_alloc_table(bytes);
  if (!table) status = IPHLP_OUTOFMEMORY;
  for (size_t i = 0; status == IPHLP_OK && i < n; i++) {
    if (parse_route(lines[i], &table->Table[i]) != 0) status = IPHLP_INVALID_DATA;
  }
  free(lines);
  free(reply);
  if (status != IPHLP_OK) {
    iphlp_free_table(table);
    return status;
  }
  table->NumEntries = (ULONG)n;
  *Table = table;
  return IPHLP_OK;
}

STUB_EXPORT void IPHLP_CALL FreeMibTable(void *Memory) { iphlp_free_table(Memory); }

/* ---- interfaces: GetIpInterfaceEntry / SetIpInterfaceEntry ---------------------------------------------------------- */

/* One interface line (PROTOCOL.md): family luid index forwarding weakHostSend weakHostReceive advertising metric
 * useAutomaticMetric nlMtu sitePrefixLength connected. */
static void format_interface(char *out, size_t size, const MIB_IPINTERFACE_ROW *r) {
  snprintf(out, size, "%u %" PRIu64 " %u %u %u %u %u %u %u %u %u %u", (unsigned)r->Family,
           (uint64_t)r->InterfaceLuid.Value, (unsigned)r->InterfaceIndex, (unsigned)r->ForwardingEnabled,
           (unsigned)r->WeakHostSend, (unsigned)r->WeakHostReceive, (unsigned)r->AdvertisingEnabled,
           (unsigned)r->Metric, (unsigned)r->UseAutomaticMetric, (unsigned)r->NlMtu, (unsigned)r->SitePrefixLength,
           (unsigned)r->Connected);
}

/* Fills the row from the server's line; what the protocol does not carry keeps the values the caller passed. */
static int parse_interface(const char *line, MIB_IPINTERFACE_ROW *r) {
  unsigned family, index, forwarding, weak_send, weak_receive, advertising, metric, automatic, mtu, site, connected;
  uint64_t luid;
  if (sscanf(line, "%u %" SCNu64 " %u %u %u %u %u %u %u %u %u %u", &family, &luid, &index, &forwarding, &weak_send,
             &weak_receive, &advertising, &metric, &automatic, &mtu, &site, &connected) != 12)
    return -1;
  r->Family = (ADDRESS_FAMILY)family;
  r->InterfaceLuid.Value = luid;
  r->InterfaceIndex = index;
  r->ForwardingEnabled = (BOOLEAN)forwarding;
  r->WeakHostSend = (BOOLEAN)weak_send;
  r->WeakHostReceive = (BOOLEAN)weak_receive;
  r->AdvertisingEnabled = (BOOLEAN)advertising;
  r->Metric = metric;
  r->UseAutomaticMetric = (BOOLEAN)automatic;
  r->NlMtu = mtu;
  r->SitePrefixLength = site;
  r->Connected = (BOOLEAN)connected;
  return 0;
}

STUB_EXPORT NETIO_STATUS IPHLP_CALL GetIpInterfaceEntry(MIB_IPINTERFACE_ROW *Row) {
  if (!Row) return IPHLP_INVALID_PARAMETER;
  char request[64], *reply;
  snprintf(request, sizeof request, "%u %" PRIu64 " %u", (unsigned)Row->Family, (uint64_t)Row->InterfaceLuid.Value,
           (unsigned)Row->InterfaceIndex);
  DWORD status = call_server("GetIpInterfaceEntry", request, &reply);
  if (status == IPHLP_OK && (!reply || parse_interface(reply, Row) != 0)) status = IPHLP_INVALID_DATA;
  free(reply);
  return status;
}

STUB_EXPORT NETIO_STATUS IPHLP_CALL SetIpInterfaceEntry(MIB_IPINTERFACE_ROW *Row) {
  if (!Row) return IPHLP_INVALID_PARAMETER;
  char line[LINE_MAX_CHARS], *reply;
  format_interface(line, sizeof line, Row);
  DWORD status = call_server("SetIpInterfaceEntry", line, &reply);
  free(reply);
  return status;
}

/* ---- TCP / UDP tables: the caller's buffer, sized by a first call that gets ERROR_INSUFFICIENT_BUFFER ------------ */

typedef int (*fill_row)(void *table, size_t index, const char *line);

static int fill_tcp4(void *table, size_t i, const char *line) {
  unsigned state, lport, rport, pid;
  char laddr[64], raddr[64];
  uint8_t lb[16], rb[16];
  if (sscanf(line, "%u %63s %u %63s %u %u", &state, laddr, &lport, raddr, &rport, &pid) != 6) return -1;
  if (parse_address(laddr, lb) != AF_INET || parse_address(raddr, rb) != AF_INET) return -1;
  MIB_TCPROW_OWNER_PID *row = &((MIB_TCPTABLE_OWNER_PID *)table)->table[i];
  row->dwState = state;
  put_bytes(&row->dwLocalAddr, lb, 4);
  row->dwLocalPort = port_field(lport);
  put_bytes(&row->dwRemoteAddr, rb, 4);
  row->dwRemotePort = port_field(rport);
  row->dwOwningPid = pid;
  return 0;
}

static int fill_tcp6(void *table, size_t i, const char *line) {
  unsigned state, lport, rport, pid;
  char laddr[64], raddr[64];
  uint8_t lb[16], rb[16];
  if (sscanf(line, "%u %63s %u %63s %u %u", &state, laddr, &lport, raddr, &rport, &pid) != 6) return -1;
  if (parse_address(laddr, lb) != IPHLP_AF_INET6 || parse_address(raddr, rb) != IPHLP_AF_INET6) return -1;
  MIB_TCP6ROW_OWNER_PID *row = &((MIB_TCP6TABLE_OWNER_PID *)table)->table[i];
  memcpy(row->ucLocalAddr, lb, 16);
  row->dwLocalScopeId = 0;
  row->dwLocalPort = port_field(lport);
  memcpy(row->ucRemoteAddr, rb, 16);
  row->dwRemoteScopeId = 0;
  row->dwRemotePort = port_field(rport);
  row->dwState = state;
  row->dwOwningPid = pid;
  return 0;
}

static int fill_udp4(void *table, size_t i, const char *line) {
  unsigned lport, pid;
  char laddr[64];
  uint8_t lb[16];
  if (sscanf(line, "%63s %u %u", laddr, &lport, &pid) != 3 || parse_address(laddr, lb) != AF_INET) return -1;
  MIB_UDPROW_OWNER_PID *row = &((MIB_UDPTABLE_OWNER_PID *)table)->table[i];
  put_bytes(&row->dwLocalAddr, lb, 4);
  row->dwLocalPort = port_field(lport);
  row->dwOwningPid = pid;
  return 0;
}

static int fill_udp6(void *table, size_t i, const char *line) {
  unsigned lport, pid;
  char laddr[64];
  uint8_t lb[16];
  if (sscanf(line, "%63s %u %u", laddr, &lport, &pid) != 3 || parse_address(laddr, lb) != IPHLP_AF_INET6) return -1;
  MIB_UDP6ROW_OWNER_PID *row = &((MIB_UDP6TABLE_OWNER_PID *)table)->table[i];
  memcpy(row->ucLocalAddr, lb, 16);
  row->dwLocalScopeId = 0;
  row->dwLocalPort = port_field(lport);
  row->dwOwningPid = pid;
  return 0;
}

/* The header of every one of these tables is one DWORD (dwNumEntries), the rows follow it. */
static DWORD listener_table(const char *fn, void *buffer, DWORD *size, ULONG af, int table_class, size_t row_size,
                            fill_row fill) {
  if (!size) return IPHLP_INVALID_PARAMETER;
  char request[32], *reply, **lines = NULL;
  snprintf(request, sizeof request, "%u %d", (unsigned)af, table_class);
  DWORD status = call_server(fn, request, &reply);
  if (status != IPHLP_OK) {
    free(reply);
    return status;
  }
  size_t n = split_lines(reply, &lines);
  if (n == (size_t)-1) {
    free(reply);
    return IPHLP_OUTOFMEMORY;
  }
  size_t needed = sizeof(DWORD) + n * row_size;
  if (!buffer || *size < needed) {
    *size = (DWORD)needed;
    status = IPHLP_INSUFFICIENT_BUFFER;
  } else {
    memset(buffer, 0, needed);
    for (size_t i = 0; status == IPHLP_OK && i < n; i++) {
      if (fill(buffer, i, lines[i]) != 0) status = IPHLP_INVALID_DATA;
    }
    if (status == IPHLP_OK) *(DWORD *)buffer = (DWORD)n;
  }
  free(lines);
  free(reply);
  return status;
}

STUB_EXPORT DWORD IPHLP_CALL GetExtendedTcpTable(void *pTcpTable, DWORD *pdwSize, WINBOOL bOrder, ULONG ulAf,
                                                 TCP_TABLE_CLASS TableClass, ULONG Reserved) {
  (void)bOrder; /* the server always answers in (address, port) order */
  if (Reserved != 0) return IPHLP_INVALID_PARAMETER;
  if (ulAf == IPHLP_AF_INET6)
    return listener_table("GetExtendedTcpTable", pTcpTable, pdwSize, ulAf, (int)TableClass,
                          sizeof(MIB_TCP6ROW_OWNER_PID), fill_tcp6);
  return listener_table("GetExtendedTcpTable", pTcpTable, pdwSize, ulAf, (int)TableClass,
                        sizeof(MIB_TCPROW_OWNER_PID), fill_tcp4);
}

STUB_EXPORT DWORD IPHLP_CALL GetExtendedUdpTable(void *pUdpTable, DWORD *pdwSize, WINBOOL bOrder, ULONG ulAf,
                                                 UDP_TABLE_CLASS TableClass, ULONG Reserved) {
  (void)bOrder;
  if (Reserved != 0) return IPHLP_INVALID_PARAMETER;
  if (ulAf == IPHLP_AF_INET6)
    return listener_table("GetExtendedUdpTable", pUdpTable, pdwSize, ulAf, (int)TableClass,
                          sizeof(MIB_UDP6ROW_OWNER_PID), fill_udp6);
  return listener_table("GetExtendedUdpTable", pUdpTable, pdwSize, ulAf, (int)TableClass,
                        sizeof(MIB_UDPROW_OWNER_PID), fill_udp4);
}

/* ---- process exit: the op-2 report of reply strings, as the HCN stub sends its own ----------------------------- */

static void report_at_exit(void) {
  uint64_t a, f;
  stub_counters(&a, &f);
  stub_send_free_report(a, f);
}

#ifdef _WIN32
BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {
  (void)instance;
  (void)reserved;
  if (reason == DLL_PROCESS_DETACH) report_at_exit();
  return TRUE;
}
#else
__attribute__((destructor)) static void iphlp_stub_unload(void) { report_at_exit(); }
#endif
