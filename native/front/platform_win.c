/* platform.h on Windows (the product: containerd runs hns-cni.exe as SYSTEM). The same Win32 calls as src/winsec
 * (GetNamedSecurityInfoW, GetTokenInformation TokenUser), which are known to work under Wine too. */
#define WIN32_LEAN_AND_MEAN
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

/* UTF-16 -> UTF-8 (NUL-terminated, malloc'd); NULL for an unpaired surrogate. */
static char *utf8_of(const wchar_t *w, int wlen) {
  int n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, wlen, NULL, 0, NULL, NULL);
  if (n <= 0 && wlen != 0) return NULL;
  char *s = malloc((size_t)n + 1);
  if (s == NULL) return NULL;
  if (wlen != 0) WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, wlen, s, n, NULL, NULL);
  s[n] = 0;
  return s;
}

static wchar_t *wide_of(const char *s) {
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
  wchar_t *w = n > 0 ? malloc(sizeof(wchar_t) * (size_t)n) : NULL;
  if (w != NULL) MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
  return w;
}

const char *plat_getenv(const char *name) {
  wchar_t wname[64], value[32768];
  if (MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 64) == 0) return NULL;
  DWORD n = GetEnvironmentVariableW(wname, value, 32768);
  if (n == 0 && GetLastError() == ERROR_ENVVAR_NOT_FOUND) return NULL;
  if (n >= 32768) return NULL;
  return utf8_of(value, (int)n); /* small and once per name: never freed */
}

void plat_default_env(const char *name, const char *value) {
  wchar_t wname[64], wvalue[64];
  if (MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 64) == 0) return;
  if (MultiByteToWideChar(CP_UTF8, 0, value, -1, wvalue, 64) == 0) return;
  if (GetEnvironmentVariableW(wname, NULL, 0) == 0 && GetLastError() == ERROR_ENVVAR_NOT_FOUND) {
    SetEnvironmentVariableW(wname, wvalue); /* CreateProcessW with a NULL environment passes it on */
  }
}

int plat_each_env(env_visitor fn, void *ctx) {
  wchar_t *block = GetEnvironmentStringsW();
  if (block == NULL) return 0;
  int ok = 1;
  for (wchar_t *e = block; ok && *e != 0; e += wcslen(e) + 1) {
    wchar_t *eq = wcschr(e + 1, L'='); /* "=C:=C:\\dir" entries (per-drive directories) start with '=' */
    if (e[0] == L'=' || eq == NULL) continue;
    char *name = utf8_of(e, (int)(eq - e));
    char *value = utf8_of(eq + 1, (int)wcslen(eq + 1));
    /* A value with an unpaired surrogate has no UTF-8 form: the visitor gets NULL and decides. */
    ok = name != NULL && fn(ctx, name, strlen(name), value, value ? strlen(value) : 0);
    free(name);
    free(value);
  }
  FreeEnvironmentStringsW(block);
  return ok;
}

static wchar_t self_w[32768];

int plat_self_path(buf_t *out) {
  DWORD n = GetModuleFileNameW(NULL, self_w, 32768);
  if (n == 0 || n >= 32768) return 0;
  char *s = utf8_of(self_w, (int)n);
  if (s == NULL) return 0;
  buf_add(out, s, strlen(s) + 1);
  free(s);
  return !out->failed;
}

