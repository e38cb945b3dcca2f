// Who may write a directory, decided from its owner and DACL alone: a pure function, so the rule is unit-tested
// here and the FFI door (ffi.ts) only reads bytes. hns-cni runs as LocalSystem; a directory it loads code from or
// keeps state in (C:\ProgramData\hns-cni: the IPAM store, the log, the network cache) must be writable by SYSTEM,
// Administrators and TrustedInstaller only, or by the account hns-cni itself runs as. Anyone else who can write
// there can swap a file hns-cni trusts (docs/security.md).

/** A SID in string form, `S-1-5-18`. */
export type Sid = string;

export const SID = {
  SYSTEM: 'S-1-5-18',
  ADMINISTRATORS: 'S-1-5-32-544',
  TRUSTED_INSTALLER: 'S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464',
  CREATOR_OWNER: 'S-1-3-0',
  OWNER_RIGHTS: 'S-1-3-4',
  EVERYONE: 'S-1-1-0',
  AUTHENTICATED_USERS: 'S-1-5-11',
  USERS: 'S-1-5-32-545',
} as const;

const WELL_KNOWN_NAMES: ReadonlyMap<Sid, string> = new Map([
  [SID.SYSTEM, 'NT AUTHORITY\\SYSTEM'],
  [SID.ADMINISTRATORS, 'BUILTIN\\Administrators'],
  [SID.TRUSTED_INSTALLER, 'NT SERVICE\\TrustedInstaller'],
  [SID.CREATOR_OWNER, 'CREATOR OWNER'],
  [SID.OWNER_RIGHTS, 'OWNER RIGHTS'],
  [SID.EVERYONE, 'Everyone'],
  [SID.AUTHENTICATED_USERS, 'NT AUTHORITY\\Authenticated Users'],
  [SID.USERS, 'BUILTIN\\Users'],
  ['S-1-5-32-546', 'BUILTIN\\Guests'],
  ['S-1-5-32-547', 'BUILTIN\\Power Users'],
  ['S-1-5-4', 'NT AUTHORITY\\INTERACTIVE'],
  ['S-1-5-7', 'NT AUTHORITY\\ANONYMOUS LOGON'],
  ['S-1-5-19', 'NT AUTHORITY\\LOCAL SERVICE'],
  ['S-1-5-20', 'NT AUTHORITY\\NETWORK SERVICE'],
]);

export function describeSid(sid: Sid): string {
  const name = WELL_KNOWN_NAMES.get(sid);
  return name === undefined ? sid : `${name} (${sid})`;
}

// ACE types (winnt.h). Allowed ACEs grant; denied ACEs only take away, so they never make a directory unsafe.
export const ACE_TYPE = {
  ACCESS_ALLOWED: 0x0,
  ACCESS_DENIED: 0x1,
  ACCESS_ALLOWED_OBJECT: 0x5,
  ACCESS_DENIED_OBJECT: 0x6,
  ACCESS_ALLOWED_CALLBACK: 0x9,
  ACCESS_DENIED_CALLBACK: 0xa,
  ACCESS_ALLOWED_CALLBACK_OBJECT: 0xb,
  ACCESS_DENIED_CALLBACK_OBJECT: 0xc,
} as const;

const ALLOWING = new Set<number>([
  ACE_TYPE.ACCESS_ALLOWED,
  ACE_TYPE.ACCESS_ALLOWED_OBJECT,
  ACE_TYPE.ACCESS_ALLOWED_CALLBACK,
  ACE_TYPE.ACCESS_ALLOWED_CALLBACK_OBJECT,
]);
const DENYING = new Set<number>([
  ACE_TYPE.ACCESS_DENIED,
  ACE_TYPE.ACCESS_DENIED_OBJECT,
  ACE_TYPE.ACCESS_DENIED_CALLBACK,
  ACE_TYPE.ACCESS_DENIED_CALLBACK_OBJECT,
]);

/** One access control entry. `sid` is undefined for an ACE type this parser does not know. */
export interface Ace {
  type: number;
  flags: number;
  mask: number;
  sid?: Sid;
}

export interface DirectorySecurity {
  owner: Sid;
  /** null: the directory has no DACL at all, which grants everyone everything. */
  dacl: Ace[] | null;
}

