/* vmcompute.dll stand-in: no code of its own; vmcompute.def forwards HNSCall and the Hcs* calls to computenetwork.dll. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {
  (void)instance, (void)reason, (void)reserved;
  return TRUE;
}