/* A drive-absolute path with backslashes only, nothing path.win32 would normalise (., .., doubled separators). */
static int plain_absolute(const char *p) {
  size_t n = strlen(p);
  if (n < 3 || !((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) || p[1] != ':' || p[2] != '\\') return 0;
  if (strchr(p, '/') || strstr(p, "\\\\") || strstr(p, "\\.\\") || strstr(p, "\\..\\")) return 0;
  if (p[n - 1] == '\\' || p[n - 1] == '.') return 0;
  return 1;
}

int plat_data_dir(buf_t *out) {
  const char *dir = plat_getenv("HNS_CNI_DATA_DIR");
  if (dir != NULL && *dir != 0) {
    buf_str(out, dir); /* data-dir.ts uses the override as it is */
  } else {
    const char *pd = plat_getenv("ProgramData");
    if (pd == NULL) pd = "C:\\ProgramData";
    size_t n = strlen(pd);
    if (n > 3 && pd[n - 1] == '\\') n--; /* path.win32.join drops it */
    buf_add(out, pd, n);
    buf_str(out, "\\hns-cni");
  }
  buf_add(out, "", 1);
  return !out->failed && plain_absolute((const char *)out->data);
}

/* src/winsec/acl.ts WRITE_RIGHTS, as one mask. */
#define WRITE_MASK 0x520d0156u

static PSID sid_of(const wchar_t *text) {
  PSID sid = NULL;
  return ConvertStringSidToSidW(text, &sid) ? sid : NULL;
}

static int sid_in(PSID sid, PSID *set, int count) {
  for (int i = 0; i < count; i++) {
    if (set[i] != NULL && IsValidSid(sid) && EqualSid(sid, set[i])) return 1;
  }
  return 0;
}

/* The account the front runs as (TokenUser), or NULL. */
static PSID current_user(void) {
  HANDLE token;
  static BYTE info[512];
  DWORD got = 0;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return NULL;
  BOOL ok = GetTokenInformation(token, TokenUser, info, sizeof info, &got);
  CloseHandle(token);
  return ok ? ((TOKEN_USER *)info)->User.Sid : NULL;
}

/* acl.ts judgePrivateDirectory without the prose: 1 when private. */
static int judge(PSID owner, PACL dacl) {
  PSID trusted[6] = {sid_of(L"S-1-5-18"), sid_of(L"S-1-5-32-544"),
                     sid_of(L"S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"), current_user(),
                     sid_of(L"S-1-3-0"), sid_of(L"S-1-3-4")};
  if (owner == NULL || !sid_in(owner, trusted, 4)) return 0;
  if (dacl == NULL) return 0; /* no DACL: everyone may do everything */
  ACL_SIZE_INFORMATION size;
  if (!GetAclInformation(dacl, &size, sizeof size, AclSizeInformation)) return 0;
  for (DWORD i = 0; i < size.AceCount; i++) {
    BYTE *ace;
    if (!GetAce(dacl, i, (void **)&ace)) return 0;
    BYTE type = ace[0];
    DWORD mask;
    memcpy(&mask, ace + 4, 4);
    if (type == 0x1 || type == 0x6 || type == 0xa || type == 0xc) continue; /* denying entries only take away */
    if ((mask & WRITE_MASK) == 0) continue;
    size_t sid_at;
    if (type == 0x0 || type == 0x9) {
      sid_at = 8;
    } else if (type == 0x5 || type == 0xb) {
      DWORD flags;
      memcpy(&flags, ace + 8, 4);
      sid_at = 12 + (flags & 1 ? 16 : 0) + (flags & 2 ? 16 : 0);
    } else {
      return 0; /* an unknown type that may grant a write right */
    }
    WORD ace_size;
    memcpy(&ace_size, ace + 2, 2);
    if (sid_at + 8 > ace_size || !IsValidSid(ace + sid_at) || !sid_in(ace + sid_at, trusted, 6)) return 0;
  }
  return 1;
}

const char *plat_dir_private(const char *dir) {
  wchar_t *w = wide_of(dir);
  if (w == NULL) return "data-dir-path";
  DWORD attributes = GetFileAttributesW(w);
  if (attributes == INVALID_FILE_ATTRIBUTES) {
    DWORD e = GetLastError();
    return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ? "no-data-dir" : "data-dir-unreadable";
  }
  /* Never follow a reparse point (a junction could lead anywhere): the engine refuses it with its 104. */
  if (!(attributes & FILE_ATTRIBUTE_DIRECTORY) || (attributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
    return "data-dir-not-private";
  }
  PSID owner = NULL;
  PACL dacl = NULL;
  PSECURITY_DESCRIPTOR sd = NULL;
  DWORD rc = GetNamedSecurityInfoW(w, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner,
                                   NULL, &dacl, NULL, &sd);
  if (rc != ERROR_SUCCESS) return "data-dir-unreadable";
  int ok = judge(owner, dacl);
  LocalFree(sd);
  return ok ? NULL : "data-dir-not-private";
}

enum read_result plat_read_file(const char *dir, const char *name, buf_t *out, size_t max) {
  buf_t path = {0};
  buf_str(&path, dir);
  buf_str(&path, "\\");
  buf_str(&path, name);
  buf_add(&path, "", 1);
  wchar_t *w = path.failed ? NULL : wide_of((const char *)path.data);
  if (w == NULL) return READ_ERROR;
  HANDLE h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                         OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    DWORD e = GetLastError();
    return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ? READ_MISSING : READ_ERROR;
  }
  BYTE chunk[4096];
  DWORD n;
  enum read_result r = READ_OK;
  for (;;) {
    if (!ReadFile(h, chunk, sizeof chunk, &n, NULL)) r = READ_ERROR;
    if (r != READ_OK || n == 0) break;
    if (out->len + n > max) {
      r = READ_ERROR;
      break;
    }
    buf_add(out, chunk, n);
  }
  CloseHandle(h);
  return out->failed ? READ_ERROR : r;
}

/* RtlGenRandom (ntsecapi.h; advapi32's SystemFunction036): the system CSPRNG the CRT's rand_s is documented to use
 * (and Go's crypto/rand used until Go 1.22). Not BCryptGenRandom: loading bcrypt.dll made every front start slower
 * (under Wine, VERSION took 44 ms with it and 18 ms without; a burst of 30 fronts ~60 ms longer on two cores). */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

int plat_random(uint8_t *out, size_t n) { return n <= 0xffffffffu && SystemFunction036(out, (ULONG)n); }

struct plat_conn {
  SOCKET s;
};

/* Waits until the socket can be read (or written); 0 on timeout or error. */
static int wait_for(SOCKET s, int write, int timeout_ms) {
  fd_set set, errors;
  FD_ZERO(&set);
  FD_ZERO(&errors);
  FD_SET(s, &set);
  FD_SET(s, &errors);
  struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  int r = select(0, write ? NULL : &set, write ? &set : NULL, &errors, &tv);
  return r > 0 && FD_ISSET(s, &set) && !FD_ISSET(s, &errors);
}

plat_conn *plat_connect(int port, int timeout_ms) {
  WSADATA wsa;
  if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) return NULL;
  SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) return NULL;
  SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0); /* the engine must not hold the connection */
  BOOL one = TRUE;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
  u_long nonblocking = 1;
  ioctlsocket(s, FIONBIO, &nonblocking);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((u_short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int r = connect(s, (struct sockaddr *)&a, sizeof a);
  if (r != 0 && WSAGetLastError() == WSAEWOULDBLOCK && wait_for(s, 1, timeout_ms)) r = 0;
  plat_conn *c = r == 0 ? malloc(sizeof *c) : NULL;
  if (c == NULL) {
    closesocket(s);
    return NULL;
  }
  c->s = s;
  return c;
}

int plat_send(plat_conn *c, const uint8_t *p, size_t n, int timeout_ms) {
  while (n > 0) {
    int w = send(c->s, (const char *)p, n > 0x100000 ? 0x100000 : (int)n, 0);
    if (w == SOCKET_ERROR && WSAGetLastError() == WSAEWOULDBLOCK) {
      if (!wait_for(c->s, 1, timeout_ms)) return 0;
      continue;
    }
    if (w <= 0) return 0;
    p += w;
    n -= (size_t)w;
  }
  return 1;
}

int plat_recv(plat_conn *c, uint8_t *p, size_t n, int timeout_ms) {
  while (n > 0) {
    if (!wait_for(c->s, 0, timeout_ms)) return 0;
    int r = recv(c->s, (char *)p, n > 0x100000 ? 0x100000 : (int)n, 0);
    if (r == SOCKET_ERROR && WSAGetLastError() == WSAEWOULDBLOCK) continue;
    if (r <= 0) return 0;
    p += r;
    n -= (size_t)r;
  }
  return 1;
}

void plat_close(plat_conn *c) {
  closesocket(c->s);
  free(c);
}

int plat_read_stdin(buf_t *out) {
  HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
  if (in == NULL || in == INVALID_HANDLE_VALUE) return 0;
  BYTE chunk[65536];
  for (;;) {
    DWORD n = 0;
    if (!ReadFile(in, chunk, sizeof chunk, &n, NULL)) return GetLastError() == ERROR_BROKEN_PIPE && !out->failed;
    if (n == 0) return !out->failed;
    buf_add(out, chunk, n);
  }
}

static int write_all(HANDLE h, const uint8_t *p, size_t n) {
  while (n > 0) {
    DWORD w = 0;
    if (!WriteFile(h, p, n > 0x100000 ? 0x100000 : (DWORD)n, &w, NULL) || w == 0) return 0;
    p += w;
    n -= w;
  }
  return 1;
}

int plat_write_stdout(const uint8_t *p, size_t n) { return write_all(GetStdHandle(STD_OUTPUT_HANDLE), p, n); }

/* The arguments after argv[0] in the front's own command line, by the MS C runtime's rule for argv[0]: up to the
 * closing quote when it starts with one (no escapes), else up to the first space or tab. */
static const wchar_t *arguments_after_program(const wchar_t *line) {
  if (*line == L'"') {
    line++;
    while (*line && *line != L'"') line++;
    if (*line) line++;
  } else {
    while (*line && *line != L' ' && *line != L'\t') line++;
  }
  while (*line == L' ' || *line == L'\t') line++;
  return line;
}

/* An inheritable duplicate of a standard handle (NULL stays NULL: the engine then has none, as the front had). */
static HANDLE inheritable(DWORD which) {
  HANDLE h = GetStdHandle(which), copy = NULL;
  if (h == NULL || h == INVALID_HANDLE_VALUE) return NULL;
  if (!DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &copy, 0, TRUE, DUPLICATE_SAME_ACCESS)) return h;
  return copy;
}

