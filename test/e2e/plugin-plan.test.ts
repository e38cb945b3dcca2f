// `hns-cni plan`: the HCN calls and exact documents an ADD would send, with ADD's environment and stdin, and no write
// to HNS or the IPAM (read-only lookups only).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runPlugin } from '../helpers/plugin-process.js';
import { countedCalls, minimalConfig, SimNode } from './plugin-harness.js';

let node: SimNode;
beforeAll(async () => {
  node = await SimNode.start();
});
afterAll(async () => {
  await node?.stop();
});

/** `hns-cni plan` with ADD's environment and stdin, as an operator runs it on a node. */
function plan(netns: string, json: boolean) {
  return runPlugin({
    args: json ? ['plan', '--json'] : ['plan'],
    env: {
      ...node.env,
      CNI_CONTAINERID: 'planned-pod',
      CNI_NETNS: netns,
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/usr/lib/cni',
    },
    stdin: minimalConfig('transparent'),
    expectJson: json,
  });
}

it('prints the network and endpoint documents of an ADD and changes nothing', async () => {
  const netns = await node.createNamespace();
  const before = await node.stats();
  const run = await plan(netns, true);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const planned = run.json as { steps: Array<{ kind: string; document?: Record<string, unknown> }>; result: unknown };
  expect(planned.steps.map((s) => s.kind)).toEqual([
    'createNetwork',
    'createNetwork',
    'createEndpoint',
    'createEndpoint',
    'attachEndpoints',
  ]);
  const pod = planned.steps[2]!.document!;
  expect(pod).toMatchObject({ Name: 'planned-pod_eth0_k8s-pods', IpConfigurations: [{ PrefixLength: 24 }] });

  const calls = countedCalls(before, await node.stats()).byFunction;
  for (const fn of Object.keys(calls)) expect(fn).toMatch(/^Hcn(Enumerate|Open|Query)/);
  expect(await node.networks()).toEqual([]);
  expect(await node.allocations()).toEqual([]);

  const text = await plan(netns, false);
  expect(text.code).toBe(0);
  expect(text.stdout).toContain('HcnCreateEndpoint');
  expect(text.stdout).toContain('"Name":"planned-pod_eth0_k8s-pods"');
});

it('previews the address the first ADD then takes, never the gateway (issue 10 F11)', async () => {
  const fresh = await SimNode.start('hns-cni-plan-address-');
  try {
    const netns = await fresh.createNamespace();
    const run = await runPlugin({
      args: ['plan', '--json'],
      env: {
        ...fresh.env,
        CNI_CONTAINERID: 'first-pod',
        CNI_NETNS: netns,
        CNI_IFNAME: 'eth0',
        CNI_PATH: '/usr/lib/cni',
      },
      stdin: minimalConfig('transparent'),
      expectJson: true,
    });
    expect(run.code, run.stderr).toBe(0);
    const planned = run.json as { steps: Array<{ kind: string; role?: string; document?: Record<string, unknown> }> };
    const pod = planned.steps.find((s) => s.kind === 'createEndpoint' && s.role === 'pod')!.document!;
    const previewed = (pod.IpConfigurations as Array<{ IpAddress: string }>)[0]!.IpAddress;
    const gateway = (pod.Routes as Array<{ NextHop: string }>)[0]!.NextHop;
    expect(previewed).not.toBe(gateway);

    const add = await fresh.cni('ADD', minimalConfig('transparent'), { containerId: 'first-pod', netns });
    expect(add.code, add.stdout).toBe(0);
    expect((add.json!.ips as Array<{ address: string }>)[0]!.address).toBe(`${previewed}/24`);
  } finally {
    await fresh.stop();
  }
});
