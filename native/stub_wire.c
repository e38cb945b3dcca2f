/* The stub's side of PROTOCOL.md: loopback TCP connections kept in a small per-process pool, one call at a time on
 * each (koffi runs async calls on worker threads: concurrent calls take different connections, as concurrent RPCs
 * to the real HNS do), little-endian framing, UTF-16LE strings carried byte for byte. */
#include "stub.h"

#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
typedef SOCKET stub_socket;
#define STUB_NO_SOCKET INVALID_SOCKET
#define stub_close_socket closesocket
static SRWLOCK call_lock = SRWLOCK_INIT;
#define LOCK() AcquireSRWLockExclusive(&call_lock)
#define TRY_LOCK() (TryAcquireSRWLockExclusive(&call_lock) != 0)
#define UNLOCK() ReleaseSRWLockExclusive(&call_lock)
#define stub_pid() ((uint32_t)GetCurrentProcessId())
#else
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
typedef int stub_socket;
#define STUB_NO_SOCKET (-1)
#define stub_close_socket close
static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;
#define LOCK() pthread_mutex_lock(&call_lock)
#define TRY_LOCK() (pthread_mutex_trylock(&call_lock) == 0)
#define UNLOCK() pthread_mutex_unlock(&call_lock)
#define stub_pid() ((uint32_t)getpid())
#endif

#define PROTOCOL_VERSION 1
#define OP_CALL 1
#define OP_FREE_REPORT 2
#define NULL_STRING 0xFFFFFFFFu
/* Replies larger than this are a protocol error, not an allocation request. */
#define MAX_FRAME (64u * 1024u * 1024u)

/* Idle connections, guarded by call_lock; a call takes one (or opens one) and gives it back when it is done. */
#define POOL_MAX 16
static stub_socket idle[POOL_MAX];
static int idle_count = 0;
/* Whether this process ever reached the server: then it reports at exit even with nothing allocated, so the server
 * can tell "every process that called reported" from "a process died". */
static volatile int ever_connected = 0;

/* ---- growable little-endian buffer ---------------------------------------------------------------------------- */

typedef struct {
  uint8_t *data;
  size_t len, cap;
  int failed;
} buffer;

static void put(buffer *b, const void *src, size_t n) {
  if (b->failed) return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) cap *= 2;
    uint8_t *grown = realloc(b->data, cap);
    if (!grown) {
      b->failed = 1;
      return;
    }
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, src, n);
  b->len += n;
}

static void put_u8(buffer *b, uint8_t v) { put(b, &v, 1); }

static void put_u32(buffer *b, uint32_t v) {
  uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  put(b, le, 4);
}

static void put_u64(buffer *b, uint64_t v) {
  put_u32(b, (uint32_t)v);
  put_u32(b, (uint32_t)(v >> 32));
}

static void put_str(buffer *b, const stub_char *s) {
  if (!s) {
    put_u32(b, NULL_STRING);
    return;
  }
  size_t units = 0;
  while (s[units]) units++;
  put_u32(b, (uint32_t)(units * 2));
  for (size_t i = 0; i < units; i++) {
    uint8_t le[2] = {(uint8_t)s[i], (uint8_t)(s[i] >> 8)};
    put(b, le, 2);
  }
}

static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t get_u64(const uint8_t *p) { return (uint64_t)get_u32(p) | ((uint64_t)get_u32(p + 4) << 32); }

/* Patches the leading u32 frame length once the body is complete. */
static void seal_frame(buffer *b) {
  uint32_t body = (uint32_t)(b->len - 4);
  uint8_t le[4] = {(uint8_t)body, (uint8_t)(body >> 8), (uint8_t)(body >> 16), (uint8_t)(body >> 24)};
  memcpy(b->data, le, 4);
}

/* ---- socket --------------------------------------------------------------------------------------------------- */

