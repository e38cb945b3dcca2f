// The hot-path budgets of issue 5, counted by the simulator behind the C stub (Close calls excluded): on a node whose
// network exists, ADD ≤ 4 HCN calls and DEL ≤ 3 in single-endpoint modes (overlay included, and a dual-stack overlay
// pod: issue 12); ADD ≤ 7 and DEL ≤ 5 in transparent mode.
// The anchors spend about 15 per ADD and 13–17 per DEL (anchors.md §2.7, §3.7).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countedCalls, MODES, minimalConfig, SimNode } from './plugin-harness.js';

const BUDGET = {
  transparent: { ADD: 7, DEL: 5 },
  nat: { ADD: 4, DEL: 3 },
  l2bridge: { ADD: 4, DEL: 3 },
  overlay: { ADD: 4, DEL: 3 },
  'overlay dual-stack': { ADD: 4, DEL: 3 },
} as const;

const CONFIGS: Record<keyof typeof BUDGET, Record<string, unknown>> = {
  transparent: minimalConfig('transparent'),
  nat: minimalConfig('nat'),
  l2bridge: minimalConfig('l2bridge'),
  overlay: minimalConfig('overlay'),
  'overlay dual-stack': minimalConfig('overlay', {
    clusterCIDR: '10.244.0.0/16,fd00:10:244::/56',
    serviceCIDR: '10.96.0.0/12,fd00:10:96::/112',
    ipam: { subnet: '10.244.3.0/24', subnet6: 'fd00:10:244:3::/64' },
  }),
};

let node: SimNode;
beforeAll(async () => {
  node = await SimNode.start();
});
afterAll(async () => {
  await node?.stop();
});

describe.each([...MODES, 'overlay dual-stack'] as const)('%s mode', (mode) => {
  const conf = { ...CONFIGS[mode], name: `budget-${mode.replace(' ', '-')}` };

  it(`ADD ≤ ${BUDGET[mode].ADD} and DEL ≤ ${BUDGET[mode].DEL} HCN calls once the network exists`, async () => {
    const warm = await node.createNamespace();
    expect((await node.cni('ADD', conf, { containerId: `warm-${conf.name}`, netns: warm })).code).toBe(0);

    const netns = await node.createNamespace();
    const beforeAdd = await node.stats();
    expect((await node.cni('ADD', conf, { containerId: conf.name, netns })).code).toBe(0);
    const add = countedCalls(beforeAdd, await node.stats());

    const beforeDel = await node.stats();
    expect((await node.cni('DEL', conf, { containerId: conf.name, netns })).code).toBe(0);
    const del = countedCalls(beforeDel, await node.stats());

    console.log(
      `budget ${mode}: ADD ${add.total} ${JSON.stringify(add.byFunction)}; DEL ${del.total} ${JSON.stringify(del.byFunction)}`,
    );
    expect(add.total).toBeLessThanOrEqual(BUDGET[mode].ADD);
    expect(del.total).toBeLessThanOrEqual(BUDGET[mode].DEL);
    // The work itself must have happened through HNS (guards against a count that is low because nothing ran).
    expect(add.byFunction.HcnCreateEndpoint).toBe(mode === 'transparent' ? 2 : 1);
    expect(del.byFunction.HcnDeleteEndpoint).toBe(mode === 'transparent' ? 2 : 1);
  });
});

describe('l2bridge with loopbackDSR (win-bridge sample configs turn it on)', () => {
  const conf = { ...minimalConfig('l2bridge', { loopbackDSR: true }), name: 'budget-dsr' };

  it('ADD stays within the l2bridge budget: the HNS version is read once per boot, not per pod', async () => {
    // As on a node just booted: the tests above (overlay, dual-stack) already had the version read and remembered in
    // the network cache, so the cache (a hint, rebuilt on demand) starts empty here.
    fs.rmSync(path.join(node.env.HNS_CNI_DATA_DIR!, 'networks.json'), { force: true });
    const warm = await node.createNamespace();
    const beforeWarm = await node.stats();
    expect((await node.cni('ADD', conf, { containerId: 'warm-dsr', netns: warm })).code).toBe(0);
    expect(countedCalls(beforeWarm, await node.stats()).byFunction.HNSCall).toBe(1);

    const netns = await node.createNamespace();
    const before = await node.stats();
    const ran = await node.cni('ADD', conf, { containerId: 'budget-dsr', netns });
    expect(ran.code, ran.stdout).toBe(0);
    const add = countedCalls(before, await node.stats());
    expect(add.byFunction.HNSCall).toBeUndefined();
    expect(add.total).toBeLessThanOrEqual(BUDGET.l2bridge.ADD);
    // The version it remembered still decides: the pod has its loopback DSR policy.
    const ip = (ran.json!.ips as Array<{ address: string }>)[0]!.address.split('/')[0];
    const [endpoint] = (await node.endpoints()).filter((e) => String(e.Name).startsWith('budget-dsr'));
    const policies = (endpoint?.Policies ?? []) as Array<{ Type: string; Settings?: { Destinations?: string[] } }>;
    expect(policies.filter((p) => p.Settings?.Destinations !== undefined)).toEqual([
      { Type: 'OutBoundNAT', Settings: { Destinations: [ip] } },
    ]);
  });
});
