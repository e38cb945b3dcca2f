import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadNetConf } from '../../../src/config/load.js';

// docs/config.md must stay true to the code: every example config in it loads.
const markdown = readFileSync(new URL('../../../docs/config.md', import.meta.url), 'utf8');
const blocks = [...markdown.matchAll(/```json\n([\s\S]*?)```/g)].map(
  (m) => JSON.parse(m[1]!) as Record<string, unknown>,
);

/** A conflist's plugin as libcni hands it over: cniVersion and name copied in from the list. */
function configsOf(doc: Record<string, unknown>): Record<string, unknown>[] {
  if (!Array.isArray(doc.plugins)) return [doc];
  return doc.plugins.map((p) => ({ cniVersion: doc.cniVersion, name: doc.name, ...(p as object) }));
}

describe('docs/config.md examples load', () => {
  it('has the minimal config and one conflist per mode: overlay with and without flanneld, and a dual-stack one', () => {
    const configs = blocks.flatMap(configsOf);
    expect(configs.map((c) => c.mode)).toEqual([
      'transparent',
      'transparent',
      'nat',
      'l2bridge',
      'overlay',
      'overlay',
      'l2bridge',
    ]);
    const [withFlanneld, withoutFlanneld, dual] = configs.slice(4).map((c) => loadNetConf(c));
    expect(withFlanneld!.networkOwner).toBe('external');
    expect(withoutFlanneld!.networkOwner).toBe('hns-cni');
    expect(dual!.clusterCIDR6).toBeDefined();
    expect(dual!.serviceCIDR6).toBeDefined();
  });

  blocks.flatMap(configsOf).forEach((config, i) => {
    it(`example ${i + 1} (${String(config.mode)})`, () => {
      expect(loadNetConf(config).mode).toBe(config.mode);
    });
  });
});
