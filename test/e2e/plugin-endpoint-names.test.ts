// Endpoint names and GUIDs (issue 11, item 5). (`pod_x`, `eth0`) and (`pod`, `x_eth0`) once mapped to the same name
// and GUID, so the second pod's ADD tore down the first pod's network. Names are now escaped; endpoints that an
// older hns-cni made under the old name (same plan, old Name and GUID) must still be found by DEL, CHECK, GC and a
// repeated ADD — and never taken for another attachment whose old name collided.
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNetConf } from '../../src/config/load.js';
import { createHcnClient } from '../../src/hns/hcn-client.js';
import { createSimAbi } from '../../src/hns/sim/abi.js';
import type { HostComputeEndpoint } from '../../src/hns/types.js';
import { openIpam } from '../../src/ipam/ipam.js';
import { planAdd } from '../../src/plan/add.js';
import { endpointIdFor, endpointIdForName } from '../../src/plan/identity.js';
import type { CreateEndpointStep } from '../../src/plan/types.js';
import { minimalConfig, SimNode } from './plugin-harness.js';

const NETWORK = 'names-net';
const conf = minimalConfig('nat', { cniVersion: '1.1.0', name: NETWORK });

let node: SimNode;
beforeAll(async () => {
  node = await SimNode.start('hns-cni-names-');
  // A first pod creates the network.
  expect((await node.cni('ADD', conf, { containerId: 'first', netns: await node.createNamespace() })).code).toBe(0);
});
afterAll(async () => {
  await node?.stop();
});

const byId = async (id: string) =>
  (await node.endpoints()).find((e) => String(e.ID).toLowerCase() === id.toLowerCase());
const ipOf = (e: Record<string, unknown> | undefined) =>
  (e?.IpConfigurations as Array<{ IpAddress: string }> | undefined)?.[0]?.IpAddress;
const nsOf = (e: Record<string, unknown> | undefined) => String(e?.HostComputeNamespace ?? '').toLowerCase();

describe('attachments whose old names collide', () => {
  it('(pod_x, eth0) and (pod, x_eth0) get two endpoints; DEL of one leaves the other attached', async () => {
    const a = { containerId: 'pod_x', netns: await node.createNamespace() };
    const b = { containerId: 'pod', netns: await node.createNamespace(), ifName: 'x_eth0' };
    const addA = await node.cni('ADD', conf, a);
    expect(addA.code, addA.stdout).toBe(0);
    const addB = await node.cni('ADD', conf, b);
    expect(addB.code, addB.stdout).toBe(0);

    const idA = endpointIdFor('pod_x', NETWORK, 'eth0');
    const idB = endpointIdFor('pod', NETWORK, 'x_eth0');
    expect(idA).not.toBe(idB);
    const ipA = (addA.json!.ips as Array<{ address: string }>)[0]!.address.split('/')[0];
    expect(nsOf(await byId(idA))).toBe(a.netns);
    expect(ipOf(await byId(idA))).toBe(ipA);
    expect(nsOf(await byId(idB))).toBe(b.netns);

    expect((await node.cni('DEL', conf, b)).code).toBe(0);
    expect(await byId(idB)).toBeUndefined();
    expect(nsOf(await byId(idA))).toBe(a.netns);
    const check = await node.cni('CHECK', { ...conf, prevResult: addA.json }, a);
    expect(check.code, check.stdout).toBe(0);
    expect((await node.cni('DEL', conf, a)).code).toBe(0);
    expect(await byId(idA)).toBeUndefined();
  });
});