static int send_all(stub_socket s, const uint8_t *p, size_t n) {
  while (n > 0) {
    int sent = send(s, (const char *)p, (int)(n > 0x40000000 ? 0x40000000 : n), 0);
    if (sent <= 0) return -1;
    p += sent;
    n -= (size_t)sent;
  }
  return 0;
}

static int recv_all(stub_socket s, uint8_t *p, size_t n) {
  while (n > 0) {
    int got = recv(s, (char *)p, (int)(n > 0x40000000 ? 0x40000000 : n), 0);
    if (got <= 0) return -1;
    p += got;
    n -= (size_t)got;
  }
  return 0;
}

/* Resolves HNS_CNI_STUB_ADDR (host:port) and connects. Returns S_OK or the HRESULT the caller should see. */
static HRESULT connect_server(stub_socket *out) {
#ifdef _WIN32
  /* Not getenv: msvcrt keeps its own copy of the environment, taken at start-up, and would miss a variable the
   * process set later (Node's process.env writes go to SetEnvironmentVariableW). */
  char addr[300];
  DWORD n = GetEnvironmentVariableA("HNS_CNI_STUB_ADDR", addr, sizeof addr);
  if (n == 0 || n >= sizeof addr) return STUB_E_NO_SERVICE;
#else
  const char *addr = getenv("HNS_CNI_STUB_ADDR");
  if (!addr || !*addr) return STUB_E_NO_SERVICE;
#endif
#ifdef _WIN32
  static int wsa_ready = 0;
  if (!wsa_ready) {
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) return STUB_E_SERVER_UNAVAILABLE;
    wsa_ready = 1;
  }
#endif
  char host[256];
  const char *colon = strrchr(addr, ':');
  if (!colon || (size_t)(colon - addr) >= sizeof host) return STUB_E_SERVER_UNAVAILABLE;
  memcpy(host, addr, (size_t)(colon - addr));
  host[colon - addr] = '\0';

  struct addrinfo hints, *found = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, colon + 1, &hints, &found) != 0 || !found) return STUB_E_SERVER_UNAVAILABLE;
  HRESULT hr = STUB_E_SERVER_UNAVAILABLE;
  for (struct addrinfo *ai = found; ai; ai = ai->ai_next) {
    stub_socket s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (s == STUB_NO_SOCKET) continue;
    if (connect(s, ai->ai_addr, (int)ai->ai_addrlen) == 0) {
      int one = 1; /* request/reply traffic: do not let Nagle hold back the small frames */
      setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
      *out = s;
      hr = 0;
      break;
    }
    stub_close_socket(s);
  }
  freeaddrinfo(found);
  return hr;
}

static HRESULT take_connection(stub_socket *s) {
  LOCK();
  if (idle_count > 0) {
    *s = idle[--idle_count];
    UNLOCK();
    return 0;
  }
  UNLOCK();
  return connect_server(s);
}

static void give_back(stub_socket s) {
  LOCK();
  if (idle_count < POOL_MAX) {
    idle[idle_count++] = s;
    s = STUB_NO_SOCKET;
  }
  UNLOCK();
  if (s != STUB_NO_SOCKET) stub_close_socket(s);
}

/* ---- calls ---------------------------------------------------------------------------------------------------- */

static void terminate_now(void) {
  /* Fault "kill": die like a crashed process would, without running exit handlers (no free report either). */
#ifdef _WIN32
  TerminateProcess(GetCurrentProcess(), 137);
#else
  _exit(137);
#endif
}

/* Decodes one reply frame into *reply (strings allocated with CoTaskMemAlloc). Returns 0, or -1 if malformed. */
static int parse_reply(const uint8_t *p, uint32_t len, int want_error_record, stub_reply *reply, int *action) {
  const uint8_t *end = p + len;
  if (len < 4 + 1 + 8) return -1;
  reply->hr = (HRESULT)get_u32(p);
  *action = p[4];
  reply->handle = get_u64(p + 5);
  p += 13;
  for (int i = 0; i < 2; i++) {
    if (end - p < 4) return -1;
    uint32_t n = get_u32(p);
    p += 4;
    if (n == NULL_STRING) continue;
    if ((uint32_t)(end - p) < n || (n & 1)) return -1;
    /* An ErrorRecord the caller did not ask for (NULL out-pointer) is never allocated, so it cannot leak. */
    if (i == 0 || want_error_record) {
      stub_char *s = stub_alloc_string(p, n);
      if (!s) return -2;
      if (i == 0)
        reply->output = s;
      else
        reply->error_record = s;
    }
    p += n;
  }
  return 0;
}

