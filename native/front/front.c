/* hns-cni's front (docs/agent-server.md, "The native front"): the executable the container runtime runs. It answers
 * VERSION itself, offers any other CNI verb to the node agent's CNI server exactly as src/agent-link/front.ts does
 * (protocol hns-cni-agent/2), and otherwise starts the engine beside it (the Node executable, hns-cni-engine) with
 * --front=<self> and, for a verb, --fallback=<reason>. It writes nothing but the CNI reply to stdout and keeps no
 * log: the engine logs the reason it is given. */
#include <stdlib.h>
#include <string.h>

#include "front_versions.h" /* generated from src/cni/versions.ts at build time */
#include "platform.h"
#include "sha256.h"
#include "wire.h"

#define PROTOCOL "hns-cni-agent/2"
#define HANDSHAKE_MS 5000           /* handshake.ts HANDSHAKE_MS, per step */
#define VERB_CAP_MS (10 * 60 * 1000) /* front.ts VERB_CAP_MS: only bounds a hung agent */
#define NONCE_BYTES 32
#define ENDPOINT_FILE "agent-cni.json"
#define AGENT_THREADPOOL_SIZE "64" /* the node agent's libuv pool: a burst of 30 pods and room to spare */

typedef struct {
  const char *self;
  int have_stdin; /* stdin was read into `input`: a fallback hands these bytes to the engine */
  buf_t input;
} front;

static _Noreturn void fall_back(front *f, const char *why) {
  plat_run_engine(f->self, why, f->have_stdin ? &f->input : NULL, 1);
}

/* forwarded-env.ts: which variables travel per request, and which the agent compares with its own. */
static int is_per_request(const char *n, size_t len) {
  static const char *const names[] = {"KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",
                                      "CONTAINER_SANDBOX_MOUNT_POINT"};
  if (len >= 4 && memcmp(n, "CNI_", 4) == 0) return 1;
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    if (strlen(names[i]) == len && memcmp(n, names[i], len) == 0) return 1;
  }
  return 0;
}

static int is_compared(const char *n, size_t len) {
  if (len >= 8 && memcmp(n, "HNS_CNI_", 8) == 0) return 1;
  return (len == 11 && memcmp(n, "ProgramData", 11) == 0) || (len == 6 && memcmp(n, "TMPDIR", 6) == 0);
}

typedef struct {
  buf_t *out;
  int (*wanted)(const char *, size_t);
  int first;
  int bad; /* a wanted variable is not valid UTF-8 */
} env_pick;

static int pick_variable(void *ctx, const char *name, size_t name_len, const char *value, size_t value_len) {
  env_pick *p = ctx;
  if (!p->wanted(name, name_len)) return 1;
  if (value == NULL) { /* Windows: an unpaired surrogate, which no JSON string of ours could carry */
    p->bad = 1;
    return 0;
  }
  if (!p->first) buf_add(p->out, ",", 1);
  p->first = 0;
  if (!buf_json_string(p->out, name, name_len) || (buf_add(p->out, ":", 1), 0) ||
      !buf_json_string(p->out, value, value_len)) {
    p->bad = 1;
    return 0;
  }
  return 1;
}

static int add_variables(buf_t *out, int (*wanted)(const char *, size_t)) {
  env_pick p = {out, wanted, 1, 0};
  buf_add(out, "{", 1);
  if (!plat_each_env(pick_variable, &p) || p.bad) return 0;
  buf_add(out, "}", 1);
  return 1;
}

/* HMAC-SHA256(secret, PROTOCOL \0 role \0 frontNonce \0 serverNonce) (handshake.ts proof). */
static void make_proof(const uint8_t secret[32], const char *role, const char *front_nonce, const char *server_nonce,
                       uint8_t out[32]) {
  const void *parts[] = {PROTOCOL, "", role, "", front_nonce, "", server_nonce};
  size_t lens[] = {strlen(PROTOCOL), 1, strlen(role), 1, 2 * NONCE_BYTES, 1, 2 * NONCE_BYTES};
  hmac_sha256(secret, 32, parts, lens, 7, out);
}

