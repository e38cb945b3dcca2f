// HNS's answer to an address another endpoint already holds is "The object already exists" (0x80071392, seen from
// v1: kubernetes#74766), and on other builds plausibly ERROR_ALREADY_EXISTS (0x800700B7, the same-ID answer) or
// HCN_E_ADDR_INVALID_OR_RESERVED (0x803B002F, seen for kube-proxy's source-VIP address). Under each, an ADD whose
// address is taken fails with "address X is already in use on network N by endpoint E", leaves nothing behind and
// gives the address back, so the retry gets the next one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HcnClient } from '../../src/hns/client.js';
import { SimNode } from './plugin-harness.js';
import { otherComponent } from './real-configs-harness.js';

let node: SimNode;
let other: HcnClient;
beforeAll(async () => {
  node = await SimNode.start('hns-cni-conflict-');
  other = otherComponent(node);
});
afterAll(async () => {
  await node?.stop();
});

describe.each([
  ['ERROR_OBJECT_ALREADY_EXISTS', '0x80071392'],
  ['ERROR_ALREADY_EXISTS', '0x800700B7'],
  ['HCN_E_ADDR_INVALID_OR_RESERVED', '0x803B002F'],
])('HNS answers a taken address with %s', (name, hr) => {
  it('ADD names the address, the network and the endpoint holding it; the retry gets the next address', async () => {
    await node.sim(['options', '--set', `duplicateIpHresult=${hr}`]);
    const network = `conflict-${name.toLowerCase().replaceAll('_', '-')}`;
    const conf = {
      cniVersion: '1.0.0',
      name: network,
      type: 'hns-cni',
      mode: 'nat',
      ipam: { subnet: '10.250.0.0/24' },
    };
    // The network exists (as the first pod would have made it), and another tool's endpoint holds .2, the address
    // the built-in IPAM hands out first.
    const net = await other.createNetwork({
      Name: network,
      Type: 'NAT',
      Ipams: [
        {
          Type: 'Static',
          Subnets: [
            { IpAddressPrefix: '10.250.0.0/24', Routes: [{ NextHop: '10.250.0.1', DestinationPrefix: '0.0.0.0/0' }] },
          ],
        },
      ],
      SchemaVersion: { Major: 2, Minor: 0 },
    });
    const squatter = await other.createEndpoint(net.ID!, {
      Name: 'squatter',
      IpConfigurations: [{ IpAddress: '10.250.0.2' }],
      SchemaVersion: { Major: 2, Minor: 0 },
    });

    const netns = await node.createNamespace();
    const add = await node.cni('ADD', conf, { containerId: `${network}-1`, netns });
    expect(add.code).toBe(1);
    expect(add.json).toMatchObject({ code: 100 });
    expect(String(add.json!.msg)).toContain(
      `address 10.250.0.2 is already in use on network "${network}" by endpoint "squatter" (${squatter.ID})`,
    );
    expect(JSON.parse(String(add.json!.details))).toMatchObject({
      address: '10.250.0.2',
      network,
      endpoint: { name: 'squatter' },
    });
    expect((await other.listEndpoints({ HostComputeNetwork: net.ID! })).map((e) => e.Name)).toEqual(['squatter']);
    expect((await node.allocations()).filter((a) => a.containerId === `${network}-1`)).toEqual([]);

    const retry = await node.cni('ADD', conf, { containerId: `${network}-2`, netns });
    expect(retry.code, retry.stdout).toBe(0);
    expect((retry.json!.ips as { address: string }[])[0]!.address).toBe('10.250.0.3/24');
    expect((await node.cni('DEL', conf, { containerId: `${network}-2`, netns })).code).toBe(0);
  });
});
