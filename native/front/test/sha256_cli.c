/* Test-only entry point for the front's SHA-256 / HMAC (never part of the product): each stdin line is
 *   "- <message hex>"            -> SHA-256 of the message, hex
 *   "<key hex> <message hex>"    -> HMAC-SHA256(key, message), hex
 *   "million-a"                  -> SHA-256 of 1,000,000 'a' (FIPS 180-2 appendix B.3), hashed in 1000 pieces
 * one answer per line on stdout. test/unit/native/front-sha256.test.ts drives it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "wire.h"

static void print_hex(const uint8_t d[32]) {
  for (int i = 0; i < 32; i++) printf("%02x", d[i]);
  printf("\n");
}

int main(void) {
  static char line[1 << 20];
  while (fgets(line, sizeof line, stdin) != NULL) {
    line[strcspn(line, "\r\n")] = 0;
    uint8_t digest[32];
    if (strcmp(line, "million-a") == 0) {
      char piece[1000];
      memset(piece, 'a', sizeof piece);
      sha256_ctx c;
      sha256_init(&c);
      for (int i = 0; i < 1000; i++) sha256_update(&c, piece, sizeof piece);
      sha256_final(&c, digest);
      print_hex(digest);
      continue;
    }
    char *space = strchr(line, ' ');
    if (space == NULL) return 2;
    *space = 0;
    const char *key_hex = line, *msg_hex = space + 1;
    size_t msg_len = strlen(msg_hex) / 2, key_len = strlen(key_hex) / 2;
    uint8_t *msg = malloc(msg_len + 1), *key = malloc(key_len + 1);
    if (!msg || !key || !hex_decode(msg_hex, 2 * msg_len, msg)) return 2;
    if (strcmp(key_hex, "-") == 0) {
      sha256_ctx c;
      sha256_init(&c);
      sha256_update(&c, msg, msg_len);
      sha256_final(&c, digest);
    } else {
      if (!hex_decode(key_hex, 2 * key_len, key)) return 2;
      const void *parts[] = {msg};
      size_t lens[] = {msg_len};
      hmac_sha256(key, key_len, parts, lens, 1, digest);
    }
    print_hex(digest);
    free(msg);
    free(key);
  }
  return 0;
}