static int send_frame(plat_conn *c, const buf_t *body, int timeout_ms) {
  if (body->failed || body->len == 0 || body->len > WIRE_MAX_FRAME) return 0;
  uint8_t head[4] = {(uint8_t)(body->len >> 24), (uint8_t)(body->len >> 16), (uint8_t)(body->len >> 8),
                     (uint8_t)body->len};
  return plat_send(c, head, 4, timeout_ms) && plat_send(c, body->data, body->len, timeout_ms);
}

static int recv_frame(plat_conn *c, buf_t *body, int timeout_ms) {
  uint8_t head[4];
  if (!plat_recv(c, head, 4, timeout_ms)) return 0;
  uint32_t len = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
  if (len == 0 || len > WIRE_MAX_FRAME) return 0;
  uint8_t *p = malloc(len);
  if (p == NULL || !plat_recv(c, p, len, timeout_ms)) {
    free(p);
    return 0;
  }
  buf_free(body);
  body->data = p;
  body->len = body->cap = len;
  body->failed = 0;
  return 1;
}

static int is_hex(const char *s, size_t n, size_t want) {
  uint8_t scratch[64];
  return n == want && want <= 2 * sizeof scratch && hex_decode(s, n, scratch);
}

/* The agent's endpoint file, strictly (endpoint-file.ts readEndpoint). */
static const char *read_endpoint(const char *dir, int *port, uint8_t secret[32]) {
  buf_t text = {0};
  enum read_result r = plat_read_file(dir, ENDPOINT_FILE, &text, 4096);
  if (r == READ_MISSING) return "no-endpoint-file";
  if (r == READ_ERROR) return "endpoint-unreadable";
  json_field f[] = {{.name = "port"}, {.name = "pid"}, {.name = "secret"}};
  int ok = json_read_object((const char *)text.data, text.len, f, 3) && f[0].kind == JSON_INT &&
           f[0].num > 0 && f[0].num < 65536 && f[1].kind == JSON_INT && f[2].kind == JSON_STRING &&
           f[2].str_len == 64 && hex_decode(f[2].str, 64, secret);
  if (ok) *port = (int)f[0].num;
  buf_free(&text);
  return ok ? NULL : "endpoint-malformed";
}

