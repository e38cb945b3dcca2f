/* Internal interface of the IP Helper stub (iphlp_stub.c, iphlp_memory.c; the transport is stub_wire.c). */
#ifndef HNS_CNI_IPHLP_STUB_H
#define HNS_CNI_IPHLP_STUB_H

#include "iphlp_types.h"
#include "stub.h"

void *iphlp_alloc_table(size_t bytes);
void iphlp_free_table(void *p);

#endif