// Rights that let a holder give themselves any other right: on anything hns-cni trusts, they are as bad as writing.
const TAKEOVER_RIGHTS: readonly [number, string][] = [
  [0x00040000, 'change permissions'],
  [0x00080000, 'take ownership'],
  [0x02000000, 'maximum allowed'],
  [0x10000000, 'generic all'],
];

// Rights that let a holder change what is in the directory or who may: for a directory, FILE_WRITE_DATA is "add a
// file" and FILE_APPEND_DATA "add a subdirectory". Read, list and traverse rights are harmless.
const WRITE_RIGHTS: readonly [number, string][] = [
  [0x00000002, 'add files'],
  [0x00000004, 'add subdirectories'],
  [0x00000010, 'write extended attributes'],
  [0x00000040, 'delete children'],
  [0x00000100, 'write attributes'],
  [0x00010000, 'delete'],
  ...TAKEOVER_RIGHTS,
  [0x40000000, 'generic write'],
];

export function writeRightsOf(mask: number): string[] {
  return rightsIn(WRITE_RIGHTS, mask);
}

// Rights on a directory above the bin dir that let a holder take the path away: rename or delete what is in it (or
// the directory itself) and put something else there, or give themselves those rights. Adding files or
// subdirectories is harmless there (C:\ lets Users create folders): a name that exists cannot be created again.
const PATH_RIGHTS: readonly [number, string][] = [
  [0x00000040, 'rename or delete what is in it'],
  [0x00010000, 'rename or delete it'],
  ...TAKEOVER_RIGHTS,
];

// Rights on a file hns-cni acts on (a kubeconfig may name a command to run): anything that changes or replaces it.
const FILE_RIGHTS: readonly [number, string][] = [
  [0x00000002, 'write'],
  [0x00000004, 'append'],
  [0x00000010, 'write extended attributes'],
  [0x00010000, 'delete'],
  ...TAKEOVER_RIGHTS,
  [0x40000000, 'generic write'],
];

const rightsIn = (table: readonly [number, string][], mask: number) =>
  table.filter(([bit]) => (mask & bit) !== 0).map(([, name]) => name);

export type Verdict = { ok: true } | { ok: false; problems: string[]; untrusted: Sid[] };

/**
 * Safe when the owner is trusted and no allowed ACE (inherit-only ones included: they reach every file created
 * inside) grants a write right to anyone else. Trusted: SYSTEM, Administrators, TrustedInstaller, `self` (the
 * account hns-cni runs as) and, in ACEs, CREATOR OWNER and OWNER RIGHTS (they stand for the owner of what is created,
 * who needed a write right of their own to create it).
 */
export function judgePrivateDirectory(security: DirectorySecurity, self?: Sid): Verdict {
  return judge(security, self, WRITE_RIGHTS, true);
}

/**
 * A directory on the path to the bin dir (its parent, up to the drive's root): safe when its owner is trusted and no
 * ACE that applies to the directory itself (inherit-only ones do not) lets anyone else rename or delete its entries
 * or itself, or change who may.
 */
export function judgePathDirectory(security: DirectorySecurity, self?: Sid): Verdict {
  return judge(security, self, PATH_RIGHTS, false);
}

/** A file hns-cni trusts (a kubeconfig): owner trusted, and nobody else may change, replace or re-permission it. */
export function judgeTrustedFile(security: DirectorySecurity, self?: Sid): Verdict {
  return judge(security, self, FILE_RIGHTS, false);
}

const INHERIT_ONLY_ACE = 0x08;

