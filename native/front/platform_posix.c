/* platform.h on Linux (the e2e tests' front; production is Windows). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform.h"

extern char **environ;

static int front_argc;
static char **front_argv;

/* The arguments the engine gets after --front/--fallback: kept by a constructor, so front.c stays portable. */
__attribute__((constructor)) static void keep_arguments(int argc, char **argv) {
  front_argc = argc;
  front_argv = argv;
}

const char *plat_getenv(const char *name) { return getenv(name); }

void plat_default_env(const char *name, const char *value) { setenv(name, value, 0); }

int plat_each_env(env_visitor fn, void *ctx) {
  for (char **e = environ; *e != NULL; e++) {
    const char *eq = strchr(*e, '=');
    if (eq == NULL) continue;
    if (!fn(ctx, *e, (size_t)(eq - *e), eq + 1, strlen(eq + 1))) return 0;
  }
  return 1;
}

int plat_self_path(buf_t *out) {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return 0;
  buf_add(out, path, (size_t)n);
  buf_add(out, "", 1);
  return !out->failed;
}

/* A path that path.join would write differently (., .., //, a trailing /) is left to the engine. */
static int plain_absolute(const char *p) {
  if (p[0] != '/') return 0;
  if (strstr(p, "//") || strstr(p, "/./") || strstr(p, "/../")) return 0;
  size_t n = strlen(p);
  if (n > 1 && p[n - 1] == '/') return 0;
  if ((n >= 2 && strcmp(p + n - 2, "/.") == 0) || (n >= 3 && strcmp(p + n - 3, "/..") == 0)) return 0;
  return 1;
}

int plat_data_dir(buf_t *out) {
  const char *dir = getenv("HNS_CNI_DATA_DIR");
  if (dir != NULL && *dir != 0) {
    buf_str(out, dir);
  } else {
    // Node's os.tmpdir(): TMPDIR, TMP, TEMP, else /tmp; one trailing slash dropped.
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || *tmp == 0) tmp = getenv("TMP");
    if (tmp == NULL || *tmp == 0) tmp = getenv("TEMP");
    if (tmp == NULL || *tmp == 0) tmp = "/tmp";
    size_t n = strlen(tmp);
    if (n > 1 && tmp[n - 1] == '/') n--;
    buf_add(out, tmp, n);
    buf_str(out, "/hns-cni");
  }
  buf_add(out, "", 1);
  return !out->failed && plain_absolute((const char *)out->data);
}

/* private-dir.ts ensurePrivatePosixDirectory, without creating anything. */
const char *plat_dir_private(const char *dir) {
  struct stat st;
  if (lstat(dir, &st) != 0) return errno == ENOENT ? "no-data-dir" : "data-dir-unreadable";
  if (!S_ISDIR(st.st_mode)) return "data-dir-not-private";
  if (st.st_uid != geteuid() && st.st_uid != 0) return "data-dir-not-private";
  if ((st.st_mode & 022) != 0) return "data-dir-not-private";
  return NULL;
}

enum read_result plat_read_file(const char *dir, const char *name, buf_t *out, size_t max) {
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) return READ_ERROR;
  int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  int err = errno;
  close(dfd);
  if (fd < 0) return err == ENOENT ? READ_MISSING : READ_ERROR;
  uint8_t chunk[4096];
  ssize_t n;
  while ((n = read(fd, chunk, sizeof chunk)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || out->len + (size_t)n > max) {
      close(fd);
      return READ_ERROR;
    }
    buf_add(out, chunk, (size_t)n);
  }
  close(fd);
  return out->failed ? READ_ERROR : READ_OK;
}

