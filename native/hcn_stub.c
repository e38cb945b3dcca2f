/* A stand-in for computenetwork.dll (every Hcn* function hcsshim binds: networks, endpoints, namespaces, load
 * balancers, SDN routes) and for the parts of vmcompute.dll HNS clients use (HNSCall, and the HCS compute-system
 * calls a v1 plugin's hot attach makes): every export forwards its call to
 * `hns-cni sim serve` (PROTOCOL.md) and hands back the HRESULT, handle and out-strings exactly as HNS would:
 * out-strings from CoTaskMemAlloc, an ErrorRecord only when the server reports one and the caller asked for it,
 * out-pointers set to NULL first (COM _Outptr_ rules), out-handles untouched on failure.
 *
 * Build variants: -DHNS_STUB_PARTIAL leaves out the namespace functions, to test that a missing export (an older
 * Windows build) is an error at call time and not at load. */
#include "stub.h"

#include <stdlib.h>

typedef void *HCN_HANDLE;
typedef struct {
  uint32_t Data1;
  uint16_t Data2, Data3;
  uint8_t Data4[8];
} STUB_GUID;

#define FAILED_HR(hr) ((hr) < 0)

static void clear(stub_char **out) {
  if (out) *out = NULL;
}

/* Runs one call and distributes the reply over the caller's out-parameters. */
static HRESULT forward(const char *fn, HCN_HANDLE in_handle, const STUB_GUID *id, const stub_char *s1,
                       const stub_char *s2, const stub_char *s3, HCN_HANDLE *out_handle, stub_char **out_string,
                       stub_char **error_record) {
  clear(out_string);
  clear(error_record);
  stub_request req = {fn, (uint64_t)(uintptr_t)in_handle, id, s1, s2, s3, error_record != NULL};
  stub_reply reply;
  HRESULT hr = stub_call(&req, &reply);
  if (out_handle && !FAILED_HR(hr)) *out_handle = (HCN_HANDLE)(uintptr_t)reply.handle;
  if (out_string)
    *out_string = reply.output;
  else
    stub_free_string(reply.output); /* nowhere to put it: never leak it */
  if (error_record) *error_record = reply.error_record;
  return hr;
}

