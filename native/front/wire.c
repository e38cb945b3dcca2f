/* See wire.h. Everything here is plain byte work, the same on both platforms. */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

void buf_free(buf_t *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

static int reserve(buf_t *b, size_t more) {
  if (b->failed) return 0;
  if (b->len + more <= b->cap) return 1;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more) cap *= 2;
  uint8_t *p = realloc(b->data, cap);
  if (p == NULL) {
    b->failed = 1;
    return 0;
  }
  b->data = p;
  b->cap = cap;
  return 1;
}

void buf_add(buf_t *b, const void *p, size_t n) {
  if (n == 0 || !reserve(b, n)) return;
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

void buf_str(buf_t *b, const char *s) { buf_add(b, s, strlen(s)); }

/* Length of the UTF-8 sequence at s (at most n bytes), 0 when it is not a valid, shortest-form scalar value. */
static size_t utf8_sequence(const uint8_t *s, size_t n) {
  uint8_t c = s[0];
  size_t len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07;
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3f);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
  if (cp >= 0xd800 && cp <= 0xdfff) return 0; /* a surrogate is no scalar value */
  return len;
}

int buf_json_string(buf_t *b, const char *str, size_t n) {
  static const char hexdigits[] = "0123456789abcdef";
  const uint8_t *s = (const uint8_t *)str;
  buf_add(b, "\"", 1);
  for (size_t i = 0; i < n;) {
    uint8_t c = s[i];
    const char *esc = NULL;
    switch (c) {
      case '"': esc = "\\\""; break;
      case '\\': esc = "\\\\"; break;
      case '\b': esc = "\\b"; break;
      case '\f': esc = "\\f"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\t': esc = "\\t"; break;
      default: break;
    }
    if (esc != NULL) {
      buf_str(b, esc);
      i++;
    } else if (c < 0x20) {
      char u[6] = {'\\', 'u', '0', '0', hexdigits[c >> 4], hexdigits[c & 15]};
      buf_add(b, u, 6);
      i++;
    } else {
      size_t len = utf8_sequence(s + i, n - i);
      if (len == 0) return 0;
      buf_add(b, s + i, len);
      i += len;
    }
  }
  buf_add(b, "\"", 1);
  return 1;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void buf_base64(buf_t *b, const uint8_t *p, size_t n) {
  if (!reserve(b, (n + 2) / 3 * 4)) return;
  char *o = (char *)b->data + b->len;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    *o++ = B64[v >> 18];
    *o++ = B64[v >> 12 & 63];
    *o++ = B64[v >> 6 & 63];
    *o++ = B64[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)p[i] << 16;
    *o++ = B64[v >> 18];
    *o++ = B64[v >> 12 & 63];
    *o++ = '=';
    *o++ = '=';
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
    *o++ = B64[v >> 18];
    *o++ = B64[v >> 12 & 63];
    *o++ = B64[v >> 6 & 63];
    *o++ = '=';
  }
  b->len = (size_t)((uint8_t *)o - b->data);
}

void buf_hex(buf_t *b, const uint8_t *p, size_t n) {
  static const char hexdigits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    char two[2] = {hexdigits[p[i] >> 4], hexdigits[p[i] & 15]};
    buf_add(b, two, 2);
  }
}

static int b64_value(char c) {
  const char *at = c ? strchr(B64, c) : NULL;
  return at ? (int)(at - B64) : -1;
}

int base64_decode(const char *s, size_t n, buf_t *out) {
  if (n % 4 != 0) return 0;
  for (size_t i = 0; i < n; i += 4) {
    int last = i + 4 == n;
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; k++) {
      if (last && s[i + k] == '=' && k >= 2 && (k == 3 || s[i + 3] == '=')) {
        v[k] = 0;
        pad++;
      } else if ((v[k] = b64_value(s[i + k])) < 0) {
        return 0;
      }
    }
    uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    uint8_t bytes[3] = {(uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w};
    buf_add(out, bytes, (size_t)(3 - pad));
  }
  return !out->failed;
}

int hex_decode(const char *s, size_t n, uint8_t *out) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return 0;
    if (i % 2 == 0) out[i / 2] = (uint8_t)(v << 4);
    else out[i / 2] |= (uint8_t)v;
  }
  return n % 2 == 0;
}

/* --- a strict reader of one JSON object (RFC 8259) --- */

typedef struct {
  const char *p, *end;
  int depth;
} reader;

static void skip_ws(reader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

/* A string at r->p; sets *plain when it holds no escape (its bytes are then [*s, *s + *n)). */
static int read_string(reader *r, const char **s, size_t *n, int *plain) {
  if (r->p >= r->end || *r->p != '"') return 0;
  r->p++;
  *s = r->p;
  *plain = 1;
  while (r->p < r->end && *r->p != '"') {
    unsigned char c = (unsigned char)*r->p;
    if (c < 0x20) return 0;
    if (c == '\\') {
      *plain = 0;
      r->p++;
      if (r->p >= r->end) return 0;
      if (*r->p == 'u') {
        for (int k = 1; k <= 4; k++) {
          char h = r->p + k < r->end ? r->p[k] : 0;
          if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) return 0;
        }
        r->p += 4;
      } else if (!strchr("\"\\/bfnrt", *r->p) || *r->p == 0) {
        return 0;
      }
    }
    r->p++;
  }
  if (r->p >= r->end) return 0;
  *n = (size_t)(r->p - *s);
  r->p++;
  return 1;
}

