// The decision "may anyone but SYSTEM, Administrators and hns-cni's own account write this directory?" as a pure
// function of the owner and the DACL, and the parsing of the binary SIDs and ACLs that GetNamedSecurityInfoW hands
// back. The byte strings under "parses" were read from Wine 10's advapi32 by hns-cni's own door (test/wine).
import { describe, expect, it } from 'vitest';
import {
  ACE_TYPE,
  type Ace,
  BIN_DIRECTORY_SDDL,
  fixCommands,
  judgePathDirectory,
  judgePrivateDirectory,
  PRIVATE_DIRECTORY_SDDL,
  parseAcl,
  parseSid,
  pathFixCommands,
  SID,
  writeRightsOf,
} from '../../../src/winsec/acl.js';

const FULL = 0x1f01ff; // FA
const READ_EXECUTE = 0x1200a9; // what ProgramData grants Everyone/Users to read
const MODIFY = 0x1301bf;
const OI_CI = 0x03;
const INHERIT_ONLY = 0x08;
const allow = (sid: string, mask: number, flags = OI_CI): Ace => ({ type: ACE_TYPE.ACCESS_ALLOWED, flags, mask, sid });
const deny = (sid: string, mask: number): Ace => ({ type: ACE_TYPE.ACCESS_DENIED, flags: OI_CI, mask, sid });
const SELF = 'S-1-5-21-1004336348-1177238915-682003330-1001';
const PRIVATE = [allow(SID.SYSTEM, FULL), allow(SID.ADMINISTRATORS, FULL)];

describe('judgePrivateDirectory', () => {
  it('accepts what hns-cni creates: owner Administrators, SYSTEM and Administrators only', () => {
    expect(judgePrivateDirectory({ owner: SID.ADMINISTRATORS, dacl: PRIVATE })).toEqual({ ok: true });
    expect(judgePrivateDirectory({ owner: SID.SYSTEM, dacl: PRIVATE })).toEqual({ ok: true });
    expect(judgePrivateDirectory({ owner: SID.TRUSTED_INSTALLER, dacl: PRIVATE })).toEqual({ ok: true });
  });

  it('accepts read, list and traverse rights for anyone', () => {
    const dacl = [...PRIVATE, allow(SID.USERS, READ_EXECUTE), allow(SID.EVERYONE, READ_EXECUTE)];
    expect(judgePrivateDirectory({ owner: SID.SYSTEM, dacl })).toEqual({ ok: true });
  });

  it("accepts the account hns-cni runs as, as owner and in an ACE (an administrator's own directory, Wine)", () => {
    const dacl = [allow(SID.SYSTEM, FULL), allow(SELF, FULL)];
    expect(judgePrivateDirectory({ owner: SELF, dacl }, SELF)).toEqual({ ok: true });
  });

  it('accepts CREATOR OWNER and OWNER RIGHTS entries (they stand for the owner of what is created)', () => {
    const dacl = [...PRIVATE, allow(SID.CREATOR_OWNER, FULL, OI_CI | INHERIT_ONLY), allow(SID.OWNER_RIGHTS, FULL)];
    expect(judgePrivateDirectory({ owner: SID.ADMINISTRATORS, dacl })).toEqual({ ok: true });
  });

  it('ignores deny entries: they only take rights away', () => {
    const dacl = [deny(SID.EVERYONE, FULL), ...PRIVATE];
    expect(judgePrivateDirectory({ owner: SID.ADMINISTRATORS, dacl })).toEqual({ ok: true });
  });

  it('refuses a directory a user pre-created in ProgramData: owned by that user', () => {
    const verdict = judgePrivateDirectory({ owner: SELF, dacl: [...PRIVATE, allow(SELF, FULL)] });
    expect(verdict).toEqual({
      ok: false,
      problems: [
        `its owner is ${SELF}, not SYSTEM or Administrators`,
        `${SELF} may add files, add subdirectories, write extended attributes, delete children, write attributes, delete, change permissions, take ownership`,
      ],
      untrusted: [SELF],
    });
  });

  it("refuses ProgramData's inherited grant: BUILTIN\\Users may add files and subdirectories", () => {
    const usersCreate = allow(SID.USERS, 0x116, OI_CI); // (CI)(WD,AD,WEA,WA) as ProgramData has it
    const verdict = judgePrivateDirectory({ owner: SID.SYSTEM, dacl: [...PRIVATE, usersCreate] });
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.problems).toEqual([
      'BUILTIN\\Users (S-1-5-32-545) may add files, add subdirectories, write extended attributes, write attributes',
    ]);
  });

  it('refuses an inherit-only grant: it reaches every file created inside', () => {
    const verdict = judgePrivateDirectory({
      owner: SID.SYSTEM,
      dacl: [...PRIVATE, allow(SID.AUTHENTICATED_USERS, MODIFY, OI_CI | INHERIT_ONLY)],
    });
    expect(!verdict.ok && verdict.untrusted).toEqual([SID.AUTHENTICATED_USERS]);
  });

  it('refuses Everyone with full control, and generic rights', () => {
    expect(judgePrivateDirectory({ owner: SID.SYSTEM, dacl: [...PRIVATE, allow(SID.EVERYONE, FULL)] }).ok).toBe(false);
    expect(
      judgePrivateDirectory({ owner: SID.SYSTEM, dacl: [...PRIVATE, allow(SID.USERS, 0x40000000)] }), // GENERIC_WRITE
    ).toMatchObject({ ok: false, untrusted: [SID.USERS] });
  });

  it('refuses a NULL DACL (everyone may do everything)', () => {
    expect(judgePrivateDirectory({ owner: SID.SYSTEM, dacl: null })).toEqual({
      ok: false,
      problems: ['it has no DACL at all, so everyone may write to it'],
      untrusted: [],
    });
  });

  it('refuses an allowing entry it cannot read the trustee of', () => {
    const verdict = judgePrivateDirectory({ owner: SID.SYSTEM, dacl: [...PRIVATE, { type: 0x13, flags: 0, mask: 2 }] });
    expect(!verdict.ok && verdict.problems).toEqual(['an access entry of unknown type 0x13 may grant add files']);
  });

  it('does not trust the account it runs as unless told so', () => {
    expect(judgePrivateDirectory({ owner: SELF, dacl: PRIVATE }).ok).toBe(false);
    expect(judgePrivateDirectory({ owner: SELF, dacl: PRIVATE }, SELF).ok).toBe(true);
  });
});