function judge(
  security: DirectorySecurity,
  self: Sid | undefined,
  rights: readonly [number, string][],
  inheritOnlyCounts: boolean,
): Verdict {
  const trustedOwners = new Set<Sid>([SID.SYSTEM, SID.ADMINISTRATORS, SID.TRUSTED_INSTALLER]);
  if (self !== undefined) trustedOwners.add(self);
  const trustedInAces = new Set<Sid>([...trustedOwners, SID.CREATOR_OWNER, SID.OWNER_RIGHTS]);
  const problems: string[] = [];
  const untrusted = new Set<Sid>();
  if (!trustedOwners.has(security.owner)) {
    problems.push(`its owner is ${describeSid(security.owner)}, not SYSTEM or Administrators`);
    untrusted.add(security.owner);
  }
  if (security.dacl === null) {
    problems.push('it has no DACL at all, so everyone may write to it');
  } else {
    for (const ace of security.dacl) {
      if (DENYING.has(ace.type)) continue;
      if (!inheritOnlyCounts && (ace.flags & INHERIT_ONLY_ACE) !== 0) continue;
      const granted = rightsIn(rights, ace.mask);
      if (granted.length === 0) continue;
      if (!ALLOWING.has(ace.type) || ace.sid === undefined) {
        problems.push(`an access entry of unknown type 0x${ace.type.toString(16)} may grant ${granted.join(', ')}`);
        continue;
      }
      if (trustedInAces.has(ace.sid)) continue;
      problems.push(`${describeSid(ace.sid)} may ${granted.join(', ')}`);
      untrusted.add(ace.sid);
    }
  }
  return problems.length === 0 ? { ok: true } : { ok: false, problems, untrusted: [...untrusted] };
}

/** The security descriptor hns-cni creates its directories with: owned by Administrators, SYSTEM and Administrators
 * only, protected from inheriting the parent's ACEs (ProgramData lets Users create files and folders). */
export const PRIVATE_DIRECTORY_SDDL = 'O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)';
/** The same without the owner, for a creator that may not assign Administrators as owner. */
export const PRIVATE_DIRECTORY_SDDL_NO_OWNER = 'D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)';

/**
 * The CNI bin directory `hns-cni install` creates: as private, but Users keep read and execute (0x1200a9, what
 * Program Files grants them), so an operator can still run `hns-cni.exe node status` from a normal shell.
 */
export const BIN_DIRECTORY_SDDL = `${PRIVATE_DIRECTORY_SDDL}(A;OICI;0x1200a9;;;BU)`;
export const BIN_DIRECTORY_SDDL_NO_OWNER = `${PRIVATE_DIRECTORY_SDDL_NO_OWNER}(A;OICI;0x1200a9;;;BU)`;

/** What a directory holds: hns-cni's state ('private': nobody else reads it) or executables ('bin': Users run them). */
export type DirectoryKind = 'private' | 'bin';

/** The descriptor each kind is created with, and without the owner for a creator that may not assign it. */
export const DIRECTORY_SDDL: Record<DirectoryKind, { owned: string; unowned: string }> = {
  private: { owned: PRIVATE_DIRECTORY_SDDL, unowned: PRIVATE_DIRECTORY_SDDL_NO_OWNER },
  bin: { owned: BIN_DIRECTORY_SDDL, unowned: BIN_DIRECTORY_SDDL_NO_OWNER },
};

/**
 * How an administrator makes `dir` safe without losing what is in it (PowerShell, then the icacls way): the kind's
 * DACL, untrusted grants removed.
 */
export function fixCommands(dir: string, untrusted: readonly Sid[] = [], kind: DirectoryKind = 'private'): string[] {
  const ps = dir.replaceAll("'", "''");
  const keepUsers = kind === 'bin';
  const removals = untrusted
    .filter((s) => s !== SID.SYSTEM && s !== SID.ADMINISTRATORS && !(keepUsers && s === SID.USERS))
    .map((s) => ` /remove:g *${s}`)
    .join('');
  const sddl = DIRECTORY_SDDL[kind].owned;
  const users = keepUsers ? ` *${SID.USERS}:(OI)(CI)RX` : '';
  return [
    `$a = New-Object System.Security.AccessControl.DirectorySecurity; $a.SetSecurityDescriptorSddlForm('${sddl}'); Set-Acl -LiteralPath '${ps}' -AclObject $a`,
    `icacls "${dir}" /setowner *${SID.ADMINISTRATORS} /T /C & icacls "${dir}" /inheritance:r /grant:r *${SID.SYSTEM}:(OI)(CI)F *${SID.ADMINISTRATORS}:(OI)(CI)F${users}${removals} /T /C`,
  ];
}

