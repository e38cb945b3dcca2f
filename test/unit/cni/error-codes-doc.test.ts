import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CNI_CODE } from '../../../src/cni/errors.js';

// The README copies this table: a code added to errors.ts without a documented row fails here.
const doc = fs.readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/protocol.md'),
  'utf8',
);

describe('docs/protocol.md error table', () => {
  it.each(Object.entries(CNI_CODE))('documents %s (%i)', (name, code) => {
    expect(doc).toMatch(new RegExp(`^\\| ${code} \\| \`${name}\` \\| \\S`, 'm'));
  });
});
