// Every configuration of the corpus (test/fixtures/real-configs) through the config loader and the pure planner,
// with only `type` changed and as if installed under the original plugin's name: the planned endpoint must carry
// exactly the policies, gateway and DNS the original plugin would give it (corpus.ts), or the config must fail with
// the expected clear error. The e2e test does the same through the built executable, HNS and host-local.
import { describe, expect, it } from 'vitest';
import { CniError } from '../../../src/cni/errors.js';
import { loadNetConf } from '../../../src/config/load.js';
import type { HostComputeNetwork } from '../../../src/hns/types.js';
import { planAdd } from '../../../src/plan/add.js';
import type { PodAddress } from '../../../src/plan/types.js';
import {
  CORPUS,
  executableFor,
  expected,
  type NetworkFixture,
  pluginStdin,
  RUNS,
} from '../../fixtures/real-configs/corpus.js';

function hcnNetwork(n: NetworkFixture, i: number): HostComputeNetwork {
  return {
    ID: `00000000-0000-4000-8000-00000000000${i}`,
    Name: n.name,
    Type: n.type,
    Ipams: [
      {
        Type: 'Static',
        Subnets: n.subnets.map((s) => ({
          IpAddressPrefix: s.prefix,
          Routes: [{ NextHop: s.gateway, DestinationPrefix: s.prefix.includes(':') ? '::/0' : '0.0.0.0/0' }],
        })),
      },
    ],
  };
}

/** host-local's answer for the first pod: the expected address and its range's gateway (default: subnet .1). */
function hostLocalAllocation(stdin: Record<string, unknown>, first: string): PodAddress {
  const ipam = stdin.ipam as { ranges?: { gateway?: string }[][]; subnet?: string };
  const gateway = ipam.ranges?.[0]?.[0]?.gateway ?? first.replace(/\.\d+\/\d+$/, '.1');
  return { address: first, gateway };
}

function codeOf(run: () => unknown): { code: number; message: string } {
  try {
    run();
  } catch (e) {
    if (e instanceof CniError) return { code: e.code, message: e.message };
    throw e;
  }
  return { code: 0, message: '' };
}

describe.each(CORPUS)('$id', (entry) => {
  it.each(RUNS)('%s', (run) => {
    const want = expected(entry, run);
    const stdin = pluginStdin(entry, run);
    const plan = () => {
      const conf = loadNetConf(stdin, { invokedAs: `C:\\k\\cni\\${executableFor(entry, run)}.exe` });
      const existing = entry.node.map(hcnNetwork).find((n) => n.Name === conf.network) ?? null;
      const allocation =
        want.outcome === 'works' && want.address.from === 'host-local'
          ? hostLocalAllocation(stdin, want.address.first)
          : undefined;
      return planAdd({
        config: conf,
        request: {
          containerId: 'c0ffee',
          netns: 'b4e3c2a1-0000-4000-8000-000000000001',
          ifName: 'eth0',
          podNamespace: 'default',
        },
        ...(allocation && { allocation }),
        hns: { podNetwork: existing, hnsVersion: { Major: 15, Minor: 4 } },
      });
    };
    if (want.outcome === 'fails') {
      const failure = codeOf(plan);
      expect(failure.code).toBe(want.code);
      expect(failure.message).toMatch(want.msg);
      return;
    }
    const result = plan();
    const endpoint = result.steps.find((s) => s.kind === 'createEndpoint')!.document;
    const policies = endpoint.Policies ?? [];
    if (want.localRoutedVip) {
      for (const p of policies.filter((x) => x.Type === 'PortMapping')) {
        expect((p.Settings as { Flags?: number }).Flags! & 1).toBe(1);
      }
    }
    // PortMapping Flags: compared by the LocalRoutedVip bit above (hns-cni may set more flags of its own).
    const withoutFlags = policies.map((p) =>
      p.Type === 'PortMapping' ? { ...p, Settings: { ...(p.Settings as object), Flags: undefined } } : p,
    );
    expect(withoutFlags).toEqual(
      want.policies.map((p) =>
        p.Type === 'PortMapping' ? { ...p, Settings: { ...(p.Settings as object), Flags: undefined } } : p,
      ),
    );
    expect(endpoint.Routes?.[0]).toEqual({ NextHop: want.gateway, DestinationPrefix: '0.0.0.0/0' });
    expect(endpoint.Dns ?? {}).toEqual(want.dns);
    const created = result.steps.find((s) => s.kind === 'createNetwork');
    if (want.network.created) {
      expect(created?.document).toMatchObject({
        Name: want.network.name,
        Type: want.network.type,
        Ipams: [
          {
            Subnets: [
              {
                IpAddressPrefix: want.network.created.subnet,
                Routes: [{ NextHop: want.network.created.gateway, DestinationPrefix: '0.0.0.0/0' }],
              },
            ],
          },
        ],
      });
    } else {
      expect(created).toBeUndefined();
    }
    if (want.ipv6Recorded) expect(result.notes.join('\n')).toMatch(/issue 12/);
  });
});
