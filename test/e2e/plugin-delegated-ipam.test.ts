// The plugin with a delegated IPAM (Debian's real host-local, as flannel configures win-bridge): the unchanged config
// reaches host-local, its address lands on the endpoint, DEL gives it back after the endpoint is gone, and STATUS/GC
// are not sent to a delegate that predates CNI 1.1.0 (host-local 1.1.1 answers them with a bogus error).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SimNode } from './plugin-harness.js';

const HOST_LOCAL = '/usr/lib/cni/host-local';
let node: SimNode;

beforeAll(async () => {
  if (!fs.existsSync(HOST_LOCAL))
    throw new Error(`${HOST_LOCAL} is missing: apt-get install containernetworking-plugins`);
  node = await SimNode.start('hns-cni-delegated-');
});
afterAll(async () => {
  await node?.stop();
});

it('ADD, repeated ADD, DEL, STATUS and GC with host-local as the IPAM', async () => {
  const dataDir = path.join(node.dir, 'host-local');
  // host-local 1.1.1 speaks up to 1.0.0: ADD/DEL run at 1.0.0; STATUS and GC need a 1.1.0 config.
  const conf = {
    cniVersion: '1.0.0',
    name: 'flannel-like',
    type: 'hns-cni',
    mode: 'l2bridge',
    clusterCIDR: '10.244.0.0/16',
    serviceCIDR: '10.96.0.0/12',
    // host-local's own fields must survive untouched (the anchors drop them: WCN issue #64).
    ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.7.0/24', rangeStart: '10.244.7.10' }]], dataDir },
  };
  const netns = await node.createNamespace();
  const add = await node.cni('ADD', conf, { containerId: 'hl-pod', netns });
  expect(add.code, add.stdout).toBe(0);
  const address = (add.json!.ips as Array<{ address: string }>)[0]!.address;
  expect(address).toBe('10.244.7.10/24');
  const held = fs.readdirSync(path.join(dataDir, 'flannel-like'));
  expect(held).toContain('10.244.7.10');

  const again = await node.cni('ADD', conf, { containerId: 'hl-pod', netns });
  expect(again.code, again.stdout).toBe(0);
  expect((again.json!.ips as Array<{ address: string }>)[0]!.address).toBe(address);

  const conf11 = { ...conf, cniVersion: '1.1.0' };
  const status = await node.cni('STATUS', conf11);
  expect(status.code, status.stdout).toBe(0);
  const gc = await node.cni('GC', {
    ...conf11,
    'cni.dev/valid-attachments': [{ containerID: 'hl-pod', ifname: 'eth0' }],
  });
  expect(gc.code, gc.stdout).toBe(0);

  const del = await node.cni('DEL', conf, { containerId: 'hl-pod', netns });
  expect(del.code, del.stdout).toBe(0);
  expect(fs.readdirSync(path.join(dataDir, 'flannel-like'))).not.toContain('10.244.7.10');
  expect((await node.endpoints()).filter((e) => String(e.Name).startsWith('hl-pod_'))).toEqual([]);
});
