import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../../../src/cni/envelope.js';
import { CniError } from '../../../src/cni/errors.js';
import { checkVersionForVerb, compareVersions, versionReply } from '../../../src/cni/versions.js';

function codeOf(run: () => unknown): number {
  try {
    run();
  } catch (e) {
    if (e instanceof CniError) return e.code;
    throw e;
  }
  return 0;
}

describe('versions', () => {
  it('VERSION lists exactly the supported versions, answering as 1.1.0', () => {
    expect(versionReply()).toEqual({
      cniVersion: '1.1.0',
      supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
  });

  it('compares numerically, not as strings', () => {
    expect(compareVersions('0.10.0', '0.4.0')).toBe(1);
    expect(compareVersions('1.0.0', '1.0')).toBe(0);
    expect(compareVersions('0.3.1', '0.4.0')).toBe(-1);
  });

  it.each(['0.0.1', '0.5.0', '1.2.0', '2.0.0', 'latest', '1.0'])('rejects unsupported version %s with code 1', (v) => {
    expect(codeOf(() => checkVersionForVerb('ADD', v))).toBe(1);
  });

  it.each(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'])('accepts %s for ADD and DEL', (v) => {
    expect(checkVersionForVerb('ADD', v)).toBe(v);
    expect(checkVersionForVerb('DEL', v)).toBe(v);
  });

  it('CHECK needs 0.4.0 or later (code 1, as skel)', () => {
    expect(codeOf(() => checkVersionForVerb('CHECK', '0.3.1'))).toBe(1);
    expect(codeOf(() => checkVersionForVerb('CHECK', '0.2.0'))).toBe(1);
    expect(checkVersionForVerb('CHECK', '0.4.0')).toBe('0.4.0');
  });

  it.each(['GC', 'STATUS'] as const)('%s needs 1.1.0 (code 1, as skel)', (verb) => {
    expect(codeOf(() => checkVersionForVerb(verb, '1.0.0'))).toBe(1);
    expect(() => checkVersionForVerb(verb, '1.0.0')).toThrow(`config version does not allow ${verb}`);
    expect(checkVersionForVerb(verb, '1.1.0')).toBe('1.1.0');
  });
});

describe('parseEnvelope', () => {
  const parse = (text: string) => parseEnvelope(Buffer.from(text));

  it('treats a config without cniVersion as 0.1.0, as libcni does (win-bridge sample-v1.conf has none)', () => {
    const { cniVersion } = parse('{"name":"n","type":"t"}');
    expect(cniVersion).toBe('0.1.0');
    expect(checkVersionForVerb('ADD', cniVersion)).toBe('0.1.0');
  });

  it.each([
    '',
    'not json',
    '[1,2]',
    '"str"',
    'null',
    '{"cniVersion": 1}',
    '{"name":',
  ])('gives code 6 for %j', (text) => {
    expect(codeOf(() => parse(text))).toBe(6);
  });

  it('returns the document and its version; tolerates a UTF-8 BOM', () => {
    expect(parse('\ufeff{"cniVersion":"1.0.0","name":"n"}')).toEqual({
      config: { cniVersion: '1.0.0', name: 'n' },
      cniVersion: '1.0.0',
    });
  });
});
