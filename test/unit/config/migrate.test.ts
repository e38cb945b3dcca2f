// `hns-cni migrate`: for every working config of the corpus, the native config it prints must plan the same pod
// endpoint (policies, routes, network) as the original config read with its anchor's rules, and every difference
// the native form cannot express must come with a note.
import { describe, expect, it } from 'vitest';
import { migrateDocument } from '../../../src/commands/migrate.js';
import { loadNetConf } from '../../../src/config/load.js';
import type { HostComputeNetwork } from '../../../src/hns/types.js';
import { planAdd } from '../../../src/plan/add.js';
import {
  CORPUS,
  type CorpusEntry,
  executableFor,
  hcnNetworkOf,
  operatorConfig,
  runtimePluginConfig,
  type Works,
} from '../../fixtures/real-configs/corpus.js';
import { flannelDelegate } from '../../helpers/flannel-delegate.js';

function stdinOf(entry: CorpusEntry, doc: Record<string, unknown>): Record<string, unknown> {
  const plugin = runtimePluginConfig(doc);
  return entry.wrapper === 'flannel' ? flannelDelegate(plugin, entry.flannel!) : plugin;
}

function planFor(entry: CorpusEntry, stdin: Record<string, unknown>, invokedAs: string, want: Works) {
  const conf = loadNetConf(stdin, { invokedAs });
  const fixture = entry.node.find((n) => n.name === conf.network);
  const existing: HostComputeNetwork | null = fixture ? hcnNetworkOf(fixture) : null;
  const ranges = (stdin.ipam as { ranges?: { gateway?: string }[][] } | undefined)?.ranges;
  const allocation =
    want.address.from === 'host-local'
      ? {
          address: want.address.first,
          gateway: ranges?.[0]?.[0]?.gateway ?? want.address.first.replace(/\.\d+\/\d+$/, '.1'),
          ...(want.address.first6 !== undefined && {
            ipv6: { address: want.address.first6, gateway: ranges?.[1]?.[0]?.gateway ?? want.gateway6! },
          }),
        }
      : undefined;
  const plan = planAdd({
    config: conf,
    request: {
      containerId: 'c',
      netns: '00000000-0000-4000-8000-00000000000a',
      ifName: 'eth0',
      podNamespace: 'default',
    },
    ...(allocation && { allocation }),
    hns: { podNetwork: existing, hnsVersion: { Major: 15, Minor: 4 } },
  });
  return { conf, endpoint: plan.steps.find((s) => s.kind === 'createEndpoint')!.document };
}

const working = CORPUS.filter((e) => e.asOriginal.outcome === 'works');

describe.each(working.map((entry) => ({ entry, id: entry.id })))('$id', ({ entry }) => {
  it('the migrated native config plans the same endpoint', () => {
    const want = entry.asOriginal as Works;
    const original = operatorConfig(entry, 'asOriginal');
    const { config: migrated, notes } = migrateDocument(original);
    const before = planFor(entry, stdinOf(entry, original), executableFor(entry, 'asOriginal'), want);
    const after = planFor(entry, stdinOf(entry, migrated), 'hns-cni', want);
    expect(after.conf.family).toBe('hns-cni');
    // The same policies; HNS applies them as a set, and the native l2bridge layout lists port mappings last.
    const sorted = (ps: unknown[] | undefined) => (ps ?? []).map((p) => JSON.stringify(p)).sort();
    expect(sorted(after.endpoint.Policies)).toEqual(sorted(before.endpoint.Policies));
    expect(after.endpoint.Routes).toEqual(before.endpoint.Routes);
    expect(after.endpoint.IpConfigurations).toEqual(before.endpoint.IpConfigurations);
    const said = notes.join('\n');
    if (before.conf.dnsRules.namespaceSearch && before.conf.dns.search.length > 0) {
      expect(said).toMatch(/dns: .* writes "<pod namespace>\."/);
    } else if (!before.conf.dnsRules.runtimeOptions && before.conf.runtimeConfig.dns?.options !== undefined) {
      expect(said).toMatch(/ignores the runtime's DNS options/);
      expect({ ...after.endpoint.Dns, Options: undefined }).toEqual({ ...before.endpoint.Dns, Options: undefined });
    } else {
      expect(after.endpoint.Dns).toEqual(before.endpoint.Dns);
    }
    expect(notes[0]).toMatch(/read with .*'s rules/);
  });
});

describe('migrate', () => {
  it('keeps a flannel wrapper and migrates its delegate', () => {
    const entry = CORPUS.find((e) => e.id === 'sdn/flannel-l2bridge-cni.conf')!;
    const { config } = migrateDocument(operatorConfig(entry, 'asOriginal'));
    expect(config.type).toBe('flannel');
    const delegate = config.delegate as Record<string, unknown>;
    expect(delegate).toMatchObject({
      type: 'hns-cni',
      mode: 'l2bridge',
      networkOwner: 'external',
      outboundNAT: { enabled: false },
    });
    expect(delegate).not.toHaveProperty('name');
    expect(delegate).not.toHaveProperty('ipam');
  });

  it("migrates each plugin of a conflist; win-overlay's delegate becomes an overlay one that adopts flanneld's network", () => {
    const entry = CORPUS.find((e) => e.id.startsWith('rke2/'))!;
    const { config, notes } = migrateDocument(operatorConfig(entry, 'asOriginal'));
    const plugins = config.plugins as Record<string, unknown>[];
    expect(plugins[0]!.delegate as Record<string, unknown>).toMatchObject({
      type: 'hns-cni',
      mode: 'overlay',
      networkOwner: 'external',
      gatewayFrom: 'network',
      outboundNAT: { enabled: false },
    });
    expect(notes.join('\n')).toMatch(/plugins\[0\]: delegate: read with win-overlay's rules/);
  });

  it('returns a native config unchanged', () => {
    const native = { cniVersion: '1.0.0', name: 'n', type: 'hns-cni', mode: 'nat' };
    expect(migrateDocument(native)).toEqual({ config: native, notes: ['already a native hns-cni config: unchanged'] });
  });
});
