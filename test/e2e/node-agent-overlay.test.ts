// Overlay without flanneld (issue 12): the built `hns-cni node` creates the Overlay network from the Node's podCIDR
// and keeps one RemoteSubnetRoute policy per other node on it (HcnModifyNetwork through the C stub; provider
// address = that node's InternalIP, DR MAC from its annotation or flannel's backend-data, isolation id = the VNI),
// idempotently; a node that leaves loses its policy; a pod on the network works; with flanneld's network in place
// the agent adopts it and never touches its policies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHcnClient } from '../../src/hns/hcn-client.js';
import { createSimAbi } from '../../src/hns/sim/abi.js';
import { createSimIphlpAbi } from '../../src/hns/sim/iphlp-abi.js';
import type { HostComputeNetwork } from '../../src/hns/types.js';
import { createIphlpClient } from '../../src/iphlp/client.js';
import { type KubeApiServer, startKubeApiServer } from '../fixtures/kube/api-server.js';
import { routes, startNode, status, writeConflist } from './node-helpers.js';
import type { SimNode } from './plugin-harness.js';

let node: SimNode;
let api: KubeApiServer;
let confDir: string;

const remoteRoutes = async (name: string) => {
  const network = ((await node.networks()) as HostComputeNetwork[]).find((n) => n.Name === name);
  return (network?.Policies ?? [])
    .filter((p) => p.Type === 'RemoteSubnetRoute')
    .map((p) => p.Settings as Record<string, unknown>)
    .sort((a, b) => String(a.DestinationPrefix).localeCompare(String(b.DestinationPrefix)));
};
/** IPv4 forwarding of the interface that holds `address` on link, read from the simulated host directly. */
const forwardingOn = async (address: string) => {
  const iphlp = createIphlpClient(createSimIphlpAbi({ stateFile: node.env.HNS_CNI_SIM_STATE! }));
  const table = await iphlp.listRoutes(4);
  const prefix = address === '10.0.0.4' ? '10.0.0.0/24' : '10.244.1.0/24';
  const via = table.find((r) => r.destinationPrefix === prefix && r.nextHop === '0.0.0.0')!;
  return (await iphlp.getInterface({ family: 4, interfaceIndex: via.interfaceIndex })).forwardingEnabled;
};
const once = async (dir = confDir) => {
  const run = await node.command(['node', '--once', '--conf-dir', dir, '--node-name', 'win-a'], false);
  expect(run.code, run.stderr).toBe(0);
};

beforeAll(async () => {
  node = await startNode('hns-node-overlay-');
  api = await startKubeApiServer(node.dir);
  api.setNode({ name: 'win-a', podCIDRs: ['10.244.1.0/24'], internalIP: '10.0.0.4' });
  api.setNode({
    name: 'win-b',
    podCIDRs: ['10.244.2.0/24'],
    internalIP: '10.0.0.5',
    annotations: { 'hns-cni.dev/dr-mac': '0e-2a-0a-00-00-05' },
  });
  // a Linux node running flannel's vxlan backend publishes its VTEP MAC in backend-data
  api.setNode({
    name: 'linux-c',
    podCIDRs: ['10.244.3.0/24'],
    internalIP: '10.0.0.6',
    annotations: { 'flannel.alpha.coreos.com/backend-data': '{"VNI":4096,"VtepMAC":"0e:2a:0a:00:00:06"}' },
  });
  confDir = writeConflist(
    node,
    {
      mode: 'overlay',
      clusterCIDR: '10.244.0.0/16',
      serviceCIDR: '10.96.0.0/12',
      ipam: { subnetFrom: 'node', kubeconfig: api.kubeconfig, nodeName: 'win-a' },
    },
    'vxlan0',
  );
}, 180_000);

afterAll(async () => {
  await api?.close();
  await node?.stop();
});