int plat_random(uint8_t *out, size_t n) {
  while (n > 0) {
    ssize_t got = getrandom(out, n, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return 0;
    out += got;
    n -= (size_t)got;
  }
  return 1;
}

struct plat_conn {
  int fd;
};

static int wait_for(int fd, short events, int timeout_ms) {
  struct pollfd p = {fd, events, 0};
  for (;;) {
    int r = poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

plat_conn *plat_connect(int port, int timeout_ms) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return NULL;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int r = connect(fd, (struct sockaddr *)&a, sizeof a);
  if (r != 0 && errno == EINPROGRESS && wait_for(fd, POLLOUT, timeout_ms)) {
    int err = 0;
    socklen_t len = sizeof err;
    r = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0 ? 0 : -1;
  }
  plat_conn *c = r == 0 ? malloc(sizeof *c) : NULL;
  if (c == NULL) {
    close(fd);
    return NULL;
  }
  c->fd = fd;
  return c;
}

int plat_send(plat_conn *c, const uint8_t *p, size_t n, int timeout_ms) {
  while (n > 0) {
    ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      if (!wait_for(c->fd, POLLOUT, timeout_ms)) return 0;
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
    if (!wait_for(c->fd, POLLIN, timeout_ms)) return 0;
    ssize_t r = recv(c->fd, p, n, 0);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r <= 0) return 0;
    p += r;
    n -= (size_t)r;
  }
  return 1;
}

void plat_close(plat_conn *c) {
  close(c->fd);
  free(c);
}

int plat_read_stdin(buf_t *out) {
  uint8_t chunk[65536];
  for (;;) {
    ssize_t n = read(0, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return 0;
    if (n == 0) return !out->failed;
    buf_add(out, chunk, (size_t)n);
  }
}

int plat_write_stdout(const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      struct pollfd q = {1, POLLOUT, 0};
      poll(&q, 1, 50);
      continue;
    }
    if (w <= 0) return 0;
    p += w;
    n -= (size_t)w;
  }
  return 1;
}

_Noreturn void plat_run_engine(const char *self, const char *fallback, const buf_t *stdin_bytes, int cni) {
  // The engine beside the front: <dir of self>/hns-cni-engine. Same pid (execve): a runtime that kills the plugin
  // kills the engine.
  const char *slash = strrchr(self, '/');
  size_t dir_len = (size_t)(slash - self);
  char *engine = malloc(dir_len + sizeof "/hns-cni-engine");
  char *front_arg = malloc(strlen(self) + sizeof "--front=");
  char *fallback_arg = fallback ? malloc(strlen(fallback) + sizeof "--fallback=") : NULL;
  char **argv = malloc(sizeof(char *) * (size_t)(front_argc + 3));
  if (!engine || !front_arg || (fallback && !fallback_arg) || !argv) _exit(1);
  memcpy(engine, self, dir_len);
  strcpy(engine + dir_len, "/hns-cni-engine");
  sprintf(front_arg, "--front=%s", self);
  int k = 0;
  argv[k++] = engine;
  argv[k++] = front_arg;
  if (fallback) {
    sprintf(fallback_arg, "--fallback=%s", fallback);
    argv[k++] = fallback_arg;
  }
  for (int i = 1; i < front_argc; i++) argv[k++] = front_argv[i];
  argv[k] = NULL;
  if (stdin_bytes != NULL) {
    // The bytes already read become the engine's stdin: a memory file at offset 0.
    int fd = memfd_create("hns-cni-stdin", MFD_CLOEXEC);
    const uint8_t *p = stdin_bytes->data;
    size_t n = stdin_bytes->len;
    while (fd >= 0 && n > 0) {
      ssize_t w = write(fd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) _exit(1);
      p += w;
      n -= (size_t)w;
    }
    if (fd < 0 || lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, 0) != 0) _exit(1);
  }
  execv(engine, argv);
  int err = errno;
  if (cni) {
    // skel's shape of an error; 999 ("internal"): the installation is incomplete, not the request wrong.
    char doc[8192];
    snprintf(doc, sizeof doc, "the hns-cni engine %s cannot be started: %s", engine, strerror(err));
    buf_t out = {0};
    buf_cni_error(&out, doc);
    plat_write_stdout(out.data, out.len);
  } else {
    fprintf(stderr, "hns-cni: the engine %s cannot be started: %s\n", engine, strerror(err));
  }
  _exit(1);
}
