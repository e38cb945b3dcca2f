// Full pod lifecycles through the built executable, the FFI client and the C stub, for every mode: ADD, repeated
// ADD, CHECK, DEL, repeated DEL, GC and STATUS, asserting the CNI results, the HNS objects and the IPAM store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHcnClient } from '../../src/hns/hcn-client.js';
import { createSimAbi } from '../../src/hns/sim/abi.js';
import { MODES, minimalConfig, SimNode } from './plugin-harness.js';

let node: SimNode;
beforeAll(async () => {
  node = await SimNode.start();
});
afterAll(async () => {
  await node?.stop();
});

const epName = (e: Record<string, unknown>) => String(e.Name);
const ipsOf = (e: Record<string, unknown>) =>
  ((e.IpConfigurations as Array<{ IpAddress: string }> | undefined) ?? []).map((c) => c.IpAddress);

describe.each(MODES)('%s mode', (mode) => {
  const containerId = `pod-${mode}`;
  // One network per mode: an existing network of another type is (rightly) a conflict.
  const network = `pods-${mode}`;
  const conf = { ...minimalConfig(mode), name: network };
  let netns: string;
  let result: Record<string, unknown>;

  it('ADD creates the network(s), the endpoint(s) attached to the namespace, and answers in 1.0.0', async () => {
    netns = await node.createNamespace();
    const run = await node.cni('ADD', conf, { containerId, netns });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    result = run.json!;
    expect(result.cniVersion).toBe('1.0.0');
    const interfaces = result.interfaces as Array<{ name: string; mac: string; sandbox: string }>;
    expect(interfaces[0]).toMatchObject({ name: 'eth0', sandbox: netns });
    expect(interfaces).toHaveLength(mode === 'transparent' ? 2 : 1);
    const ips = result.ips as Array<{ address: string; gateway: string; interface: number }>;
    expect(ips).toHaveLength(1);
    expect(ips[0]!.address).toMatch(/^10\.244\.3\.\d+\/24$/);
    expect(ips[0]!.interface).toBe(0);
    const podIp = ips[0]!.address.split('/')[0]!;

    const mine = (await node.endpoints()).filter((e) => epName(e).startsWith(`${containerId}_eth0_`));
    expect(mine).toHaveLength(mode === 'transparent' ? 2 : 1);
    for (const e of mine) expect(String(e.HostComputeNamespace).toLowerCase()).toBe(netns.toLowerCase());
    const pod = mine.find((e) => epName(e) === `${containerId}_eth0_${network}`)!;
    expect(ipsOf(pod)).toEqual([podIp]);
    expect(String(pod.MacAddress).toLowerCase().replaceAll('-', ':')).toBe(interfaces[0]!.mac);

    const ns = await node.namespace(netns);
    const resources = (ns?.Resources as Array<{ Data: Record<string, string> }>) ?? [];
    expect(resources.map((r) => (r.Data.ID ?? r.Data.Id)!.toLowerCase()).sort()).toEqual(
      mine.map((e) => String(e.ID).toLowerCase()).sort(),
    );
    const allocations = await node.allocations();
    expect(allocations.filter((a) => a.containerId === containerId)).toMatchObject([
      { containerId, ifName: 'eth0', address: podIp },
    ]);
    if (mode === 'transparent') {
      const routes = pod.Routes as Array<{ DestinationPrefix: string }>;
      expect(routes.map((r) => r.DestinationPrefix)).toEqual(expect.arrayContaining(['10.244.0.0/16', '10.96.0.0/12']));
      const nat = mine.find((e) => e !== pod)!;
      expect((nat.Routes as Array<{ DestinationPrefix: string }>).map((r) => r.DestinationPrefix)).toContain(
        '0.0.0.0/0',
      );
    }
    if (mode === 'l2bridge') {
      const policies = (pod.Policies as Array<{ Type: string }>).map((p) => p.Type);
      expect(policies).toEqual(expect.arrayContaining(['OutBoundNAT', 'SDNRoute']));
      expect(ips[0]!.gateway).toBe('10.244.3.2');
      expect(ips[0]!.address).not.toBe('10.244.3.2/24');
    }
  });

  it('a repeated ADD returns the same result and creates nothing new', async () => {
    const before = await node.endpoints();
    const run = await node.cni('ADD', conf, { containerId, netns });
    expect(run.code).toBe(0);
    expect(run.json).toEqual(result);
    expect((await node.endpoints()).length).toBe(before.length);
    expect((await node.allocations()).filter((a) => a.containerId === containerId)).toHaveLength(1);
  });

  it('CHECK passes with the prevResult, and fails by name when the endpoint left the namespace', async () => {
    const ok = await node.cni('CHECK', { ...conf, prevResult: result }, { containerId, netns });
    expect(ok.stdout).toBe('');
    expect(ok.code).toBe(0);
    const other = await node.createNamespace();
    const moved = await node.cni('CHECK', { ...conf, prevResult: result }, { containerId, netns: other });
    expect(moved.code).toBe(1);
    expect(moved.json).toMatchObject({ code: 103 });
    expect(String(moved.json!.msg)).toContain(`is attached to ${netns.toLowerCase()}`);
  });

  it('DEL removes the endpoint(s) and then the allocation; a repeated DEL with an empty netns succeeds', async () => {
    const run = await node.cni('DEL', { ...conf, prevResult: result }, { containerId, netns });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect((await node.endpoints()).filter((e) => epName(e).startsWith(`${containerId}_`))).toEqual([]);
    expect((await node.allocations()).filter((a) => a.containerId === containerId)).toEqual([]);
    const again = await node.cni('DEL', conf, { containerId, netns: '' });
    expect(again.code).toBe(0);
    const third = await node.cni('DEL', conf, { containerId, netns });
    expect(third.code).toBe(0);
    expect((await node.networks()).map((n) => n.Name)).toContain(network);
  });

  it('GC (1.1.0) removes attachments that are not valid and keeps the valid one', async () => {
    const conf11 = { ...minimalConfig(mode, { cniVersion: '1.1.0' }), name: network };
    const keepNs = await node.createNamespace();
    const dropNs = await node.createNamespace();
    expect((await node.cni('ADD', conf11, { containerId: `keep-${mode}`, netns: keepNs })).code).toBe(0);
    expect((await node.cni('ADD', conf11, { containerId: `drop-${mode}`, netns: dropNs })).code).toBe(0);
    const gc = await node.cni('GC', {
      ...conf11,
      'cni.dev/valid-attachments': [{ containerID: `keep-${mode}`, ifname: 'eth0' }],
    });
    expect(gc.stdout).toBe('');
    expect(gc.code).toBe(0);
    const names = (await node.endpoints()).map(epName);
    expect(names.some((n) => n.startsWith(`keep-${mode}_`))).toBe(true);
    expect(names.some((n) => n.startsWith(`drop-${mode}_`))).toBe(false);
    const held = (await node.allocations()).map((a) => a.containerId);
    expect(held).toContain(`keep-${mode}`);
    expect(held).not.toContain(`drop-${mode}`);
    expect((await node.cni('DEL', conf11, { containerId: `keep-${mode}`, netns: keepNs })).code).toBe(0);
  });

  it('STATUS (1.1.0) is ready', async () => {
    const run = await node.cni('STATUS', { ...minimalConfig(mode, { cniVersion: '1.1.0' }), name: network });
    expect(run.stdout).toBe('');
    expect(run.code).toBe(0);
  });
});

