/* Out-string memory and its counters. Every out-string the stub returns comes from CoTaskMemAlloc, as HNS's do, and
 * the caller must give each one back with CoTaskMemFree. The counters prove it: allocations == frees after a run.
 *
 * Linux: there is no ole32, so the stub exports its own malloc-based CoTaskMemAlloc/CoTaskMemFree and counts both.
 * Windows: the blocks come from ole32 and go back through ole32!CoTaskMemFree, which the stub cannot see; an
 * IMallocSpy (registered on the first allocation) watches the task allocator and counts the frees of the blocks this
 * stub handed out. If another spy is already registered, frees are not tracked (HnsCniStubCounters says so). */
#include "stub.h"

#include <stdlib.h>
#include <string.h>

static volatile uint64_t allocations = 0;
static volatile uint64_t frees = 0;

#define COUNT(counter) __atomic_add_fetch(&(counter), 1, __ATOMIC_SEQ_CST)
#define READ(counter) __atomic_load_n(&(counter), __ATOMIC_SEQ_CST)

#ifndef _WIN32

STUB_EXPORT void *STUB_CALL CoTaskMemAlloc(size_t cb) {
  void *p = malloc(cb ? cb : 1);
  if (p) COUNT(allocations);
  return p;
}

STUB_EXPORT void STUB_CALL CoTaskMemFree(void *pv) {
  if (!pv) return;
  COUNT(frees);
  free(pv);
}

static int frees_tracked(void) { return 1; }

#else /* _WIN32 */

#include <objbase.h>

/* The blocks handed out and not yet freed: a small open-addressing set (few strings are ever live at once). */
#define TRACK_SLOTS 4096
static void *tracked[TRACK_SLOTS];
static SRWLOCK track_lock = SRWLOCK_INIT;
static LONG spy_state = 0; /* 0 = not tried, 1 = registered, 2 = registration failed */

static size_t slot_of(void *p) { return ((uintptr_t)p >> 4) % TRACK_SLOTS; }

static void track(void *p) {
  AcquireSRWLockExclusive(&track_lock);
  for (size_t i = 0, s = slot_of(p); i < TRACK_SLOTS; i++, s = (s + 1) % TRACK_SLOTS) {
    if (tracked[s] == NULL || tracked[s] == (void *)1) {
      tracked[s] = p;
      break;
    }
  }
  ReleaseSRWLockExclusive(&track_lock);
}

/* Removes p if it is one of ours; returns whether it was. Freed slots become tombstones ((void *)1). */
static int untrack(void *p) {
  int found = 0;
  AcquireSRWLockExclusive(&track_lock);
  for (size_t i = 0, s = slot_of(p); i < TRACK_SLOTS && tracked[s] != NULL; i++, s = (s + 1) % TRACK_SLOTS) {
    if (tracked[s] == p) {
      tracked[s] = (void *)1;
      found = 1;
      break;
    }
  }
  ReleaseSRWLockExclusive(&track_lock);
  return found;
}

/* IMallocSpy in plain C: a static object with a static vtable; AddRef/Release are no-ops (it lives forever). */
static HRESULT STDMETHODCALLTYPE spy_query(IMallocSpy *self, REFIID riid, void **out) {
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IMallocSpy)) {
    *out = self;
    return S_OK;
  }
  *out = NULL;
  return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE spy_addref(IMallocSpy *self) { return (void)self, 2; }
