// The native front's SHA-256 and HMAC-SHA256 (native/front/sha256.c), through the test-only line tool
// dist/native/front-sha256-test (scripts/build-native.sh): the published vectors (FIPS 180-2 appendix B, RFC 4231
// section 4) and random keys and messages against Node's createHmac, which the agent's side of the handshake uses.
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const tool = path.resolve(import.meta.dirname, '../../../dist/native/front-sha256-test');

function run(lines: string[]): string[] {
  if (!fs.existsSync(tool)) throw new Error(`${tool} is missing: run bash scripts/build-native.sh`);
  return execFileSync(tool, { input: `${lines.join('\n')}\n`, maxBuffer: 64 << 20 })
    .toString()
    .trim()
    .split('\n');
}

const hex = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s, 'latin1') : s).toString('hex');

describe('SHA-256 (FIPS 180-2 appendix B)', () => {
  it('answers the published digests', () => {
    expect(
      run(['- 616263', `- ${hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')}`, 'million-a', '- ']),
    ).toEqual([
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ]);
  });
});

describe('HMAC-SHA256 (RFC 4231 section 4)', () => {
  it('answers test cases 1-4, 6 and 7, and case 5 in its first 128 bits', () => {
    const key131 = hex(Buffer.alloc(131, 0xaa));
    const answers = run([
      `${hex(Buffer.alloc(20, 0x0b))} ${hex('Hi There')}`,
      `${hex('Jefe')} ${hex('what do ya want for nothing?')}`,
      `${hex(Buffer.alloc(20, 0xaa))} ${hex(Buffer.alloc(50, 0xdd))}`,
      `${hex(Buffer.from(Array.from({ length: 25 }, (_, i) => i + 1)))} ${hex(Buffer.alloc(50, 0xcd))}`,
      `${hex(Buffer.alloc(20, 0x0c))} ${hex('Test With Truncation')}`,
      `${key131} ${hex('Test Using Larger Than Block-Size Key - Hash Key First')}`,
      `${key131} ${hex('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.')}`,
    ]);
    expect(answers[4]!.slice(0, 32)).toBe('a3b6167473100ee06e0c796c2955552b');
    answers.splice(4, 1);
    expect(answers).toEqual([
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
      '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    ]);
  });
});

describe('against node:crypto', () => {
  it('agrees on 400 random keys and messages of every length around the block boundaries', () => {
    const cases = Array.from({ length: 400 }, (_, i) => ({
      key: randomBytes(i % 3 === 0 ? i % 150 : 32),
      message: randomBytes(i < 200 ? i : Math.floor(Math.random() * 5000)),
    }));
    const lines = cases.flatMap(({ key, message }) => [`- ${hex(message)}`, `${hex(key)} ${hex(message)}`]);
    const expected = cases.flatMap(({ key, message }) => [
      createHash('sha256').update(message).digest('hex'),
      createHmac('sha256', key).update(message).digest('hex'),
    ]);
    expect(run(lines)).toEqual(expected);
  });
});