describe('fixCommands', () => {
  it('gives a PowerShell line that applies the SDDL hns-cni creates with, and an icacls line', () => {
    const [ps, icacls] = fixCommands("C:\\ProgramData\\hns-cni's", [SID.USERS, SID.SYSTEM]);
    expect(ps).toContain(`SetSecurityDescriptorSddlForm('${PRIVATE_DIRECTORY_SDDL}')`);
    expect(ps).toContain("Set-Acl -LiteralPath 'C:\\ProgramData\\hns-cni''s'");
    expect(icacls).toBe(
      `icacls "C:\\ProgramData\\hns-cni's" /setowner *S-1-5-32-544 /T /C & icacls "C:\\ProgramData\\hns-cni's" ` +
        '/inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F /remove:g *S-1-5-32-545 /T /C',
    );
  });
});

describe('fixCommands for a bin dir', () => {
  it('keeps Users on read and execute (replacing their write grants) and removes everyone else untrusted', () => {
    const [ps, icacls] = fixCommands('C:\\opt\\cni\\bin', [SID.USERS, SID.AUTHENTICATED_USERS], 'bin');
    expect(ps).toContain(`SetSecurityDescriptorSddlForm('${BIN_DIRECTORY_SDDL}')`);
    expect(BIN_DIRECTORY_SDDL).toBe(`${PRIVATE_DIRECTORY_SDDL}(A;OICI;0x1200a9;;;BU)`);
    expect(icacls).toBe(
      'icacls "C:\\opt\\cni\\bin" /setowner *S-1-5-32-544 /T /C & icacls "C:\\opt\\cni\\bin" /inheritance:r /grant:r ' +
        '*S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX /remove:g *S-1-5-11 /T /C',
    );
  });

  it('the descriptor it applies passes the judge: read and execute are not write rights', () => {
    expect(writeRightsOf(0x1200a9)).toEqual([]);
  });
});

