// The corpus's expectations for win-bridge (corpus.ts, written from reading its code) held against what the real
// win-bridge.exe did with the same configs on the simulator (recorded-win-bridge.json, from
// scripts/wine/record-win-bridge.ts): the same policies in the same order, gateway, DNS and address, and the same
// failure of the first pod whose address flanneld's host endpoint already holds.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EndpointPolicy } from '../../../src/hns/types.js';
import { CORPUS, CORPUS_DIR, pluginStdin, type Works } from '../../fixtures/real-configs/corpus.js';

interface Recorded {
  id: string;
  stdin: Record<string, unknown>;
  firstAdd: { status: number; err: { msg?: string } };
  add: { status: number; out: { result: { ip4: { ip: string; gateway: string } } } };
  endpoint: {
    IpConfigurations: { IpAddress: string }[];
    Routes: { NextHop: string; DestinationPrefix: string }[];
    Dns: Record<string, unknown>;
    Policies: EndpointPolicy[];
  };
  del: number;
  endpointsLeft: number;
}

const file = JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, 'recorded-win-bridge.json'), 'utf8')) as {
  recorded: Recorded[];
};

describe('recorded win-bridge.exe runs', () => {
  it('covers every corpus config win-bridge can run on the simulator (apiVersion 2)', () => {
    const runnable = CORPUS.filter(
      (e) =>
        e.original === 'win-bridge' &&
        Object.entries(pluginStdin(e, 'asOriginal')).some(([k, v]) => k.toLowerCase() === 'apiversion' && v === 2),
    );
    expect(file.recorded.map((r) => r.id).sort()).toEqual(runnable.map((e) => e.id).sort());
  });

  describe.each(file.recorded.map((r) => ({ r, id: r.id })))('$id', ({ r }) => {
    const entry = CORPUS.find((e) => e.id === r.id)!;
    const want = entry.asOriginal as Works;

    it('was fed the delegate the corpus builds today', () => {
      expect(r.stdin).toEqual(pluginStdin(entry, 'asOriginal'));
    });

    it('made the endpoint the corpus expects', () => {
      expect(r.add.status).toBe(0);
      expect(r.endpoint.Policies).toEqual(want.policies);
      expect(r.endpoint.Routes[0]).toEqual({ NextHop: want.gateway, DestinationPrefix: '0.0.0.0/0' });
      expect(r.endpoint.Dns).toEqual(want.dns);
      expect(r.endpoint.IpConfigurations[0]!.IpAddress).toBe(want.address.first.split('/')[0]);
      expect(r.add.out.result.ip4).toEqual({ ip: want.address.first, gateway: want.gateway });
      expect(r.del).toBe(0);
      expect(r.endpointsLeft).toBe(0);
    });

    it('failed the first pod as the corpus says, with HNS\'s bare "object already exists"', () => {
      expect(want.firstAddConflict).toBeDefined();
      expect(r.firstAdd.status).toBe(1);
      expect(r.firstAdd.err.msg).toMatch(/0x1392.*The object already exists/);
    });
  });
});
