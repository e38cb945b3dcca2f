import { describe, expect, it } from 'vitest';
import { containerIdProblem, ifNameProblem, readEnvironment, splitCniPath } from '../../../src/cni/env.js';
import { CniError } from '../../../src/cni/errors.js';

const full = {
  CNI_CONTAINERID: 'abc123',
  CNI_NETNS: '5a1e2c3d-0000-4000-8000-000000000001',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
};

function envError(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = 'linux'): CniError {
  try {
    readEnvironment(env, platform);
  } catch (e) {
    if (e instanceof CniError) return e;
    throw e;
  }
  throw new Error('readEnvironment accepted the environment');
}

describe('readEnvironment: required variables per verb', () => {
  it.each([
    'ADD',
    'CHECK',
  ])('%s needs container id, netns, ifname and path, and reports all of them at once', (verb) => {
    const e = envError({ CNI_COMMAND: verb });
    expect(e.code).toBe(4);
    expect(e.message).toBe('required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing');
    expect(JSON.parse(e.details).missing).toEqual(['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH']);
  });

  it('DEL does not need CNI_NETNS (containerd sends "" once the namespace is gone)', () => {
    const env = readEnvironment({ ...full, CNI_COMMAND: 'DEL', CNI_NETNS: '' }, 'linux');
    expect(env).toMatchObject({ verb: 'DEL', containerId: 'abc123', netns: '', ifName: 'eth0' });
    expect(envError({ CNI_COMMAND: 'DEL' }).message).toBe(
      'required env variables [CNI_CONTAINERID,CNI_IFNAME,CNI_PATH] missing',
    );
  });

  it.each(['GC', 'STATUS'])('%s needs only CNI_PATH and ignores the attachment variables', (verb) => {
    const env = readEnvironment({ CNI_COMMAND: verb, CNI_PATH: '/bin', CNI_CONTAINERID: 'bad id!' }, 'linux');
    expect(env).toMatchObject({ verb, containerId: '', netns: '', ifName: '', args: {} });
    expect(envError({ CNI_COMMAND: verb }).message).toBe('required env variables [CNI_PATH] missing');
  });

  it('VERSION needs nothing', () => {
    expect(readEnvironment({ CNI_COMMAND: 'VERSION' }, 'linux').verb).toBe('VERSION');
  });

  it('names an unknown command', () => {
    const e = envError({ ...full, CNI_COMMAND: 'FROB' });
    expect(e.code).toBe(4);
    expect(e.message).toBe('unknown CNI_COMMAND: FROB');
  });

  it('reports missing and invalid variables together in one error', () => {
    const e = envError({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: '-bad', CNI_IFNAME: 'a/b', CNI_ARGS: 'novalue' });
    expect(e.code).toBe(4);
    const parts = e.message.split('; ');
    expect(parts[0]).toBe('required env variables [CNI_NETNS,CNI_PATH] missing');
    expect(parts.slice(1)).toEqual([
      expect.stringContaining('CNI_CONTAINERID: invalid characters'),
      expect.stringContaining('contains / or : or whitespace'),
      expect.stringContaining('CNI_ARGS: invalid pair "novalue"'),
    ]);
  });
});

describe('CNI_PATH', () => {
  it("splits on ';' on Windows and ':' elsewhere, dropping empty entries", () => {
    expect(splitCniPath('C:\\cni\\bin;D:\\more;', 'win32')).toEqual(['C:\\cni\\bin', 'D:\\more']);
    expect(splitCniPath('/opt/cni/bin::/usr/lib/cni', 'linux')).toEqual(['/opt/cni/bin', '/usr/lib/cni']);
  });

  it('takes the separator from the platform given', () => {
    const env = readEnvironment({ ...full, CNI_COMMAND: 'ADD', CNI_PATH: 'C:\\a;C:\\b' }, 'win32');
    expect(env.path).toEqual(['C:\\a', 'C:\\b']);
  });
});

describe('container id and interface name rules (libcni pkg/utils)', () => {
  it.each(['a', 'A1', '0abc', 'abc_def.ghi-jkl', 'f'.repeat(64)])('accepts container id %s', (id) => {
    expect(containerIdProblem(id)).toBeUndefined();
  });

  it.each(['-abc', '_abc', '.abc', 'a b', 'a/b', 'ä'])('rejects container id %j', (id) => {
    expect(containerIdProblem(id)).toMatch(/invalid characters/);
  });

  it.each(['eth0', 'e', 'a'.repeat(15), 'vEthernet.1'])('accepts interface name %s', (name) => {
    expect(ifNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['a'.repeat(16), /longer than 15/],
    ['ééééééééé', /longer than 15/], // 9 characters, 18 UTF-8 bytes: the kernel counts bytes
    ['.', /must not be/],
    ['..', /must not be/],
    ['eth/0', /contains/],
    ['eth:0', /contains/],
    ['eth 0', /contains/],
    ['eth\t0', /contains/],
  ])('rejects interface name %j', (name, reason) => {
    expect(ifNameProblem(name)).toMatch(reason);
  });
});
