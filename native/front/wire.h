/* The front's side of the agent wire (src/agent-link/frames.ts, handshake.ts, endpoint-file.ts): a growable byte
 * buffer, JSON string escaping as JSON.stringify does it, base64, and a strict reader for the flat JSON objects the
 * agent and its endpoint file use. */
#ifndef HNS_FRONT_WIRE_H
#define HNS_FRONT_WIRE_H
#include <stddef.h>
#include <stdint.h>

/** The agent's frame limit (frames.ts MAX_FRAME). */
#define WIRE_MAX_FRAME (1024u * 1024u)

typedef struct {
  uint8_t *data;
  size_t len, cap;
  int failed; /* an allocation failed: the content is incomplete */
} buf_t;

void buf_free(buf_t *b);
void buf_add(buf_t *b, const void *p, size_t n);
void buf_str(buf_t *b, const char *s);
/* Appends `s` (n bytes of UTF-8) as a JSON string literal, escaped exactly as JSON.stringify does. 0 when s is not
 * valid UTF-8 (Node would have read it as U+FFFD: the front would send another value than the process has). */
int buf_json_string(buf_t *b, const char *s, size_t n);
void buf_base64(buf_t *b, const uint8_t *p, size_t n);
void buf_hex(buf_t *b, const uint8_t *p, size_t n);

/* Strict base64 (RFC 4648, padded, as Buffer.toString('base64') writes it) into out; 0 on any odd byte. */
int base64_decode(const char *s, size_t n, buf_t *out);
/* n hex digits (lower case) into n/2 bytes; 0 unless all are [0-9a-f]. */
int hex_decode(const char *s, size_t n, uint8_t *out);

/* One member of a flat JSON object: strings without escapes and integers only are kept; other values are skipped
 * (present = 1, kind = JSON_OTHER). The text must be a single object; duplicates: the last wins (JSON.parse). */
enum json_kind { JSON_ABSENT, JSON_STRING, JSON_INT, JSON_OTHER };
typedef struct {
  const char *name;
  enum json_kind kind;
  const char *str; /* JSON_STRING: points into the text, not terminated */
  size_t str_len;
  long long num; /* JSON_INT */
} json_field;

/* Fills the fields named in `fields` from the object in text[0..n). 0 when the text is not one JSON object. */
int json_read_object(const char *text, size_t n, json_field *fields, size_t count);

/* The CNI error document {cniVersion, code: 999, msg, details} + "\n" (src/cni/error-reply.ts), for the one error
 * the front reports itself: the engine beside it cannot be started (the installation is incomplete). */
void buf_cni_error(buf_t *b, const char *msg);

#endif