static _Noreturn void engine_missing(const wchar_t *engine, DWORD error, int cni) {
  char *path = utf8_of(engine, (int)wcslen(engine));
  char msg[1024];
  snprintf(msg, sizeof msg, "the hns-cni engine %s cannot be started (Windows error %lu)", path ? path : "?",
           (unsigned long)error);
  if (cni) {
    buf_t out = {0};
    buf_cni_error(&out, msg);
    plat_write_stdout(out.data, out.len);
  } else {
    buf_t out = {0};
    buf_str(&out, "hns-cni: ");
    buf_str(&out, msg);
    buf_str(&out, "\r\n");
    write_all(GetStdHandle(STD_ERROR_HANDLE), out.data, out.len);
  }
  ExitProcess(1);
}

_Noreturn void plat_run_engine(const char *self, const char *fallback, const buf_t *stdin_bytes, int cni) {
  (void)self; /* self_w holds the same path in UTF-16 */
  size_t dir_len = wcslen(self_w);
  while (dir_len > 0 && self_w[dir_len - 1] != L'\\') dir_len--;
  const wchar_t *rest = arguments_after_program(GetCommandLineW());
  size_t size = 2 * dir_len + wcslen(rest) + 256 + 2 * wcslen(self_w);
  wchar_t *engine = malloc(sizeof(wchar_t) * (dir_len + 32));
  wchar_t *line = malloc(sizeof(wchar_t) * size);
  if (engine == NULL || line == NULL) ExitProcess(1);
  memcpy(engine, self_w, sizeof(wchar_t) * dir_len);
  wcscpy(engine + dir_len, L"hns-cni-engine.exe");
  /* A Windows path holds no '"' and the front's path does not end in '\\', so plain quotes are exact. */
  swprintf(line, size, L"\"%ls\" --front=\"%ls\"%ls%hs%ls%ls", engine, self_w, fallback ? L" --fallback=" : L"",
           fallback ? fallback : "", *rest ? L" " : L"", rest);

  STARTUPINFOW si = {0};
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdOutput = inheritable(STD_OUTPUT_HANDLE);
  si.hStdError = inheritable(STD_ERROR_HANDLE);
  HANDLE feed = NULL;
  if (stdin_bytes != NULL) {
    /* node.exe under Wine cannot fstat a regular-file stdin; a pipe works. The write end stays ours. */
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    if (!CreatePipe(&si.hStdInput, &feed, &sa, (DWORD)stdin_bytes->len + 4096)) ExitProcess(1);
    SetHandleInformation(feed, HANDLE_FLAG_INHERIT, 0);
  } else {
    si.hStdInput = inheritable(STD_INPUT_HANDLE);
  }
  /* Killing the front kills the engine: a job that ends its processes when its last handle (ours) closes. Under
   * Wine, or inside a job that forbids nesting, this may fail: the engine then runs unjobbed, which only loses that
   * guarantee. */
  HANDLE job = CreateJobObjectW(NULL, NULL);
  if (job != NULL) {
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits = {0};
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits)) {
      CloseHandle(job);
      job = NULL;
    }
  }
  PROCESS_INFORMATION pi;
  if (!CreateProcessW(engine, line, NULL, NULL, TRUE, CREATE_SUSPENDED, NULL, NULL, &si, &pi)) {
    engine_missing(engine, GetLastError(), cni);
  }
  if (job != NULL) AssignProcessToJobObject(job, pi.hProcess); /* failure: see above */
  ResumeThread(pi.hThread);
  CloseHandle(pi.hThread);
  if (feed != NULL) {
    CloseHandle(si.hStdInput);
    write_all(feed, stdin_bytes->data, stdin_bytes->len); /* the engine reads while we write: cannot block for long */
    CloseHandle(feed);
  }
  WaitForSingleObject(pi.hProcess, INFINITE);
  DWORD code = 1;
  GetExitCodeProcess(pi.hProcess, &code);
  ExitProcess(code);
}
