/* What the front needs from the operating system (platform_posix.c, platform_win.c). Strings are UTF-8. */
#ifndef HNS_FRONT_PLATFORM_H
#define HNS_FRONT_PLATFORM_H
#include <stdint.h>

#include "wire.h"

/* Value of an environment variable, NULL when unset (or not representable as UTF-8). */
const char *plat_getenv(const char *name);

/* Sets an environment variable (ASCII name and value) for the engine this process starts, unless it is set. */
void plat_default_env(const char *name, const char *value);

/* Calls fn for every variable of the process (value NULL: it has no UTF-8 form); 0 when fn stopped it. */
typedef int (*env_visitor)(void *ctx, const char *name, size_t name_len, const char *value, size_t value_len);
int plat_each_env(env_visitor fn, void *ctx);

/* The front's own absolute path (NUL-terminated in out). */
int plat_self_path(buf_t *out);

/* The data directory as src/store/data-dir.ts computes it (NUL-terminated); 0 when it is not a plain absolute
 * path (the engine reports that with its 104). */
int plat_data_dir(buf_t *out);

/* NULL when dir exists and passes the private check (src/store/private-dir.ts, src/winsec/acl.ts), else a reason
 * code. Changes nothing: a missing directory is the engine's to create. */
const char *plat_dir_private(const char *dir);

enum read_result { READ_OK, READ_MISSING, READ_ERROR };
/* The file `name` in `dir`, at most max bytes (more is READ_ERROR). */
enum read_result plat_read_file(const char *dir, const char *name, buf_t *out, size_t max);

int plat_random(uint8_t *out, size_t n);

/* Loopback TCP; every call is bounded by timeout_ms. 0 on failure. */
typedef struct plat_conn plat_conn;
plat_conn *plat_connect(int port, int timeout_ms);
int plat_send(plat_conn *c, const uint8_t *p, size_t n, int timeout_ms);
int plat_recv(plat_conn *c, uint8_t *p, size_t n, int timeout_ms);
void plat_close(plat_conn *c);

int plat_read_stdin(buf_t *out);
int plat_write_stdout(const uint8_t *p, size_t n);

/* Runs the engine beside the front as `engine --front=<self> [--fallback=<why>] <the front's arguments>` and ends
 * the process with its exit code. stdin: NULL = the front's stdin untouched, else these bytes (already read).
 * cni: whether this is a CNI invocation (decides how a missing engine is reported). Never returns. */
_Noreturn void plat_run_engine(const char *self, const char *fallback, const buf_t *stdin_bytes, int cni);

#endif