/** How an administrator makes a file theirs and closes it to everyone else (read and execute are kept for Users). */
export function fileFixCommands(file: string): string[] {
  return [
    `icacls "${file}" /setowner *${SID.ADMINISTRATORS} & icacls "${file}" /inheritance:r /grant:r *${SID.SYSTEM}:F *${SID.ADMINISTRATORS}:F *${SID.USERS}:RX`,
  ];
}

/**
 * How an administrator closes a directory above the bin dir: Administrators as owner, inherited entries made explicit
 * and the untrusted grants removed (their read access too: Users then no longer reach the bin dir through it).
 */
export function pathFixCommands(dir: string, untrusted: readonly Sid[]): string[] {
  const removals = untrusted
    .filter((s) => s !== SID.SYSTEM && s !== SID.ADMINISTRATORS)
    .map((s) => ` /remove:g *${s}`)
    .join('');
  return [
    `icacls "${dir}" /setowner *${SID.ADMINISTRATORS} & icacls "${dir}" /inheritance:d & icacls "${dir}"${removals}`,
  ];
}

/** `S-<revision>-<authority>-<sub>...` from a binary SID at `offset`; undefined when the bytes are not one. */
export function parseSid(bytes: Uint8Array, offset = 0): { sid: Sid; length: number } | undefined {
  if (offset + 8 > bytes.length) return undefined;
  const revision = bytes[offset]!;
  const count = bytes[offset + 1]!;
  const length = 8 + 4 * count;
  if (revision !== 1 || count > 15 || offset + length > bytes.length) return undefined;
  let authority = 0;
  for (let i = 2; i < 8; i++) authority = authority * 256 + bytes[offset + i]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
  const subs: number[] = [];
  for (let i = 0; i < count; i++) subs.push(view.getUint32(8 + 4 * i, true));
  return { sid: ['S', revision, authority, ...subs].join('-'), length };
}

/** The ACEs of a binary ACL (header: revision, size, count; then each ACE: type, flags, size, body). */
export function parseAcl(bytes: Uint8Array): Ace[] {
  if (bytes.length < 8) throw new Error('ACL shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const size = view.getUint16(2, true);
  const count = view.getUint16(4, true);
  if (size > bytes.length) throw new Error(`ACL of ${size} bytes, ${bytes.length} read`);
  const aces: Ace[] = [];
  let at = 8;
  for (let i = 0; i < count; i++) {
    if (at + 8 > size) throw new Error(`ACE ${i} runs past the ACL`);
    const type = bytes[at]!;
    const flags = bytes[at + 1]!;
    const aceSize = view.getUint16(at + 2, true);
    if (aceSize < 8 || at + aceSize > size) throw new Error(`ACE ${i} has an impossible size ${aceSize}`);
    const mask = view.getUint32(at + 4, true);
    aces.push({
      type,
      flags,
      mask,
      ...sidOfAce(bytes.subarray(at, at + aceSize), type, view.getUint32.bind(view), at),
    });
    at += aceSize;
  }
  return aces;
}

const OBJECT_TYPES = new Set<number>([
  ACE_TYPE.ACCESS_ALLOWED_OBJECT,
  ACE_TYPE.ACCESS_DENIED_OBJECT,
  ACE_TYPE.ACCESS_ALLOWED_CALLBACK_OBJECT,
  ACE_TYPE.ACCESS_DENIED_CALLBACK_OBJECT,
]);
const PLAIN_TYPES = new Set<number>([
  ACE_TYPE.ACCESS_ALLOWED,
  ACE_TYPE.ACCESS_DENIED,
  ACE_TYPE.ACCESS_ALLOWED_CALLBACK,
  ACE_TYPE.ACCESS_DENIED_CALLBACK,
]);

function sidOfAce(
  ace: Uint8Array,
  type: number,
  readU32: (offset: number, littleEndian: boolean) => number,
  at: number,
): { sid?: Sid } {
  let sidAt = 8; // after header and mask
  if (OBJECT_TYPES.has(type)) {
    const objectFlags = readU32(at + 8, true);
    sidAt = 12 + (objectFlags & 1 ? 16 : 0) + (objectFlags & 2 ? 16 : 0);
  } else if (!PLAIN_TYPES.has(type)) {
    return {};
  }
  const parsed = parseSid(ace, sidAt);
  return parsed === undefined ? {} : { sid: parsed.sid };
}
