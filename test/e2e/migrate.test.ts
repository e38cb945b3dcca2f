// `hns-cni migrate` as an operator runs it: the old config on stdin, the native config on stdout (a file to keep),
// one "# note" line per difference on stderr; --json gives both as one document; a config it cannot read is an
// error on stderr with exit code 1.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR } from '../fixtures/real-configs/corpus.js';
import { runPlugin } from '../helpers/plugin-process.js';

const read = (file: string) => fs.readFileSync(path.join(CORPUS_DIR, file), 'utf8');

describe('hns-cni migrate', () => {
  it("prints a flannel config's native equivalent on stdout and the notes on stderr", async () => {
    const run = await runPlugin({
      args: ['migrate'],
      stdin: read('sdn--flannel-l2bridge-cni.conf'),
      expectJson: false,
    });
    expect(run.code, run.stderr).toBe(0);
    const config = JSON.parse(run.stdout) as { type: string; delegate: Record<string, unknown> };
    expect(config.type).toBe('flannel');
    expect(config.delegate).toMatchObject({ type: 'hns-cni', mode: 'l2bridge', networkOwner: 'external' });
    const notes = run.stderr.trim().split('\n');
    expect(notes.every((n) => n.startsWith('# '))).toBe(true);
    expect(notes[0]).toMatch(/read with win-bridge's rules/);
  });

  it("--json: {config, notes}; --as reads a config with a plugin's rules regardless of its type", async () => {
    const config = { ...JSON.parse(read('containerd--install-cni-windows.conf')), type: 'hns-cni' };
    const run = await runPlugin({ args: ['migrate', '--as', 'nat', '--json'], stdin: config, expectJson: false });
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { config: Record<string, unknown>; notes: string[] };
    expect(out.config).toMatchObject({
      type: 'hns-cni',
      mode: 'nat',
      networkSubnet: '172.27.176.0/20',
      gateway: '172.27.176.1',
    });
    expect(out.config).not.toHaveProperty('ipam');
    expect(out.notes.join('\n')).toMatch(/HNS assigns the pod addresses/);
  });

  it('a config with a truly wrong field is an error naming its path', async () => {
    const run = await runPlugin({
      args: ['migrate'],
      stdin: { cniVersion: '0.2.0', name: 'cbr0', type: 'win-bridge', loopbackDSR: 'yes' },
      expectJson: false,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/loopbackDSR: must be true or false.*\(CNI code 7\)/);
  });
});
