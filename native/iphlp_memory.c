/* Memory of the IP Helper stub: reply strings from the wire (consumed inside the stub, never handed to the caller)
 * and MIB tables (handed to the caller of GetIpForwardTable2, who must give each back through FreeMibTable). Plain
 * malloc on both platforms: unlike the HCN stub, nothing here crosses into ole32, and a second IMallocSpy could not
 * be registered anyway. Every allocation and free is counted; HnsCniIphlpStubCounters reports the four counters and
 * the exit report (op 2) carries the string counts, so the server can match them against what it sent. */
#include <stdlib.h>

#include "iphlp_stub.h"

static volatile uint64_t strings_allocated = 0, strings_freed = 0, tables_allocated = 0, tables_freed = 0;

#define COUNT(counter) __atomic_add_fetch(&(counter), 1, __ATOMIC_SEQ_CST)
#define READ(counter) __atomic_load_n(&(counter), __ATOMIC_SEQ_CST)

stub_char *stub_alloc_string(const uint8_t *utf16le, uint32_t byte_len) {
  stub_char *s = malloc((size_t)byte_len + sizeof(stub_char));
  if (!s) return NULL;
  COUNT(strings_allocated);
  uint32_t units = byte_len / 2;
  for (uint32_t i = 0; i < units; i++) s[i] = (stub_char)(utf16le[2 * i] | (utf16le[2 * i + 1] << 8));
  s[units] = 0;
  return s;
}

void stub_free_string(stub_char *s) {
  if (!s) return;
  COUNT(strings_freed);
  free(s);
}

void stub_counters(uint64_t *allocations, uint64_t *frees) {
  *allocations = READ(strings_allocated);
  *frees = READ(strings_freed);
}

void *iphlp_alloc_table(size_t bytes) {
  void *p = calloc(1, bytes);
  if (p) COUNT(tables_allocated);
  return p;
}

void iphlp_free_table(void *p) {
  if (!p) return;
  COUNT(tables_freed);
  free(p);
}

/* Test hook: reply strings allocated/freed inside the stub, MIB tables allocated/freed (FreeMibTable). */
STUB_EXPORT void STUB_CALL HnsCniIphlpStubCounters(uint64_t *strings_alloc, uint64_t *strings_free,
                                                   uint64_t *tables_alloc, uint64_t *tables_free) {
  if (strings_alloc) *strings_alloc = READ(strings_allocated);
  if (strings_free) *strings_free = READ(strings_freed);
  if (tables_alloc) *tables_alloc = READ(tables_allocated);
  if (tables_free) *tables_free = READ(tables_freed);
}
