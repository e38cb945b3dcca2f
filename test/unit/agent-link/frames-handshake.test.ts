// The agent link's framing (bounded, length-prefixed JSON objects) and its mutual HMAC proofs, and which environment
// the agent compares with its own.
import { describe, expect, it } from 'vitest';
import { cniVariables, comparedVariables, environmentMismatch } from '../../../src/agent-link/forwarded-env.js';
import { encodeFrame, FrameDecoder, FrameError, MAX_FRAME } from '../../../src/agent-link/frames.js';
import { checkProof, newNonce, newSecret, proof } from '../../../src/agent-link/handshake.js';

describe('frames', () => {
  it('round-trips messages split at any byte', () => {
    const bytes = Buffer.concat([encodeFrame({ t: 'a', n: 1 }), encodeFrame({ t: 'b', s: 'é'.repeat(100) })]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new FrameDecoder();
      const got = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(got).toEqual([
        { t: 'a', n: 1 },
        { t: 'b', s: 'é'.repeat(100) },
      ]);
    }
  });

  it('refuses a length over the bound before reading the body, an empty frame, and non-objects', () => {
    const head = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n, 0);
      return b;
    };
    expect(() => new FrameDecoder().push(head(MAX_FRAME + 1))).toThrow(FrameError);
    expect(() => new FrameDecoder().push(head(0))).toThrow(FrameError);
    const body = (s: string) => Buffer.concat([head(Buffer.byteLength(s)), Buffer.from(s)]);
    expect(() => new FrameDecoder().push(body('[1,2]'))).toThrow(/not a JSON object/);
    expect(() => new FrameDecoder().push(body('null'))).toThrow(/not a JSON object/);
    expect(() => new FrameDecoder().push(body('{"t":'))).toThrow(/not JSON/);
    expect(() => encodeFrame({ big: 'x'.repeat(MAX_FRAME) })).toThrow(FrameError);
  });
});

describe('handshake proofs', () => {
  const secret = newSecret();
  const front = newNonce();
  const server = newNonce();

  it('a proof checks only with the same secret, role and nonces', () => {
    const p = proof(secret, 'server', front, server);
    expect(checkProof(p, secret, 'server', front, server)).toBe(true);
    expect(checkProof(p, newSecret(), 'server', front, server)).toBe(false);
    // The server's proof cannot be replayed as the front's, nor for other nonces.
    expect(checkProof(p, secret, 'front', front, server)).toBe(false);
    expect(checkProof(p, secret, 'server', newNonce(), server)).toBe(false);
    expect(checkProof(p, secret, 'server', front, newNonce())).toBe(false);
  });

  it('anything but 64 hex digits is a wrong proof, not an exception', () => {
    for (const bad of [undefined, 1, '', 'zz'.repeat(32), 'ab'.repeat(31), { p: 1 }]) {
      expect(checkProof(bad, secret, 'front', front, server)).toBe(false);
    }
  });

  it('secrets and nonces are 32 random bytes', () => {
    expect(newSecret()).toMatch(/^[0-9a-f]{64}$/);
    expect(newNonce()).not.toBe(newNonce());
  });
});

describe('forwarded environment', () => {
  const env = {
    CNI_COMMAND: 'ADD',
    CNI_CONTAINERID: 'c',
    HNS_CNI_HCN: 'ffi',
    HNS_CNI_DATA_DIR: '/d',
    ProgramData: 'C:\\ProgramData',
    PATH: '/bin',
    TEMP: 'C:\\Windows\\TEMP',
    KUBERNETES_SERVICE_HOST: '10.96.0.1',
  };

  it('sends CNI_* and the credentials facts as the request, HNS_CNI_* and the listed variables for comparison', () => {
    expect(cniVariables(env)).toEqual({
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c',
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
    });
    expect(comparedVariables(env)).toEqual({
      HNS_CNI_HCN: 'ffi',
      HNS_CNI_DATA_DIR: '/d',
      ProgramData: 'C:\\ProgramData',
    });
  });

  it('any compared variable present on one side only, or with another value, is a mismatch', () => {
    const agent = { HNS_CNI_HCN: 'ffi', HNS_CNI_DATA_DIR: '/d', ProgramData: 'C:\\ProgramData', PATH: '/other' };
    expect(environmentMismatch(comparedVariables(env), agent, 'linux')).toBeUndefined();
    expect(environmentMismatch({ ...comparedVariables(env), HNS_CNI_LOG: '/x' }, agent, 'linux')).toBe('HNS_CNI_LOG');
    expect(environmentMismatch(comparedVariables(env), { ...agent, HNS_CNI_SIM_STATE: '/s' }, 'linux')).toBe(
      'HNS_CNI_SIM_STATE',
    );
    expect(environmentMismatch(comparedVariables(env), { ...agent, HNS_CNI_HCN: 'sim' }, 'linux')).toBe('HNS_CNI_HCN');
  });

  it('Windows compares names case-insensitively', () => {
    expect(
      environmentMismatch({ PROGRAMDATA: 'C:\\P' }, { ProgramData: 'C:\\P' } as NodeJS.ProcessEnv, 'win32'),
    ).toBeUndefined();
  });
});