describe('judgePathDirectory (a directory above the bin dir)', () => {
  // C:\ as Windows Server ships it (icacls C:\): Users may create folders in it and files in those (CI)(AD),
  // (CI)(IO)(WD); CREATOR OWNER full on what is created; client editions add Authenticated Users (OI)(CI)(IO)(M), (AD).
  const ADD_SUBDIRECTORY = 0x4;
  const ADD_FILE = 0x2;
  const CI = 0x02;
  const driveRoot = [
    ...PRIVATE,
    allow(SID.USERS, READ_EXECUTE),
    allow(SID.USERS, ADD_SUBDIRECTORY, CI),
    allow(SID.USERS, ADD_FILE, CI | INHERIT_ONLY),
    allow(SID.CREATOR_OWNER, FULL, OI_CI | INHERIT_ONLY),
    allow(SID.AUTHENTICATED_USERS, MODIFY, OI_CI | INHERIT_ONLY),
    allow(SID.AUTHENTICATED_USERS, ADD_SUBDIRECTORY, 0),
  ];

  it("accepts C:\\'s own ACL: adding folders is harmless above the bin dir, inherit-only grants do not apply to it", () => {
    expect(judgePathDirectory({ owner: SID.TRUSTED_INSTALLER, dacl: driveRoot })).toEqual({ ok: true });
    // The bin dir itself is judged the strict way: the same grants, inherited, let Users add files there.
    expect(judgePrivateDirectory({ owner: SID.ADMINISTRATORS, dacl: driveRoot }).ok).toBe(false);
  });

  it('refuses one a user created (C:\\opt made before the administrator did): its owner may rename its entries', () => {
    const verdict = judgePathDirectory({ owner: SELF, dacl: [...PRIVATE, allow(SELF, FULL)] });
    expect(verdict.ok).toBe(false);
    expect(verdict.ok === false && verdict.problems).toEqual([
      `its owner is ${SELF}, not SYSTEM or Administrators`,
      `${SELF} may rename or delete what is in it, rename or delete it, change permissions, take ownership`,
    ]);
  });

  it('refuses Modify that applies to the directory itself (delete), and delete-child alone', () => {
    const modify = judgePathDirectory({ owner: SID.ADMINISTRATORS, dacl: [...PRIVATE, allow(SID.USERS, MODIFY)] });
    expect(modify.ok === false && modify.problems).toEqual(['BUILTIN\\Users (S-1-5-32-545) may rename or delete it']);
    const child = judgePathDirectory({ owner: SID.ADMINISTRATORS, dacl: [allow(SID.EVERYONE, 0x40, 0)] });
    expect(child.ok === false && child.untrusted).toEqual([SID.EVERYONE]);
  });

  it('gives the icacls line that makes Administrators the owner and removes the grants it found', () => {
    expect(pathFixCommands('C:\\opt', [SELF, SID.SYSTEM])).toEqual([
      `icacls "C:\\opt" /setowner *S-1-5-32-544 & icacls "C:\\opt" /inheritance:d & icacls "C:\\opt" /remove:g *${SELF}`,
    ]);
  });
});

describe('parses what GetNamedSecurityInfoW returns', () => {
  const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

  it('a SID', () => {
    expect(parseSid(hex('010500000000000515000000000000000000000000000000e8030000'))).toEqual({
      sid: 'S-1-5-21-0-0-0-1000',
      length: 28,
    });
    expect(parseSid(hex('010100000000000512000000'))).toEqual({ sid: SID.SYSTEM, length: 12 });
    expect(parseSid(hex('0102000000000005200000002002'))).toBeUndefined(); // truncated
  });

  it('the DACL of a directory hns-cni created under Wine (SYSTEM and its own account, full control)', () => {
    const acl = hex(
      '020040000200000000031400ff011f0001010000000000051200000000032400ff011f00010500000000000515000000000000000000000000000000e8030000',
    );
    expect(parseAcl(acl)).toEqual([
      { type: 0, flags: 3, mask: FULL, sid: SID.SYSTEM },
      { type: 0, flags: 3, mask: FULL, sid: 'S-1-5-21-0-0-0-1000' },
    ]);
  });

  it('the DACL of a world-writable directory under Wine (Everyone: modify)', () => {
    const acl = hex(
      '020054000300000000031400ff011f0001010000000000051200000000032400ff011f00010500000000000515000000000000000000000000000000e803000000031400ff011300010100000000000100000000',
    );
    const aces = parseAcl(acl);
    expect(aces[2]).toEqual({ type: 0, flags: 3, mask: 0x1301ff, sid: SID.EVERYONE });
    expect(writeRightsOf(aces[2]!.mask)).toContain('add files');
  });

  it('an object ACE (SID after the object GUIDs)', () => {
    const ace = Buffer.concat([
      Buffer.from([ACE_TYPE.ACCESS_ALLOWED_OBJECT, 0, 40, 0]), // header, size 40
      Buffer.from('02000000', 'hex'), // mask: add files
      Buffer.from('01000000', 'hex'), // ACE_OBJECT_TYPE_PRESENT
      Buffer.alloc(16, 0xab), // ObjectType GUID
      Buffer.from('010100000000000100000000', 'hex'), // S-1-1-0
    ]);
    const header = Buffer.from([2, 0, 8 + ace.length, 0, 1, 0, 0, 0]);
    expect(parseAcl(Uint8Array.from(Buffer.concat([header, ace])))).toEqual([
      { type: ACE_TYPE.ACCESS_ALLOWED_OBJECT, flags: 0, mask: 2, sid: SID.EVERYONE },
    ]);
  });

  it('refuses an ACL whose sizes do not add up', () => {
    expect(() => parseAcl(hex('0200ff000100000000031400'))).toThrow(/ACL of 255 bytes/);
    expect(() => parseAcl(hex('020010000100000000030400ff011f00'))).toThrow(/impossible size 4/);
  });
});
