// The door to Windows security (advapi32, kernel32) through koffi: create a directory with a given security
// descriptor, read a path's owner and DACL, and name the account this process runs as. Bound on first use, like
// src/hns/ffi: nothing here loads unless a directory is checked, which only happens on Windows. Everything it
// returns is plain data (SID strings, parsed ACEs); the decision is acl.ts's.
import { loadKoffi } from '../hns/ffi/koffi-loader.js';
import { type DirectorySecurity, parseAcl, parseSid, type Sid } from './acl.js';

/** A Win32 call failed; `code` is its Win32 error (from the return value, or GetLastError as a best effort). */
export class WinSecurityError extends Error {
  constructor(
    readonly call: string,
    readonly code: number,
    detail: string,
  ) {
    super(`${call} failed: Windows error ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'WinSecurityError';
  }
}

export const ERROR_FILE_NOT_FOUND = 2;
export const ERROR_PATH_NOT_FOUND = 3;
export const ERROR_ACCESS_DENIED = 5;
export const ERROR_ALREADY_EXISTS = 183;

export interface WinSecurity {
  /** CreateDirectoryW with the security descriptor `sddl`; 'exists' when something is already at `path`. */
  createDirectory(path: string, sddl: string): 'created' | 'exists';
  /** GetNamedSecurityInfoW(SE_FILE_OBJECT, OWNER | DACL). */
  readSecurity(path: string): DirectorySecurity;
  /** The SID of the account this process runs as (TokenUser). */
  currentUser(): Sid;
}

const SE_FILE_OBJECT = 1;
const OWNER_SECURITY_INFORMATION = 0x1;
const DACL_SECURITY_INFORMATION = 0x4;
const SDDL_REVISION_1 = 1;
const TOKEN_QUERY = 0x8;
const TOKEN_USER = 1;
// koffi type names are global to the koffi instance: one of our own, so no other binding can clash with it.
const SECURITY_ATTRIBUTES = 'HNS_CNI_SECURITY_ATTRIBUTES';

let bound: WinSecurity | undefined;

export function winSecurity(): WinSecurity {
  bound ??= bind();
  return bound;
}

function bind(): WinSecurity {
  const koffi = loadKoffi();
  const advapi32 = koffi.load('advapi32.dll');
  const kernel32 = koffi.load('kernel32.dll');
  const securityAttributes = koffi.struct(SECURITY_ATTRIBUTES, {
    nLength: 'uint32_t',
    lpSecurityDescriptor: 'void *',
    bInheritHandle: 'int32_t',
  });
  const sddlToDescriptor = advapi32.func(
    'int32_t __stdcall ConvertStringSecurityDescriptorToSecurityDescriptorW(const char16_t *sddl, uint32_t revision, _Out_ void **sd, _Out_ uint32_t *size)',
  );
  const getNamedSecurityInfo = advapi32.func(
    'uint32_t __stdcall GetNamedSecurityInfoW(const char16_t *name, int type, uint32_t info, _Out_ void **owner, _Out_ void **group, _Out_ void **dacl, _Out_ void **sacl, _Out_ void **sd)',
  );
  const getLengthSid = advapi32.func('uint32_t __stdcall GetLengthSid(void *sid)');
  const openProcessToken = advapi32.func(
    'int32_t __stdcall OpenProcessToken(void *process, uint32_t access, _Out_ void **token)',
  );
  const getTokenInformation = advapi32.func(
    'int32_t __stdcall GetTokenInformation(void *token, int cls, _Out_ uint8_t *buffer, uint32_t size, _Out_ uint32_t *returned)',
  );
  const createDirectory = kernel32.func(
    `int32_t __stdcall CreateDirectoryW(const char16_t *path, ${SECURITY_ATTRIBUTES} *attributes)`,
  );
  const getCurrentProcess = kernel32.func('void * __stdcall GetCurrentProcess()');
  const getLastError = kernel32.func('uint32_t __stdcall GetLastError()');
  const localFree = kernel32.func('void * __stdcall LocalFree(void *memory)');
  const closeHandle = kernel32.func('int32_t __stdcall CloseHandle(void *handle)');

  const bytesAt = (pointer: unknown, length: number) =>
    Uint8Array.from(koffi.decode(pointer, 'uint8_t', length) as number[]);
  let user: Sid | undefined; // the process token's user never changes
  const sidAt = (pointer: unknown, what: string): Sid => {
    const parsed = parseSid(bytesAt(pointer, getLengthSid(pointer) as number));
    if (parsed === undefined) throw new WinSecurityError(what, 0, 'not a SID');
    return parsed.sid;
  };

  return {
    createDirectory(path, sddl) {
      const descriptor: unknown[] = [null];
      if (!sddlToDescriptor(sddl, SDDL_REVISION_1, descriptor, [0])) {
        throw new WinSecurityError(
          'ConvertStringSecurityDescriptorToSecurityDescriptorW',
          getLastError() as number,
          sddl,
        );
      }
      try {
        const attributes = {
          nLength: koffi.sizeof(securityAttributes),
          lpSecurityDescriptor: descriptor[0],
          bInheritHandle: 0,
        };
        if (createDirectory(path, attributes)) return 'created';
        const code = getLastError() as number;
        if (code === ERROR_ALREADY_EXISTS) return 'exists';
        throw new WinSecurityError('CreateDirectoryW', code, path);
      } finally {
        localFree(descriptor[0]);
      }
    },

    readSecurity(path) {
      const owner: unknown[] = [null];
      const dacl: unknown[] = [null];
      const descriptor: unknown[] = [null];
      const info = OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION;
      const rc = getNamedSecurityInfo(path, SE_FILE_OBJECT, info, owner, [null], dacl, [null], descriptor) as number;
      if (rc !== 0) throw new WinSecurityError('GetNamedSecurityInfoW', rc, path);
      try {
        let aces = null;
        if (dacl[0] !== null) {
          const header = bytesAt(dacl[0], 8);
          aces = parseAcl(bytesAt(dacl[0], header[2]! | (header[3]! << 8)));
        }
        return { owner: sidAt(owner[0], 'GetNamedSecurityInfoW owner'), dacl: aces };
      } finally {
        localFree(descriptor[0]);
      }
    },

    currentUser() {
      user ??= readCurrentUser();
      return user;
    },
  };

  function readCurrentUser(): Sid {
    const token: unknown[] = [null];
    if (!openProcessToken(getCurrentProcess(), TOKEN_QUERY, token)) {
      throw new WinSecurityError('OpenProcessToken', getLastError() as number, '');
    }
    try {
      const buffer = Buffer.alloc(256);
      if (!getTokenInformation(token[0], TOKEN_USER, buffer, buffer.length, [0])) {
        throw new WinSecurityError('GetTokenInformation', getLastError() as number, 'TokenUser');
      }
      // TOKEN_USER starts with SID_AND_ATTRIBUTES: a pointer to the SID (stored further on in the same buffer).
      return sidAt(koffi.decode(buffer, 'void *'), 'GetTokenInformation TokenUser');
    } finally {
      closeHandle(token[0]);
    }
  }
}