#define EXPORT_ENUMERATE(name)                                                                                          \
  STUB_EXPORT HRESULT STUB_CALL name(const stub_char *query, stub_char **result, stub_char **error_record) {   \
    return forward(#name, NULL, NULL, query, NULL, NULL, NULL, result, error_record);                           \
  }
#define EXPORT_CREATE(name)                                                                                             \
  STUB_EXPORT HRESULT STUB_CALL name(const STUB_GUID *id, const stub_char *settings, HCN_HANDLE *handle,       \
                                     stub_char **error_record) {                                                \
    return forward(#name, NULL, id, settings, NULL, NULL, handle, NULL, error_record);                          \
  }
#define EXPORT_OPEN(name)                                                                                               \
  STUB_EXPORT HRESULT STUB_CALL name(const STUB_GUID *id, HCN_HANDLE *handle, stub_char **error_record) {      \
    return forward(#name, NULL, id, NULL, NULL, NULL, handle, NULL, error_record);                              \
  }
#define EXPORT_MODIFY(name)                                                                                             \
  STUB_EXPORT HRESULT STUB_CALL name(HCN_HANDLE handle, const stub_char *settings, stub_char **error_record) {  \
    return forward(#name, handle, NULL, settings, NULL, NULL, NULL, NULL, error_record);                        \
  }
#define EXPORT_QUERY(name)                                                                                              \
  STUB_EXPORT HRESULT STUB_CALL name(HCN_HANDLE handle, const stub_char *query, stub_char **properties,         \
                                     stub_char **error_record) {                                                \
    return forward(#name, handle, NULL, query, NULL, NULL, NULL, properties, error_record);                     \
  }
#define EXPORT_DELETE(name)                                                                                             \
  STUB_EXPORT HRESULT STUB_CALL name(const STUB_GUID *id, stub_char **error_record) {                          \
    return forward(#name, NULL, id, NULL, NULL, NULL, NULL, NULL, error_record);                                \
  }
#define EXPORT_CLOSE(name)                                                                                              \
  STUB_EXPORT HRESULT STUB_CALL name(HCN_HANDLE handle) {                                                       \
    return forward(#name, handle, NULL, NULL, NULL, NULL, NULL, NULL, NULL);                                    \
  }

EXPORT_ENUMERATE(HcnEnumerateNetworks)
EXPORT_CREATE(HcnCreateNetwork)
EXPORT_OPEN(HcnOpenNetwork)
EXPORT_MODIFY(HcnModifyNetwork)
EXPORT_QUERY(HcnQueryNetworkProperties)
EXPORT_DELETE(HcnDeleteNetwork)
EXPORT_CLOSE(HcnCloseNetwork)

EXPORT_ENUMERATE(HcnEnumerateEndpoints)
EXPORT_OPEN(HcnOpenEndpoint)
EXPORT_MODIFY(HcnModifyEndpoint)
EXPORT_QUERY(HcnQueryEndpointProperties)
EXPORT_DELETE(HcnDeleteEndpoint)
EXPORT_CLOSE(HcnCloseEndpoint)

/* The only create with an in-handle: the network the endpoint joins. */
STUB_EXPORT HRESULT STUB_CALL HcnCreateEndpoint(HCN_HANDLE network, const STUB_GUID *id, const stub_char *settings,
                                                HCN_HANDLE *endpoint, stub_char **error_record) {
  return forward("HcnCreateEndpoint", network, id, settings, NULL, NULL, endpoint, NULL, error_record);
}

EXPORT_ENUMERATE(HcnEnumerateLoadBalancers)
EXPORT_CREATE(HcnCreateLoadBalancer)
EXPORT_OPEN(HcnOpenLoadBalancer)
EXPORT_MODIFY(HcnModifyLoadBalancer)
EXPORT_QUERY(HcnQueryLoadBalancerProperties)
EXPORT_DELETE(HcnDeleteLoadBalancer)
EXPORT_CLOSE(HcnCloseLoadBalancer)

EXPORT_ENUMERATE(HcnEnumerateSdnRoutes)
EXPORT_CREATE(HcnCreateSdnRoute)
EXPORT_OPEN(HcnOpenSdnRoute)
EXPORT_MODIFY(HcnModifySdnRoute)
EXPORT_QUERY(HcnQuerySdnRouteProperties)
EXPORT_DELETE(HcnDeleteSdnRoute)
EXPORT_CLOSE(HcnCloseSdnRoute)

#ifndef HNS_STUB_PARTIAL
EXPORT_ENUMERATE(HcnEnumerateNamespaces)
EXPORT_CREATE(HcnCreateNamespace)
EXPORT_OPEN(HcnOpenNamespace)
EXPORT_MODIFY(HcnModifyNamespace)
EXPORT_QUERY(HcnQueryNamespaceProperties)
EXPORT_DELETE(HcnDeleteNamespace)
EXPORT_CLOSE(HcnCloseNamespace)
#endif

/* vmcompute.dll!HNSCall: the v1 entry point (hns-api.md §2). No ErrorRecord: failures come as an HRESULT or as
 * `Success:false` inside the response. */
STUB_EXPORT HRESULT STUB_CALL HNSCall(const stub_char *method, const stub_char *path, const stub_char *request,
                                      stub_char **response) {
  return forward("HNSCall", NULL, NULL, method, path, request, NULL, response, NULL);
}

/* ---- vmcompute.dll!Hcs*: the compute-system calls hcsshim's HotAttachEndpoint makes (open, properties, modify
 * Network Add/Remove, callback registration, close). HCS "result" documents travel in the ErrorRecord slot. On
 * Windows they are exported under HnsCniStub* names and vmcompute.def forwards the real names to them, so one
 * connection and one set of counters serve both DLLs; the Linux library exports the real names. ------------------ */
#ifdef _WIN32
#define HCS_NAME(name) HnsCniStub##name
#else
#define HCS_NAME(name) name
#endif
typedef void *HCS_SYSTEM;
typedef void *HCS_CALLBACK;

STUB_EXPORT HRESULT STUB_CALL HCS_NAME(HcsOpenComputeSystem)(const stub_char *id, HCS_SYSTEM *system,
                                                             stub_char **result) {
  return forward("HcsOpenComputeSystem", NULL, NULL, id, NULL, NULL, system, NULL, result);
}
STUB_EXPORT HRESULT STUB_CALL HCS_NAME(HcsCloseComputeSystem)(HCS_SYSTEM system) {
  return forward("HcsCloseComputeSystem", system, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
}
STUB_EXPORT HRESULT STUB_CALL HCS_NAME(HcsGetComputeSystemProperties)(HCS_SYSTEM system, const stub_char *query,
                                                                      stub_char **properties, stub_char **result) {
  return forward("HcsGetComputeSystemProperties", system, NULL, query, NULL, NULL, NULL, properties, result);
}
STUB_EXPORT HRESULT STUB_CALL HCS_NAME(HcsModifyComputeSystem)(HCS_SYSTEM system, const stub_char *configuration,
                                                               stub_char **result) {
  return forward("HcsModifyComputeSystem", system, NULL, configuration, NULL, NULL, NULL, NULL, result);
}
/* The callback is recorded by the server as a handle and never invoked: the simulator raises no notifications. */
STUB_EXPORT HRESULT STUB_CALL HCS_NAME(HcsRegisterComputeSystemCallback)(HCS_SYSTEM system, void *callback,
                                                                         void *context, HCS_CALLBACK *handle) {
  (void)callback;
  (void)context;
  return forward("HcsRegisterComputeSystemCallback", system, NULL, NULL, NULL, NULL, handle, NULL, NULL);
}
STUB_EXPORT HRESULT STUB_CALL HCS_NAME(HcsUnregisterComputeSystemCallback)(HCS_CALLBACK handle) {
  return forward("HcsUnregisterComputeSystemCallback", handle, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
}

/* ---- process exit: report the allocation counters (op 2) so the server can sum them across processes ------- */

static void report_at_exit(void) {
  uint64_t a, f;
  stub_counters(&a, &f);
  stub_send_free_report(a, f); /* only if this process talked to the server or allocated */
}

#ifdef _WIN32
BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {
  (void)instance;
  (void)reserved; /* process exit or FreeLibrary: either way the counters are final now */
  if (reason == DLL_PROCESS_DETACH) report_at_exit();
  return TRUE;
}
#else
__attribute__((destructor)) static void stub_unload(void) { report_at_exit(); }
#endif
