/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104): the agent handshake's proofs (src/agent-link/handshake.ts). */
#ifndef HNS_FRONT_SHA256_H
#define HNS_FRONT_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t h[8];
  uint64_t length; /* bytes hashed so far */
  uint8_t block[64];
  size_t used; /* bytes pending in block */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t n);
void sha256_final(sha256_ctx *c, uint8_t out[32]);

/* HMAC-SHA256 over the concatenation of `parts` (count of them, each with its length). */
void hmac_sha256(const uint8_t *key, size_t key_len, const void *const *parts, const size_t *lens, size_t count,
                 uint8_t out[32]);

/* 1 when the n bytes are equal; the time taken does not depend on where they differ. */
int equal_constant_time(const uint8_t *a, const uint8_t *b, size_t n);

#endif