/* Offers the verb to the agent; returns only when the agent answered (the process then exits with its code). */
static int offer(front *f) {
  buf_t dir = {0};
  if (!plat_data_dir(&dir)) fall_back(f, "data-dir-path");
  const char *why = plat_dir_private((const char *)dir.data);
  if (why != NULL) fall_back(f, why);
  int port = 0;
  uint8_t secret[32];
  why = read_endpoint((const char *)dir.data, &port, secret);
  if (why != NULL) fall_back(f, why);
  plat_conn *c = plat_connect(port, HANDSHAKE_MS);
  if (c == NULL) fall_back(f, "unreachable");

  uint8_t raw[NONCE_BYTES];
  if (!plat_random(raw, sizeof raw)) fall_back(f, "no-randomness");
  char front_nonce[2 * NONCE_BYTES + 1];
  buf_t msg = {0};
  buf_hex(&msg, raw, sizeof raw);
  memcpy(front_nonce, msg.data, 2 * NONCE_BYTES);
  front_nonce[2 * NONCE_BYTES] = 0;
  msg.len = 0;
  buf_str(&msg, "{\"t\":\"hello\",\"protocol\":\"" PROTOCOL "\",\"nonce\":\"");
  buf_str(&msg, front_nonce);
  buf_str(&msg, "\"}");
  if (!send_frame(c, &msg, HANDSHAKE_MS)) fall_back(f, "unreachable");

  // The server proves the secret first: a squatter on the port learns no byte of the request.
  if (!recv_frame(c, &msg, HANDSHAKE_MS)) fall_back(f, "bad-challenge");
  json_field ch[] = {{.name = "t"}, {.name = "nonce"}, {.name = "proof"}};
  if (!json_read_object((const char *)msg.data, msg.len, ch, 3) || ch[0].kind != JSON_STRING ||
      ch[0].str_len != 9 || memcmp(ch[0].str, "challenge", 9) != 0 || ch[1].kind != JSON_STRING ||
      !is_hex(ch[1].str, ch[1].str_len, 2 * NONCE_BYTES) || memcmp(ch[1].str, front_nonce, 2 * NONCE_BYTES) == 0) {
    fall_back(f, "bad-challenge");
  }
  char server_nonce[2 * NONCE_BYTES + 1];
  memcpy(server_nonce, ch[1].str, 2 * NONCE_BYTES);
  server_nonce[2 * NONCE_BYTES] = 0;
  uint8_t expected[32], claimed[32];
  make_proof(secret, "server", front_nonce, server_nonce, expected);
  if (ch[2].kind != JSON_STRING || ch[2].str_len != 64 || !hex_decode(ch[2].str, 64, claimed) ||
      !equal_constant_time(claimed, expected, 32)) {
    fall_back(f, "bad-proof");
  }

  if (!plat_read_stdin(&f->input)) fall_back(f, "stdin-unreadable");
  f->have_stdin = 1;
  uint8_t mine[32];
  make_proof(secret, "front", front_nonce, server_nonce, mine);
  msg.len = 0;
  buf_str(&msg, "{\"t\":\"request\",\"proof\":\"");
  buf_hex(&msg, mine, 32);
  buf_str(&msg, "\",\"cni\":");
  if (!add_variables(&msg, is_per_request)) fall_back(f, "env-not-utf8");
  buf_str(&msg, ",\"compared\":");
  if (!add_variables(&msg, is_compared)) fall_back(f, "env-not-utf8");
  buf_str(&msg, ",\"execPath\":");
  if (!buf_json_string(&msg, f->self, strlen(f->self))) fall_back(f, "path-not-utf8");
  buf_str(&msg, ",\"stdin\":\"");
  buf_base64(&msg, f->input.data, f->input.len);
  buf_str(&msg, "\"}");
  if (msg.failed || msg.len > WIRE_MAX_FRAME) fall_back(f, "too-large");
  // From here a lost connection may mean the agent died mid-verb: running it here is safe (lock takeover, rollback).
  if (!send_frame(c, &msg, HANDSHAKE_MS)) fall_back(f, "dropped");
  if (!recv_frame(c, &msg, VERB_CAP_MS)) fall_back(f, "dropped");
  plat_close(c);

  json_field re[] = {{.name = "t"}, {.name = "code"}, {.name = "out"}};
  if (!json_read_object((const char *)msg.data, msg.len, re, 3) || re[0].kind != JSON_STRING) {
    fall_back(f, "bad-reply");
  }
  if (re[0].str_len == 7 && memcmp(re[0].str, "refused", 7) == 0) fall_back(f, "refused");
  buf_t out = {0};
  if (re[0].str_len != 5 || memcmp(re[0].str, "reply", 5) != 0 || re[1].kind != JSON_INT ||
      re[1].num < 0 || re[1].num > 255 || re[2].kind != JSON_STRING || !base64_decode(re[2].str, re[2].str_len, &out)) {
    fall_back(f, "bad-reply");
  }
  if (!plat_write_stdout(out.data, out.len)) return 1;
  return (int)re[1].num;
}

int main(int argc, char **argv) {
  buf_t self = {0};
  if (!plat_self_path(&self)) return 1; /* cannot happen short of a broken system; nothing to start */
  front f = {.self = (const char *)self.data};
  if (argc > 1) {
    // A command for people: the engine's. The node agent serves many pods at once and each of their HNS calls holds
    // one of libuv's worker threads for its whole duration (koffi's async calls), as do its file operations: with
    // libuv's default of 4, a burst of pods queues behind four calls that wait on HNS. libuv reads the size from the
    // environment when it starts its pool, and on Windows only from the environment the process started with.
    if (strcmp(argv[1], "node") == 0) plat_default_env("UV_THREADPOOL_SIZE", AGENT_THREADPOOL_SIZE);
    plat_run_engine(f.self, NULL, NULL, 0);
  }
  const char *verb = plat_getenv("CNI_COMMAND");
  if (verb != NULL && strcmp(verb, "VERSION") == 0) {
    // runCni answers VERSION before reading stdin or anything else of the environment.
    return plat_write_stdout((const uint8_t *)FRONT_VERSION_REPLY, strlen(FRONT_VERSION_REPLY)) ? 0 : 1;
  }
  if (verb == NULL || *verb == 0) fall_back(&f, "no-verb"); /* the engine describes itself on stderr */
  const char *agent = plat_getenv("HNS_CNI_AGENT");
  if (agent != NULL && strcmp(agent, "off") == 0) fall_back(&f, "agent-off");
  return offer(&f);
}
