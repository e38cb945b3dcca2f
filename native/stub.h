/* Internal interface between the parts of the HCN stub (see PROTOCOL.md). Not installed, not exported. */
#ifndef HNS_CNI_STUB_H
#define HNS_CNI_STUB_H

#include <stddef.h>
#include <stdint.h>

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#define STUB_EXPORT __declspec(dllexport)
#define STUB_CALL WINAPI
#else
#define STUB_EXPORT __attribute__((visibility("default")))
#define STUB_CALL
typedef int32_t HRESULT;
#endif

/* UTF-16 code unit. Not wchar_t: that is 32-bit on Linux, and the ABI is UTF-16 everywhere. */
typedef uint16_t stub_char;

/* HRESULTs the transport reports itself, the way the RPC layer under computenetwork.dll would. */
#define STUB_E_SERVER_UNAVAILABLE ((HRESULT)0x800706BA) /* RPC_S_SERVER_UNAVAILABLE: cannot connect */
#define STUB_E_CALL_FAILED ((HRESULT)0x800706BE)        /* RPC_S_CALL_FAILED: connection lost mid-call */
#define STUB_E_NO_SERVICE ((HRESULT)0x80070424)         /* ERROR_SERVICE_DOES_NOT_EXIST: no HNS_CNI_STUB_ADDR */
#define STUB_E_OUTOFMEMORY ((HRESULT)0x8007000E)

/* One call as it travels to the server. NULL strings travel as NULL (length 0xFFFFFFFF). */
typedef struct {
  const char *fn;
  uint64_t handle;
  const void *guid; /* 16 bytes or NULL */
  const stub_char *s1, *s2, *s3;
  int want_error_record;
} stub_request;

/* The reply, with out-strings already copied into CoTaskMemAlloc buffers (owned by the caller of stub_call). */
typedef struct {
  HRESULT hr;
  uint64_t handle;
  stub_char *output;
  stub_char *error_record;
} stub_reply;

/* Sends one call and waits for its reply. Serialised across threads; connects on first use. */
HRESULT stub_call(const stub_request *req, stub_reply *reply);

/* Best-effort op-2 free report; called once at process exit. */
void stub_send_free_report(uint64_t allocations, uint64_t frees);

/* Out-string allocation: CoTaskMemAlloc (counted). Returns NULL on allocation failure. */
stub_char *stub_alloc_string(const uint8_t *utf16le, uint32_t byte_len);
void stub_free_string(stub_char *s);
void stub_counters(uint64_t *allocations, uint64_t *frees);

#endif
