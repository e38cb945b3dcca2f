// What no public source settles about HNS (issue 10, F1, F6, F7), each plausible answer a simulator option value
// (matrixValues in src/hns/sim/options.ts): the plugin must be correct under every one — no leaked endpoint, no address
// lost, no DEL that fails forever, a repeated ADD that returns the same result.
//   F1 detachNotAttachedHresult: removing an endpoint that is not in the namespace (ADD rollback, DEL).
//   F6 duplicateEndpointIdHresult: creating an endpoint whose GUID exists (a repeated ADD).
//   F7 endpointDeleteLinger: a delete that HNS has not finished (ADD replacing a stale endpoint of its GUID).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHcnClient } from '../../src/hns/hcn-client.js';
import { createSimAbi } from '../../src/hns/sim/abi.js';
import { DEFAULT_OPTIONS, describeOptions, matrixValues } from '../../src/hns/sim/options.js';
import { endpointIdFor, endpointNameFor } from '../../src/plan/identity.js';
import { addressProblems, heldAddresses } from './address-invariant.js';
import { minimalConfig, SimNode } from './plugin-harness.js';

/** The options of F1, F6 and F7: each test sets one, and every test starts from their defaults. */
const UNKNOWNS = ['detachNotAttachedHresult', 'duplicateEndpointIdHresult', 'endpointDeleteLinger'] as const;

let node: SimNode;
beforeAll(async () => {
  node = await SimNode.start('hns-cni-unknowns-');
});
afterAll(async () => {
  await node?.stop();
});
afterEach(async () => {
  await node.sim(['fault', '--clear']);
  const defaults = describeOptions(DEFAULT_OPTIONS);
  await node.sim(['options', ...UNKNOWNS.flatMap((key) => ['--set', `${key}=${defaults[key]}`])]);
});

/** Another client of the same HNS, in this process: what "behind hns-cni's back" means in these tests. */
const otherClient = () => createHcnClient(createSimAbi({ stateFile: node.env.HNS_CNI_SIM_STATE! }));

async function expectNothingLeft(network: string, containerId: string): Promise<void> {
  const left = (await node.endpoints()).filter((e) => String(e.Name).startsWith(`${containerId}_`));
  expect(left.map((e) => e.Name)).toEqual([]);
  expect(heldAddresses(node, network).filter((h) => h.containerId === containerId)).toEqual([]);
  expect(addressProblems(node, network)).toEqual([]);
}

describe.each(
  matrixValues('detachNotAttachedHresult')!,
)('F1: detaching an endpoint that is not attached → %s', (value) => {
  const tag = value.toLowerCase().replaceAll('_', '-');
  const conf = minimalConfig('transparent', { name: `f1-${tag}` });

  it('an ADD failing at the attach leaks nothing; the follow-up DEL succeeds', async () => {
    await node.sim(['options', '--set', `detachNotAttachedHresult=${value}`]);
    const at = { containerId: `f1-rollback-${tag}`, netns: await node.createNamespace() };
    // The second Modify: the pod endpoint got in, the NAT endpoint did not; rollback detaches both.
    await node.sim(['fault', '--fn', 'HcnModifyNamespace', '--nth', '2', '--hr', '0x80004005']);
    const add = await node.cni('ADD', conf, at);
    expect(add.code).toBe(1);
    expect(String(add.json!.msg)).toContain('0x80004005');
    await expectNothingLeft(conf.name as string, at.containerId);
    const del = await node.cni('DEL', conf, at);
    expect(del.code, del.stdout).toBe(0);
    await expectNothingLeft(conf.name as string, at.containerId);
  });

  it('DEL of a pod whose endpoints were detached behind its back deletes them and releases the address', async () => {
    await node.sim(['options', '--set', `detachNotAttachedHresult=${value}`]);
    const at = { containerId: `f1-del-${tag}`, netns: await node.createNamespace() };
    expect((await node.cni('ADD', conf, at)).code).toBe(0);
    const mine = (await node.endpoints()).filter((e) => String(e.Name).startsWith(`${at.containerId}_`));
    expect(mine).toHaveLength(2);
    await otherClient().modifyNamespace(at.netns, [
      { ResourceType: 'Endpoint', RequestType: 'Remove', Settings: { EndpointId: String(mine[0]!.ID) } },
    ]);
    const del = await node.cni('DEL', conf, at);
    expect(del.code, del.stdout).toBe(0);
    await expectNothingLeft(conf.name as string, at.containerId);
  });
});

describe.each(matrixValues('duplicateEndpointIdHresult')!)('F6: creating an existing endpoint GUID → %s', (value) => {
  const tag = value.toLowerCase().replaceAll('_', '-');
  const conf = minimalConfig('l2bridge', { name: `f6-${tag}` });

  it('a repeated ADD returns the same result and creates nothing; DEL then leaves nothing', async () => {
    await node.sim(['options', '--set', `duplicateEndpointIdHresult=${value}`]);
    const at = { containerId: `f6-${tag}`, netns: await node.createNamespace() };
    const first = await node.cni('ADD', conf, at);
    expect(first.code, first.stdout).toBe(0);
    const before = await node.endpoints();
    const again = await node.cni('ADD', conf, at);
    expect(again.code, again.stdout).toBe(0);
    expect(again.json).toEqual(first.json);
    expect((await node.endpoints()).length).toBe(before.length);
    expect((await node.cni('DEL', conf, at)).code).toBe(0);
    await expectNothingLeft(conf.name as string, at.containerId);
  });
});

describe.each(matrixValues('endpointDeleteLinger')!)('F7: a deleted endpoint lingers → %s', (value) => {
  const conf = minimalConfig('nat', { name: `f7-${value}` });

  it('ADD replaces a stale endpoint of its GUID (delete, then create the same GUID again)', async () => {
    await node.sim(['options', '--set', `endpointDeleteLinger=${value}`]);
    const warm = { containerId: `f7-warm-${value}`, netns: await node.createNamespace() };
    expect((await node.cni('ADD', conf, warm)).code).toBe(0); // the network exists
    const at = { containerId: `f7-${value}`, netns: await node.createNamespace() };
    // An endpoint left under this attachment's GUID with another address (a pod of an earlier life, its address
    // long released): the ADD must replace it, deleting and re-creating the same GUID.
    const network = (await node.networks()).find((n) => n.Name === conf.name)!;
    await otherClient().createEndpoint(
      String(network.ID),
      {
        Name: endpointNameFor(at.containerId, conf.name as string),
        IpConfigurations: [{ IpAddress: '10.244.3.250', PrefixLength: 24 }],
        SchemaVersion: { Major: 2, Minor: 0 },
      },
      { id: endpointIdFor(at.containerId, conf.name as string) },
    );
    const add = await node.cni('ADD', conf, at);
    expect(add.code, add.stdout).toBe(0);
    const address = (add.json!.ips as Array<{ address: string }>)[0]!.address.split('/')[0];
    const endpoint = (await node.endpoints()).find(
      (e) => String(e.ID).toLowerCase() === endpointIdFor(at.containerId, conf.name as string),
    );
    expect((endpoint?.IpConfigurations as Array<{ IpAddress: string }>)[0]!.IpAddress).toBe(address);
    expect(String(endpoint?.HostComputeNamespace).toLowerCase()).toBe(at.netns);
    expect(addressProblems(node, conf.name as string)).toEqual([]);
    for (const pod of [at, warm]) expect((await node.cni('DEL', conf, pod)).code).toBe(0);
    await expectNothingLeft(conf.name as string, at.containerId);
  });
});