describe('hns-cni node in overlay mode (no flanneld)', () => {
  it('creates the Overlay network and a RemoteSubnetRoute per other node', async () => {
    await once();
    const network = ((await node.networks()) as HostComputeNetwork[]).find((n) => n.Name === 'vxlan0')!;
    expect(network.Type).toBe('Overlay');
    expect(network.Ipams?.[0]?.Subnets?.[0]).toMatchObject({
      IpAddressPrefix: '10.244.1.0/24',
      Policies: [{ Type: 'VSID', Settings: { IsolationId: 4096 } }],
    });
    expect(await remoteRoutes('vxlan0')).toEqual([
      {
        DestinationPrefix: '10.244.2.0/24',
        IsolationId: 4096,
        ProviderAddress: '10.0.0.5',
        DistributedRouterMacAddress: expect.stringMatching(/^0e-2a-0a-00-00-05$/i),
      },
      {
        DestinationPrefix: '10.244.3.0/24',
        IsolationId: 4096,
        ProviderAddress: '10.0.0.6',
        DistributedRouterMacAddress: expect.stringMatching(/^0e[-:]2a[-:]0a[-:]00[-:]00[-:]06$/i),
      },
    ]);
  });

  it("has the host endpoint vxlan0_ep at the source VIP slot .2, with the network's provider address, on the host", async () => {
    const s = await status(node, confDir);
    expect(s.hostEndpoints).toEqual([
      expect.objectContaining({ name: 'vxlan0_ep', address: '10.244.1.2', network: 'vxlan0' }),
    ]);
    const network = ((await node.networks()) as HostComputeNetwork[]).find((n) => n.Name === 'vxlan0')!;
    const pa = network.Policies?.find((p) => p.Type === 'ProviderAddress')?.Settings;
    expect(pa).toEqual({ ProviderAddress: '10.0.0.4' });
    const ep = (await node.endpoints()).find((e) => e.Name === 'vxlan0_ep')!;
    expect(ep.Policies).toEqual([{ Type: 'ProviderAddress', Settings: { ProviderAddress: '10.0.0.4' } }]);
    // Attached to the host: the node has an on-link leg on the pod subnet through a vNIC of its own.
    const table = await routes(node);
    const onLink = table.find((r) => r.destinationPrefix === '10.244.1.0/24');
    const physical = table.find((r) => r.destinationPrefix === '10.0.0.0/24');
    expect(onLink?.nextHop).toBe('0.0.0.0');
    expect(onLink?.interfaceIndex).not.toBe(physical?.interfaceIndex);
    expect(s.agent?.prepare.hostEndpoints).toEqual(['vxlan0_ep 10.244.1.2 (create)']);
  });

  it('turns IPv4 forwarding on for the host endpoint and the provider address interfaces (through IP Helper)', async () => {
    expect(await forwardingOn('10.244.1.2')).toBe(true);
    expect(await forwardingOn('10.0.0.4')).toBe(true);
    const s = await status(node, confDir);
    expect(s.forwarding.map((f) => [f.address, f.present, f.enabled])).toEqual([
      ['10.244.1.2', true, true],
      ['10.0.0.4', true, true],
    ]);
    expect(s.agent?.prepare.forwarding).toEqual([
      expect.stringMatching(/^10\.244\.1\.2 \(if \d+\): enabled by hns-cni \(was off\)$/),
      expect.stringMatching(/^10\.0\.0\.4 \(if \d+\): enabled by hns-cni \(was off\)$/),
    ]);
    const stats = await node.stats();
    expect(stats.calls.SetIpInterfaceEntry).toBe(2);
  });

  it('a second run changes nothing: no HcnModifyNetwork, the same policies', async () => {
    const before = { stats: await node.stats(), routes: await remoteRoutes('vxlan0') };
    await once();
    const after = await node.stats();
    expect(after.calls.HcnModifyNetwork ?? 0).toBe(before.stats.calls.HcnModifyNetwork ?? 0);
    expect(after.calls.HcnCreateNetwork ?? 0).toBe(before.stats.calls.HcnCreateNetwork ?? 0);
    expect(after.calls.HcnCreateEndpoint ?? 0).toBe(before.stats.calls.HcnCreateEndpoint ?? 0);
    expect(after.calls.SetIpInterfaceEntry ?? 0).toBe(before.stats.calls.SetIpInterfaceEntry ?? 0);
    expect(await remoteRoutes('vxlan0')).toEqual(before.routes);
    expect((await node.endpoints()).filter((e) => e.Name === 'vxlan0_ep')).toHaveLength(1);
    expect((await status(node, confDir)).agent?.prepare.hostEndpoints).toEqual(['vxlan0_ep 10.244.1.2 (keep)']);
  });

  it('a pod on the network goes through ADD and DEL', async () => {
    const conf = {
      cniVersion: '1.0.0',
      name: 'vxlan0',
      type: 'hns-cni',
      mode: 'overlay',
      clusterCIDR: '10.244.0.0/16',
      serviceCIDR: '10.96.0.0/12',
      ipam: { subnetFrom: 'node', kubeconfig: api.kubeconfig, nodeName: 'win-a' },
    };
    const netns = await node.createNamespace();
    const add = await node.cni('ADD', conf, { containerId: 'ov-agent-pod', netns });
    expect(add.code, add.stderr).toBe(0);
    expect((add.json!.ips as { address: string; gateway: string }[])[0]).toMatchObject({ gateway: '10.244.1.1' });
    expect((await node.cni('DEL', conf, { containerId: 'ov-agent-pod', netns })).code).toBe(0);
  });

  it('a node that leaves loses its policy; the others stay', async () => {
    api.deleteNode('win-b');
    await once();
    expect((await remoteRoutes('vxlan0')).map((r) => r.DestinationPrefix)).toEqual(['10.244.3.0/24']);
    const down = await node.command(['node', 'teardown'], false);
    expect(down.code, down.stderr).toBe(0);
    // Forwarding is off again on the interface that stays (the endpoint's went with the endpoint).
    expect(await forwardingOn('10.0.0.4')).toBe(false);
    // Nothing of the node is left: no host endpoint, no network, no on-link leg on the pod subnet.
    expect((await node.endpoints()).filter((e) => e.Name === 'vxlan0_ep')).toEqual([]);
    const s = await status(node, confDir);
    expect(s.hostEndpoints).toEqual([]);
    expect(s.networks).toEqual([]);
    expect((await routes(node)).some((r) => r.destinationPrefix === '10.244.1.0/24')).toBe(false);
  });
});

