// Every configuration of the corpus (test/fixtures/real-configs) through the config loader and the pure planner,
// with only `type` changed and as if installed under the original plugin's name: the planned endpoint must carry
// exactly the policies, gateway and DNS the original plugin would give it (corpus.ts), or the config must fail with
// the expected clear error. The e2e test does the same through the built executable, HNS and host-local.
import { describe, expect, it } from 'vitest';
import { CniError } from '../../../src/cni/errors.js';
import { loadNetConf } from '../../../src/config/load.js';

import { planAdd } from '../../../src/plan/add.js';
import type { PodAddress } from '../../../src/plan/types.js';
import {
  CORPUS,
  comparablePolicies,
  executableFor,
  expected,
  hcnNetworkOf,
  pluginStdin,
  RUNS,
  type Works,
} from '../../fixtures/real-configs/corpus.js';

/** host-local's answer for the first pod: the expected addresses and their ranges' gateways (default: .1 / ::1). */
function hostLocalAllocation(stdin: Record<string, unknown>, want: Works): PodAddress {
  const ipam = stdin.ipam as { ranges?: { gateway?: string }[][]; subnet?: string };
  const gateway = ipam.ranges?.[0]?.[0]?.gateway ?? want.address.first.replace(/\.\d+\/\d+$/, '.1');
  const first6 = want.address.first6;
  const gateway6 = ipam.ranges?.[1]?.[0]?.gateway;
  return {
    address: want.address.first,
    gateway,
    ...(first6 !== undefined && { ipv6: { address: first6, ...(gateway6 !== undefined && { gateway: gateway6 }) } }),
  };
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
      const existing = entry.node.map(hcnNetworkOf).find((n) => n.Name === conf.network) ?? null;
      const allocation =
        want.outcome === 'works' && want.address.from === 'host-local' ? hostLocalAllocation(stdin, want) : undefined;
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
    expect(comparablePolicies(policies)).toEqual(comparablePolicies(want.policies));
    expect(endpoint.Routes?.[0]).toEqual({ NextHop: want.gateway, DestinationPrefix: '0.0.0.0/0' });
    const route6 = endpoint.Routes?.find((r) => r.DestinationPrefix === '::/0');
    expect(route6?.NextHop).toBe(want.gateway6);
    const ips = (endpoint.IpConfigurations ?? []).map((c) => `${c.IpAddress}/${c.PrefixLength}`);
    if (want.address.from === 'host-local') {
      expect(ips).toEqual([want.address.first, ...(want.address.first6 ? [want.address.first6] : [])]);
    } else {
      expect(ips).toEqual([]); // HNS assigns every family
    }
    if (want.gateway6 !== undefined) {
      expect(result.result.ips?.find((i) => i.address.includes(':'))?.gateway ?? want.gateway6).toBe(want.gateway6);
    }
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
  });
});