describe("GC never touches endpoints that are not hns-cni's", () => {
  it('an endpoint with a foreign ID on the pod network survives GC with no valid attachments', async () => {
    const conf11 = { ...minimalConfig('nat', { cniVersion: '1.1.0' }), name: 'pods-gc' };
    const ns = await node.createNamespace();
    expect((await node.cni('ADD', conf11, { containerId: 'gc-mine', netns: ns })).code).toBe(0);
    // What another tool (win-bridge, kube-proxy) would create: same naming idea, random GUID.
    const network = (await node.networks()).find((n) => n.Name === 'pods-gc')!;
    const foreignName = 'gc-foreign_eth0_pods-gc';
    // Another tool talking to the same HNS: a client on the simulator's state file, in this process.
    const other = createHcnClient(createSimAbi({ stateFile: node.env.HNS_CNI_SIM_STATE! }));
    await other.createEndpoint(String(network.ID), { Name: foreignName, SchemaVersion: { Major: 2, Minor: 0 } });
    const gc = await node.cni('GC', { ...conf11, 'cni.dev/valid-attachments': [] });
    expect(gc.code).toBe(0);
    const names = (await node.endpoints()).map(epName);
    expect(names).toContain(foreignName);
    expect(names.some((n) => n.startsWith('gc-mine_'))).toBe(false);
  });
});