static ULONG STDMETHODCALLTYPE spy_release(IMallocSpy *self) { return (void)self, 1; }
static SIZE_T STDMETHODCALLTYPE spy_pre_alloc(IMallocSpy *self, SIZE_T cb) { return (void)self, cb; }
static void *STDMETHODCALLTYPE spy_post_alloc(IMallocSpy *self, void *p) { return (void)self, p; }
static void *STDMETHODCALLTYPE spy_pre_free(IMallocSpy *self, void *p, BOOL spyed) {
  (void)self, (void)spyed;
  if (p && untrack(p)) COUNT(frees);
  return p;
}
static void STDMETHODCALLTYPE spy_post_free(IMallocSpy *self, BOOL spyed) { (void)self, (void)spyed; }
static SIZE_T STDMETHODCALLTYPE spy_pre_realloc(IMallocSpy *self, void *p, SIZE_T cb, void **np, BOOL spyed) {
  (void)self, (void)spyed;
  *np = p;
  return cb;
}
static void *STDMETHODCALLTYPE spy_post_realloc(IMallocSpy *self, void *p, BOOL spyed) {
  return (void)self, (void)spyed, p;
}
static void *STDMETHODCALLTYPE spy_pre_get_size(IMallocSpy *self, void *p, BOOL spyed) {
  return (void)self, (void)spyed, p;
}
static SIZE_T STDMETHODCALLTYPE spy_post_get_size(IMallocSpy *self, SIZE_T cb, BOOL spyed) {
  return (void)self, (void)spyed, cb;
}
static void *STDMETHODCALLTYPE spy_pre_did_alloc(IMallocSpy *self, void *p, BOOL spyed) {
  return (void)self, (void)spyed, p;
}
static int STDMETHODCALLTYPE spy_post_did_alloc(IMallocSpy *self, void *p, BOOL spyed, int actual) {
  return (void)self, (void)p, (void)spyed, actual;
}
static void STDMETHODCALLTYPE spy_pre_heap_minimize(IMallocSpy *self) { (void)self; }
static void STDMETHODCALLTYPE spy_post_heap_minimize(IMallocSpy *self) { (void)self; }

static IMallocSpyVtbl spy_vtbl = {
    spy_query,          spy_addref,         spy_release,           spy_pre_alloc,          spy_post_alloc,
    spy_pre_free,       spy_post_free,      spy_pre_realloc,       spy_post_realloc,       spy_pre_get_size,
    spy_post_get_size,  spy_pre_did_alloc,  spy_post_did_alloc,    spy_pre_heap_minimize,  spy_post_heap_minimize,
};
static IMallocSpy spy = {&spy_vtbl};

static void ensure_spy(void) {
  if (InterlockedCompareExchange(&spy_state, 3, 0) != 0) return; /* 3 = registering (one thread only) */
  /* Not from DllMain (COM must not be called under the loader lock): the first allocation happens on a call. */
  HRESULT hr = CoRegisterMallocSpy(&spy);
  if (SUCCEEDED(hr)) {
    /* ole32 now calls into this DLL on every task-allocator call, for the life of the process: never unload. */
    HMODULE self;
    GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_PIN | GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, (LPCWSTR)(void *)&spy,
                       &self);
  }
  InterlockedExchange(&spy_state, SUCCEEDED(hr) ? 1 : 2);
}

static int frees_tracked(void) { return InterlockedCompareExchange(&spy_state, 0, 0) == 1; }

#endif /* _WIN32 */

stub_char *stub_alloc_string(const uint8_t *utf16le, uint32_t byte_len) {
#ifdef _WIN32
  ensure_spy();
#endif
  stub_char *s = CoTaskMemAlloc((size_t)byte_len + sizeof(stub_char));
  if (!s) return NULL;
#ifdef _WIN32
  COUNT(allocations);
  track(s);
#endif
  uint32_t units = byte_len / 2;
  for (uint32_t i = 0; i < units; i++) s[i] = (stub_char)(utf16le[2 * i] | (utf16le[2 * i + 1] << 8));
  s[units] = 0;
  return s;
}

/* Only for strings the stub allocated but could not hand over (a malformed reply): goes through the same door. */
void stub_free_string(stub_char *s) {
  if (s) CoTaskMemFree(s);
}

void stub_counters(uint64_t *a, uint64_t *f) {
  *a = READ(allocations);
  *f = READ(frees);
}

/* Test hook: the counters in this process. Returns 0 (S_OK) when frees are tracked, 1 (S_FALSE) when they are not. */
STUB_EXPORT HRESULT STUB_CALL HnsCniStubCounters(uint64_t *allocs, uint64_t *freed) {
  uint64_t a, f;
  stub_counters(&a, &f);
  if (allocs) *allocs = a;
  if (freed) *freed = f;
  return frees_tracked() ? 0 : 1;
}