describe('IP forwarding someone else turned on', () => {
  it('is used as it is and left on by teardown', async () => {
    const iphlp = createIphlpClient(createSimIphlpAbi({ stateFile: node.env.HNS_CNI_SIM_STATE! }));
    const physical = (await iphlp.listRoutes(4)).find((r) => r.destinationPrefix === '10.0.0.0/24')!;
    const row = await iphlp.getInterface({ family: 4, interfaceIndex: physical.interfaceIndex });
    await iphlp.setInterface({ ...row, forwardingEnabled: true });
    await once();
    const s = await status(node, confDir);
    expect(s.agent?.prepare.forwarding?.[1]).toMatch(/^10\.0\.0\.4 \(if \d+\): enabled already$/);
    expect(s.forwarding.map((f) => f.address)).toEqual(['10.244.1.2']);
    const down = await node.command(['node', 'teardown'], false);
    expect(down.code, down.stderr).toBe(0);
    expect(await forwardingOn('10.0.0.4')).toBe(true);
    expect((await status(node, confDir)).forwarding).toEqual([]);
  });
});

describe('HNS refusing to attach an Overlay endpoint to the host (simulator option overlayHostAttach, unconfirmed)', () => {
  it('prepare still succeeds: the endpoint is kept unattached and the status says why', async () => {
    const set = (v: string) =>
      node.command(
        ['sim', 'options', '--set', `overlayHostAttach=${v}`, '--state', node.env.HNS_CNI_SIM_STATE!],
        false,
      );
    expect((await set('reject')).code).toBe(0);
    try {
      await once();
      const s = await status(node, confDir);
      expect(s.agent?.prepare.ok).toBe(true);
      expect(s.agent?.prepare.notes.join()).toMatch(/vxlan0_ep: HNS refused to attach it to the host; kept unattached/);
      expect((await node.endpoints()).filter((e) => e.Name === 'vxlan0_ep')).toHaveLength(1);
      expect((await routes(node)).some((r) => r.destinationPrefix === '10.244.1.0/24')).toBe(false);
      const down = await node.command(['node', 'teardown'], false);
      expect(down.code, down.stderr).toBe(0);
      expect((await status(node, confDir)).hostEndpoints).toEqual([]);
    } finally {
      expect((await set('accept')).code).toBe(0);
    }
  });
});

describe("flanneld's Overlay network: adopted, never touched", () => {
  it('the agent leaves its RemoteSubnetRoute policies exactly as they are', async () => {
    const flanneld = createHcnClient(createSimAbi({ stateFile: node.env.HNS_CNI_SIM_STATE! }));
    await flanneld.createNetwork({
      Name: 'flannel.4096',
      Type: 'Overlay',
      Ipams: [
        {
          Type: 'Static',
          Subnets: [
            {
              IpAddressPrefix: '10.244.1.0/24',
              Policies: [{ Type: 'VSID', Settings: { IsolationId: 4096 } }],
              Routes: [{ NextHop: '10.244.1.1', DestinationPrefix: '0.0.0.0/0' }],
            },
          ],
        },
      ],
      Policies: [
        {
          Type: 'RemoteSubnetRoute',
          Settings: {
            DestinationPrefix: '10.244.9.0/24',
            IsolationId: 4096,
            ProviderAddress: '10.0.0.99',
            DistributedRouterMacAddress: '0e-2a-0a-00-00-63',
          },
        },
      ],
      SchemaVersion: { Major: 2, Minor: 0 },
    });
    const before = ((await node.networks()) as HostComputeNetwork[]).find((n) => n.Name === 'flannel.4096');
    const flannelConf = writeConflist(
      node,
      {
        mode: 'overlay',
        clusterCIDR: '10.244.0.0/16',
        serviceCIDR: '10.96.0.0/12',
        ipam: { subnetFrom: 'node', kubeconfig: api.kubeconfig, nodeName: 'win-a' },
      },
      'flannel.4096',
    );
    const calls = (await node.stats()).calls.HcnModifyNetwork ?? 0;
    await once(flannelConf);
    expect((await node.stats()).calls.HcnModifyNetwork ?? 0).toBe(calls);
    expect(((await node.networks()) as HostComputeNetwork[]).find((n) => n.Name === 'flannel.4096')).toEqual(before);
    const s = await status(node, flannelConf);
    expect(s.agent?.routes).toMatchObject({ mechanism: 'none', reason: expect.stringContaining('another agent') });
  });
});