/* A number; *is_int when it is a plain integer that fits (no fraction, no exponent). */
static int read_number(reader *r, long long *value, int *is_int) {
  const char *start = r->p;
  if (r->p < r->end && *r->p == '-') r->p++;
  if (r->p >= r->end || *r->p < '0' || *r->p > '9') return 0;
  if (*r->p == '0') r->p++;
  else
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
  *is_int = 1;
  if (r->p < r->end && *r->p == '.') {
    *is_int = 0;
    r->p++;
    if (r->p >= r->end || *r->p < '0' || *r->p > '9') return 0;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
  }
  if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
    *is_int = 0;
    r->p++;
    if (r->p < r->end && (*r->p == '+' || *r->p == '-')) r->p++;
    if (r->p >= r->end || *r->p < '0' || *r->p > '9') return 0;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
  }
  if (*is_int) {
    size_t digits = (size_t)(r->p - start);
    if (digits > 15) *is_int = 0; /* beyond what we need; a double would not be exact either */
    else *value = strtoll(start, NULL, 10);
  }
  return 1;
}

static int skip_value(reader *r);

static int skip_container(reader *r, char close) {
  if (++r->depth > 64) return 0;
  r->p++;
  skip_ws(r);
  if (r->p < r->end && *r->p == close) {
    r->p++;
    r->depth--;
    return 1;
  }
  for (;;) {
    if (close == '}') {
      const char *s;
      size_t n;
      int plain;
      skip_ws(r);
      if (!read_string(r, &s, &n, &plain)) return 0;
      skip_ws(r);
      if (r->p >= r->end || *r->p != ':') return 0;
      r->p++;
    }
    if (!skip_value(r)) return 0;
    skip_ws(r);
    if (r->p < r->end && *r->p == ',') {
      r->p++;
      continue;
    }
    if (r->p < r->end && *r->p == close) {
      r->p++;
      r->depth--;
      return 1;
    }
    return 0;
  }
}

static int literal(reader *r, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) return 0;
  r->p += n;
  return 1;
}

static int skip_value(reader *r) {
  skip_ws(r);
  if (r->p >= r->end) return 0;
  const char *s;
  size_t n;
  int plain, is_int;
  long long v;
  switch (*r->p) {
    case '{': return skip_container(r, '}');
    case '[': return skip_container(r, ']');
    case '"': return read_string(r, &s, &n, &plain);
    case 't': return literal(r, "true");
    case 'f': return literal(r, "false");
    case 'n': return literal(r, "null");
    default: return read_number(r, &v, &is_int);
  }
}

int json_read_object(const char *text, size_t n, json_field *fields, size_t count) {
  reader r = {text, text + n, 0};
  for (size_t i = 0; i < count; i++) fields[i].kind = JSON_ABSENT;
  skip_ws(&r);
  if (r.p >= r.end || *r.p != '{') return 0;
  r.p++;
  skip_ws(&r);
  int first = 1;
  while (!(r.p < r.end && *r.p == '}')) {
    if (!first) {
      if (r.p >= r.end || *r.p != ',') return 0;
      r.p++;
      skip_ws(&r);
    }
    first = 0;
    const char *key;
    size_t key_len;
    int key_plain;
    if (!read_string(&r, &key, &key_len, &key_plain)) return 0;
    skip_ws(&r);
    if (r.p >= r.end || *r.p != ':') return 0;
    r.p++;
    skip_ws(&r);
    json_field *f = NULL;
    for (size_t i = 0; key_plain && i < count; i++) {
      if (strlen(fields[i].name) == key_len && memcmp(fields[i].name, key, key_len) == 0) f = &fields[i];
    }
    const char *at = r.p;
    if (f != NULL && at < r.end && *at == '"') {
      int plain;
      if (!read_string(&r, &f->str, &f->str_len, &plain)) return 0;
      f->kind = plain ? JSON_STRING : JSON_OTHER;
    } else if (f != NULL && at < r.end && (*at == '-' || (*at >= '0' && *at <= '9'))) {
      int is_int;
      if (!read_number(&r, &f->num, &is_int)) return 0;
      f->kind = is_int ? JSON_INT : JSON_OTHER;
    } else {
      if (!skip_value(&r)) return 0;
      if (f != NULL) f->kind = JSON_OTHER;
    }
    skip_ws(&r);
  }
  r.p++;
  skip_ws(&r);
  return r.p == r.end;
}

void buf_cni_error(buf_t *b, const char *msg) {
  buf_str(b, "{\"cniVersion\":\"1.1.0\",\"code\":999,\"msg\":");
  if (!buf_json_string(b, msg, strlen(msg))) buf_str(b, "\"the hns-cni engine cannot be started\"");
  buf_str(b, ",\"details\":\"\"}\n");
}
