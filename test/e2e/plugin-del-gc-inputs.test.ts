// What DEL and GC may depend on (issue 11, items 3 and 4). DEL needs only the IPAM store: it succeeds, and gives the
// address back, with flannel's subnet.env gone or a kubeconfig that cannot be read — a DEL that fails there fails
// forever and leaves the pod Terminating. GC without `cni.dev/valid-attachments` is refused (code 7) and changes
// nothing: it must never read a missing list as "no attachment is valid" and wipe the node.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalConfig, SimNode } from './plugin-harness.js';

let node: SimNode;
beforeAll(async () => {
  node = await SimNode.start('hns-cni-inputs-');
});
afterAll(async () => {
  await node?.stop();
});

const endpointsOf = async (containerId: string) =>
  (await node.endpoints()).filter((e) => String(e.Name).startsWith(`${containerId}_`));
const allocationsOf = async (containerId: string) =>
  (await node.allocations()).filter((a) => a.containerId === containerId);

describe('DEL needs only the IPAM store', () => {
  it("succeeds and releases the address when flannel's subnet.env is gone", async () => {
    const subnetFile = path.join(node.dir, 'flannel', 'subnet.env');
    fs.mkdirSync(path.dirname(subnetFile), { recursive: true });
    fs.writeFileSync(subnetFile, 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.5.1/24\nFLANNEL_MTU=1450\n');
    const conf = minimalConfig('l2bridge', { name: 'flannel-net', ipam: { subnetFrom: 'flannel', subnetFile } });
    const at = { containerId: 'flannel-pod', netns: await node.createNamespace() };
    const add = await node.cni('ADD', conf, at);
    expect(add.code, add.stdout).toBe(0);
    expect(await allocationsOf('flannel-pod')).toHaveLength(1);

    fs.rmSync(subnetFile); // flanneld stopped, the node is being drained
    const del = await node.cni('DEL', conf, at);
    expect(del.stdout).toBe('');
    expect(del.code).toBe(0);
    expect(await endpointsOf('flannel-pod')).toEqual([]);
    expect(await allocationsOf('flannel-pod')).toEqual([]);
    expect((await node.cni('DEL', conf, { ...at, netns: '' })).code).toBe(0);
  });

  it('succeeds after an ADD that failed on an unreadable kubeconfig (nothing cached)', async () => {
    const kubeconfig = path.join(node.dir, 'broken-kubeconfig');
    fs.writeFileSync(kubeconfig, 'this: [is: not a kubeconfig');
    const conf = minimalConfig('nat', {
      name: 'node-net',
      ipam: { subnetFrom: 'node', kubeconfig, nodeName: 'win-node-1' },
    });
    const at = { containerId: 'node-pod', netns: await node.createNamespace() };
    const add = await node.cni('ADD', conf, at);
    expect(add.code).toBe(1);
    expect(add.json).toMatchObject({ code: 7 });
    // The runtime's DEL after the failed ADD: nothing to undo, and it must say so with success.
    const del = await node.cni('DEL', conf, at);
    expect(del.stdout).toBe('');
    expect(del.code).toBe(0);
    expect(await endpointsOf('node-pod')).toEqual([]);
  });
});

describe('GC without the list of valid attachments', () => {
  const conf = minimalConfig('nat', { cniVersion: '1.1.0', name: 'gc-net' });

  it('is refused with code 7 and removes nothing', async () => {
    const at = { containerId: 'gc-keep', netns: await node.createNamespace() };
    expect((await node.cni('ADD', conf, at)).code).toBe(0);
    const gc = await node.cni('GC', conf);
    expect(gc.code).toBe(1);
    expect(gc.json).toMatchObject({ code: 7 });
    expect(String(gc.json!.msg)).toContain('cni.dev/valid-attachments');
    expect(await endpointsOf('gc-keep')).toHaveLength(1);
    expect(await allocationsOf('gc-keep')).toHaveLength(1);
  });

  it("takes libcni's legacy cni.dev/attachments as the list, and an explicit [] as 'nothing is valid'", async () => {
    const gone = { containerId: 'gc-gone', netns: await node.createNamespace() };
    expect((await node.cni('ADD', conf, gone)).code).toBe(0);
    const legacy = await node.cni('GC', {
      ...conf,
      'cni.dev/attachments': [{ containerID: 'gc-keep', ifname: 'eth0' }],
    });
    expect(legacy.code, legacy.stdout).toBe(0);
    expect(await endpointsOf('gc-keep')).toHaveLength(1);
    expect(await endpointsOf('gc-gone')).toEqual([]);
    expect(await allocationsOf('gc-gone')).toEqual([]);

    const none = await node.cni('GC', { ...conf, 'cni.dev/valid-attachments': [] });
    expect(none.code, none.stdout).toBe(0);
    expect(await endpointsOf('gc-keep')).toEqual([]);
    expect(await allocationsOf('gc-keep')).toEqual([]);
  });
});