static void discard_reply_strings(stub_reply *reply) {
  stub_free_string(reply->output);
  stub_free_string(reply->error_record);
  reply->output = reply->error_record = NULL;
}

HRESULT stub_call(const stub_request *req, stub_reply *reply) {
  memset(reply, 0, sizeof *reply);
  buffer b = {0};
  put_u32(&b, 0);
  put_u8(&b, PROTOCOL_VERSION);
  put_u8(&b, OP_CALL);
  size_t fn_len = strlen(req->fn);
  put_u8(&b, (uint8_t)fn_len);
  put(&b, req->fn, fn_len);
  put_u64(&b, req->handle);
  put_u8(&b, req->guid ? 1 : 0);
  if (req->guid) put(&b, req->guid, 16);
  put_str(&b, req->s1);
  put_str(&b, req->s2);
  put_str(&b, req->s3);
  put_u8(&b, req->want_error_record ? 1 : 0);
  put_u32(&b, stub_pid());
  if (b.failed) {
    free(b.data);
    return reply->hr = STUB_E_OUTOFMEMORY;
  }
  seal_frame(&b);

  stub_socket conn = STUB_NO_SOCKET;
  HRESULT hr = take_connection(&conn);
  if (hr == 0) ever_connected = 1;
  uint8_t *frame = NULL;
  uint8_t len_le[4];
  uint32_t len = 0;
  if (hr == 0) {
    if (send_all(conn, b.data, b.len) != 0 || recv_all(conn, len_le, 4) != 0 || (len = get_u32(len_le)) > MAX_FRAME ||
        !(frame = malloc(len ? len : 1)) || recv_all(conn, frame, len) != 0) {
      stub_close_socket(conn); /* the next call reconnects, like a fresh RPC binding */
      hr = STUB_E_CALL_FAILED;
    } else {
      give_back(conn);
    }
  }
  free(b.data);
  if (hr != 0) {
    free(frame);
    return reply->hr = hr;
  }

  int action = 0;
  int parsed = parse_reply(frame, len, req->want_error_record, reply, &action);
  free(frame);
  if (parsed != 0) {
    discard_reply_strings(reply);
    reply->handle = 0;
    return reply->hr = parsed == -2 ? STUB_E_OUTOFMEMORY : STUB_E_CALL_FAILED;
  }
  if (action == 1) terminate_now();
  return reply->hr;
}

void stub_send_free_report(uint64_t allocations, uint64_t frees) {
  if (!ever_connected && allocations == 0) return;
  buffer b = {0};
  put_u32(&b, 0);
  put_u8(&b, PROTOCOL_VERSION);
  put_u8(&b, OP_FREE_REPORT);
  put_u32(&b, stub_pid());
  put_u64(&b, allocations);
  put_u64(&b, frees);
  if (!b.failed) {
    seal_frame(&b);
    /* Over an idle connection, or one of its own: a call that hangs (fault "hang", abandoned by the client's
     * timeout) keeps its connection, and the exit never waits for it. The idle ones are closed. */
    stub_socket s = STUB_NO_SOCKET;
    if (TRY_LOCK()) {
      if (idle_count > 0) s = idle[--idle_count];
      while (idle_count > 0) stub_close_socket(idle[--idle_count]);
      UNLOCK();
    }
    if (s != STUB_NO_SOCKET || connect_server(&s) == 0) {
      send_all(s, b.data, b.len);
      stub_close_socket(s);
    }
  }
  free(b.data);
}