describe('endpoints made before the escaping (old name and GUID)', () => {
  /** What an older hns-cni left for a running pod: its IPAM allocation and its planned endpoint, attached. */
  async function olderHnsCniAdd(containerId: string, netns: string): Promise<HostComputeEndpoint> {
    const hcn = createHcnClient(createSimAbi({ stateFile: node.env.HNS_CNI_SIM_STATE! }));
    const netConf = loadNetConf(conf);
    const dataDir = path.join(node.env.HNS_CNI_DATA_DIR!, 'ipam');
    const ipam = await openIpam({ subnet: '10.244.3.0/24', dataDir }, { network: NETWORK, hostEndpoint: false });
    const allocation = await ipam.allocate({ containerId, ifName: 'eth0' });
    const [podNetwork] = await hcn.listNetworks({ Name: NETWORK });
    const plan = planAdd({
      config: netConf,
      request: { containerId, netns, ifName: 'eth0' },
      allocation: { address: allocation.ips[0]!.address, gateway: allocation.ips[0]!.gateway },
      hns: { podNetwork: podNetwork ?? null },
    });
    const step = plan.steps.find((s): s is CreateEndpointStep => s.kind === 'createEndpoint')!;
    const oldName = `${containerId}_eth0_${NETWORK}`; // the name every hns-cni before the escaping gave it
    const endpoint = await hcn.createEndpoint(
      step.networkId,
      { ...step.document, Name: oldName },
      { id: endpointIdForName(oldName) },
    );
    await hcn.modifyNamespace(netns, [
      { ResourceType: 'Endpoint', RequestType: 'Add', Settings: { EndpointId: endpoint.ID! } },
    ]);
    return endpoint;
  }

  it('CHECK and GC find it; a repeated ADD moves it to the new name with the same address', async () => {
    const at = { containerId: 'old_pod', netns: await node.createNamespace() };
    const old = await olderHnsCniAdd(at.containerId, at.netns);
    const address = ipOf(old as Record<string, unknown>);
    const prevResult = {
      cniVersion: '1.1.0',
      interfaces: [{ name: 'eth0', sandbox: at.netns }],
      ips: [{ address: `${address}/24`, interface: 0 }],
    };
    const check = await node.cni('CHECK', { ...conf, prevResult }, at);
    expect(check.code, check.stdout).toBe(0);

    const gc = await node.cni('GC', {
      ...conf,
      'cni.dev/valid-attachments': [
        { containerID: 'old_pod', ifname: 'eth0' },
        { containerID: 'first', ifname: 'eth0' },
      ],
    });
    expect(gc.code, gc.stdout).toBe(0);
    expect(nsOf(await byId(old.ID!))).toBe(at.netns);

    const add = await node.cni('ADD', conf, at);
    expect(add.code, add.stdout).toBe(0);
    expect((add.json!.ips as Array<{ address: string }>)[0]!.address).toBe(`${address}/24`);
    expect(await byId(old.ID!)).toBeUndefined();
    const now = await byId(endpointIdFor('old_pod', NETWORK));
    expect(nsOf(now)).toBe(at.netns);
    expect(ipOf(now)).toBe(address);
    expect((await node.cni('DEL', conf, at)).code).toBe(0);
    expect((await node.allocations()).filter((a) => a.containerId === 'old_pod')).toEqual([]);
  });

  it('DEL removes it and releases its address, with or without CNI_NETNS', async () => {
    for (const [containerId, withNetns] of [
      ['older_a', true],
      ['older_b', false],
    ] as const) {
      const netns = await node.createNamespace();
      const old = await olderHnsCniAdd(containerId, netns);
      const del = await node.cni('DEL', conf, { containerId, netns: withNetns ? netns : '' });
      expect(del.code, del.stdout).toBe(0);
      expect(await byId(old.ID!)).toBeUndefined();
      expect((await node.allocations()).filter((a) => a.containerId === containerId)).toEqual([]);
    }
  });

  it('is never taken for the attachment whose new name would once have collided with it', async () => {
    const running = { containerId: 'web_w', netns: await node.createNamespace() };
    const old = await olderHnsCniAdd(running.containerId, running.netns);
    // (web, w_eth0) had the same old name as (web_w, eth0): its ADD and DEL must leave web_w's endpoint alone.
    const other = { containerId: 'web', netns: await node.createNamespace(), ifName: 'w_eth0' };
    expect((await node.cni('ADD', conf, other)).code).toBe(0);
    expect((await node.cni('DEL', conf, other)).code).toBe(0);
    const still = await byId(old.ID!);
    expect(nsOf(still)).toBe(running.netns);
    expect(ipOf(still)).toBe(ipOf(old as Record<string, unknown>));
    expect((await node.allocations()).filter((a) => a.containerId === 'web_w')).toHaveLength(1);
  });
});
