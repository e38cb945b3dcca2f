import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planAdd } from '../../../src/plan/add.js';
import { describePlan } from '../../../src/plan/describe.js';
import { GOLDEN_CASES } from './golden-cases.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/plan/${name}.json`, import.meta.url), 'utf8'));

describe('golden ADD plans (HCN documents, calls and result) per mode', () => {
  for (const [name, input] of Object.entries(GOLDEN_CASES)) {
    it(`${name} matches test/fixtures/plan/${name}.json exactly`, () => {
      // Through JSON, as the executor and `hns-cni plan` send and print the documents.
      const plan = JSON.parse(JSON.stringify(planAdd(input())));
      expect(plan).toEqual(fixture(name));
    });
  }

  it('is deterministic: the same input gives the same plan', () => {
    for (const input of Object.values(GOLDEN_CASES)) expect(planAdd(input())).toEqual(planAdd(input()));
  });
});

describe('the golden documents follow the references', () => {
  it('transparent: two endpoints, pod first, both attached; NAT endpoint without an address, default route via NAT', () => {
    const plan = planAdd(GOLDEN_CASES['transparent-minimal']!());
    expect(plan.steps.map((s) => s.kind)).toEqual([
      'createNetwork',
      'createNetwork',
      'createEndpoint',
      'createEndpoint',
      'attachEndpoints',
    ]);
    const [pod, nat] = plan.endpoints;
    expect(plan.result.interfaces?.map((i) => i.name)).toEqual(['eth0', 'eth0-nat']);
    expect(plan.result.ips).toEqual([{ address: '10.244.3.5/24', gateway: '10.244.3.1', interface: 0 }]);
    const natStep = plan.steps.find((s) => s.kind === 'createEndpoint' && s.role === 'nat');
    expect(natStep?.kind === 'createEndpoint' && natStep.document.IpConfigurations).toBeFalsy();
    expect(natStep?.kind === 'createEndpoint' && natStep.document.Routes).toEqual([
      { NextHop: '172.24.0.1', DestinationPrefix: '0.0.0.0/0' },
    ]);
    const attach = plan.steps.at(-1);
    expect(attach?.kind === 'attachEndpoints' && attach.requests.map((r) => r.Settings)).toEqual([
      { EndpointId: pod!.id },
      { EndpointId: nat!.id },
    ]);
  });

  it('l2bridge: pods route via the host endpoint .2, the network gateway stays .1 (flannel host-gw)', () => {
    const plan = planAdd(GOLDEN_CASES['l2bridge-minimal']!());
    const net = plan.steps[0];
    expect(net?.kind === 'createNetwork' && net.document.Ipams?.[0]?.Subnets?.[0]?.Routes).toEqual([
      { NextHop: '10.244.3.1', DestinationPrefix: '0.0.0.0/0' },
    ]);
    expect(plan.result.ips?.[0]?.gateway).toBe('10.244.3.2');
  });

  it('an existing compatible network is used by its own ID and not created', () => {
    const plan = planAdd(GOLDEN_CASES['l2bridge-full']!());
    expect(plan.steps.some((s) => s.kind === 'createNetwork')).toBe(false);
    expect(plan.endpoints[0]?.networkId).toBe('7198d0ab-9758-4c83-8ced-311f4dd0cf9c');
  });
});

describe('describePlan (what `hns-cni plan` prints)', () => {
  it('lists every HCN call in order with the exact document it sends, then the result', () => {
    const plan = planAdd(GOLDEN_CASES['transparent-minimal']!());
    const lines = describePlan(plan);
    const calls = lines.filter((l) => /^\d+\. /.test(l));
    expect(calls.map((l) => l.split(' ')[1])).toEqual([
      'HcnCreateNetwork',
      'HcnCreateNetwork',
      'HcnCreateEndpoint',
      'HcnCreateEndpoint',
      'HcnModifyNamespace',
    ]);
    const first = plan.steps[0]!;
    expect(lines).toContain(`   ${JSON.stringify(first.kind === 'createNetwork' && first.document)}`);
    expect(lines.at(-1)).toBe(`result: ${JSON.stringify(plan.result)}`);
  });
});
