// Overlay (VXLAN) and dual-stack pods through the built executable, the FFI client, the C stub and the simulator
// (issue 12): ADD, repeated ADD, CHECK, DEL and GC, asserting the HCN documents HNS holds afterwards (the Overlay
// network as hcsshim and flanneld make it, the endpoint's OutBoundNAT/SDNRoute/ProviderAddress policies, the 0E-2A
// MAC, both IpConfigurations) and the CNI result at every version that can express both families. An Overlay network
// flanneld made is adopted and its RemoteSubnetRoute policies are never touched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHcnClient } from '../../src/hns/hcn-client.js';
import { createSimAbi } from '../../src/hns/sim/abi.js';
import type { HostComputeEndpoint, HostComputeNetwork } from '../../src/hns/types.js';
import { minimalConfig, SimNode } from './plugin-harness.js';

let node: SimNode;
beforeAll(async () => {
  node = await SimNode.start('hns-cni-overlay-');
});
afterAll(async () => {
  await node?.stop();
});

const endpointsOf = async (containerId: string) =>
  ((await node.endpoints()) as HostComputeEndpoint[]).filter((e) => String(e.Name).startsWith(`${containerId}_`));
const networkNamed = async (name: string) =>
  ((await node.networks()) as HostComputeNetwork[]).find((n) => n.Name === name);
const heldBy = async (containerId: string) =>
  (await node.allocations()).filter((a) => a.containerId === containerId).map((a) => a.address);

const DUAL = {
  clusterCIDR: '10.244.0.0/16,fd00:10:244::/56',
  serviceCIDR: '10.96.0.0/12,fd00:10:96::/112',
  ipam: { subnet: '10.244.3.0/24', subnet6: 'fd00:10:244:3::/64' },
};

describe('overlay mode: hns-cni creates the Overlay network (no flanneld)', () => {
  const network = 'vxlan0';
  const conf = minimalConfig('overlay', { name: network });
  const containerId = 'ov-pod';
  let netns: string;
  let result: Record<string, unknown>;

  it('ADD creates the network as hcsshim and flanneld do, and the endpoint with win-overlay policies', async () => {
    netns = await node.createNamespace();
    const run = await node.cni('ADD', conf, { containerId, netns });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    result = run.json!;

    const net = (await networkNamed(network))!;
    expect(net.Type).toBe('Overlay');
    expect(net.Policies).toEqual(
      expect.arrayContaining([
        { Type: 'VxlanPort', Settings: { Port: 4789 } },
        { Type: 'ProviderAddress', Settings: { ProviderAddress: '10.0.0.4' } }, // HNS adds the host's address
        { Type: 'DrMacAddress', Settings: { Address: expect.any(String) } },
      ]),
    );
    expect(net.Ipams?.[0]?.Subnets).toEqual([
      expect.objectContaining({
        IpAddressPrefix: '10.244.3.0/24',
        Policies: [{ Type: 'VSID', Settings: { IsolationId: 4096 } }],
        Routes: [{ NextHop: '10.244.3.1', DestinationPrefix: '0.0.0.0/0' }],
      }),
    ]);

    const [ep, ...more] = await endpointsOf(containerId);
    expect(more).toEqual([]);
    expect(String(ep!.HostComputeNamespace).toLowerCase()).toBe(netns);
    expect(String(ep!.MacAddress).toUpperCase()).toMatch(/^0E-2A-0A-F4-03-[0-9A-F]{2}$/);
    const ip = ep!.IpConfigurations![0]!.IpAddress!;
    expect(ep!.IpConfigurations).toEqual([{ IpAddress: ip, PrefixLength: 24 }]);
    // .1 is the distributed router, .2 kube-proxy's source VIP: neither is handed to a pod
    expect(['10.244.3.1', '10.244.3.2']).not.toContain(ip);
    expect(ep!.Routes).toEqual([{ NextHop: '10.244.3.1', DestinationPrefix: '0.0.0.0/0' }]);
    expect(ep!.Policies).toEqual([
      { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.244.0.0/16', '10.96.0.0/12'] } },
      { Type: 'SDNRoute', Settings: { DestinationPrefix: '10.96.0.0/12', NeedEncap: true } },
      { Type: 'ProviderAddress', Settings: { ProviderAddress: '10.0.0.4' } },
    ]);

    expect(result.ips).toEqual([{ address: `${ip}/24`, gateway: '10.244.3.1', interface: 0 }]);
    expect((result.interfaces as { mac: string }[])[0]!.mac).toBe(
      String(ep!.MacAddress).toLowerCase().replaceAll('-', ':'),
    );
    expect(await heldBy(containerId)).toEqual([ip]);
  });

  it('a repeated ADD answers the same and creates nothing', async () => {
    const before = await node.endpoints();
    const run = await node.cni('ADD', conf, { containerId, netns });
    expect(run.code).toBe(0);
    expect(run.json).toEqual(result);
    expect(await node.endpoints()).toEqual(before);
  });

  it('CHECK passes, and fails when the endpoint lost its ProviderAddress policy', async () => {
    const ok = await node.cni('CHECK', { ...conf, prevResult: result }, { containerId, netns });
    expect(ok.stdout).toBe('');
    expect(ok.code).toBe(0);
    // another component replaces the endpoint's policies with all but the provider address, then puts them back
    const other = createHcnClient(createSimAbi({ stateFile: node.env.HNS_CNI_SIM_STATE! }));
    const [ep] = await endpointsOf(containerId);
    const policies = ep!.Policies!;
    const update = (list: typeof policies) =>
      other.modifyEndpoint(String(ep!.ID), {
        ResourceType: 'Policy',
        RequestType: 'Update',
        Settings: { Policies: list },
      });
    await update(policies.filter((p) => p.Type !== 'ProviderAddress'));
    const bad = await node.cni('CHECK', { ...conf, prevResult: result }, { containerId, netns });
    expect(bad.code).toBe(1);
    expect(String(bad.json?.msg)).toContain('ProviderAddress');
    await update(policies);
    expect((await node.cni('CHECK', { ...conf, prevResult: result }, { containerId, netns })).code).toBe(0);
  });

  it('DEL removes the endpoint and releases the address; the network stays', async () => {
    const run = await node.cni('DEL', { ...conf, prevResult: result }, { containerId, netns });
    expect(run.code).toBe(0);
    expect(await endpointsOf(containerId)).toEqual([]);
    expect(await heldBy(containerId)).toEqual([]);
    expect(await networkNamed(network)).toBeDefined();
  });
});

describe.each(['l2bridge', 'overlay'] as const)('dual-stack pods in %s mode', (mode) => {
  const network = `dual-${mode}`;
  const conf = minimalConfig(mode, { ...DUAL, name: network });
  const gateway4 = mode === 'overlay' ? '10.244.3.1' : '10.244.3.2';
  const gateway6 = mode === 'overlay' ? 'fd00:10:244:3::1' : 'fd00:10:244:3::2';
  const containerId = `dual-${mode}`;
  let netns: string;
  let result: Record<string, unknown>;

  it('ADD gives the pod an IPv4 and an IPv6 address in HNS and in the result', async () => {
    netns = await node.createNamespace();
    const run = await node.cni('ADD', conf, { containerId, netns });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    result = run.json!;

    const subnets = (await networkNamed(network))!.Ipams?.[0]?.Subnets ?? [];
    expect(subnets.map((s) => s.IpAddressPrefix)).toEqual(['10.244.3.0/24', 'fd00:10:244:3::/64']);

    const [ep] = await endpointsOf(containerId);
    const configs = ep!.IpConfigurations!;
    expect(configs).toHaveLength(2);
    expect(configs[0]).toEqual({ IpAddress: expect.stringMatching(/^10\.244\.3\.\d+$/), PrefixLength: 24 });
    expect(configs[1]).toEqual({ IpAddress: expect.stringMatching(/^fd00:10:244:3::[0-9a-f]+$/), PrefixLength: 64 });
    const [ip4, ip6] = configs.map((c) => c.IpAddress!);
    expect(ep!.Routes).toEqual(
      expect.arrayContaining([
        { NextHop: gateway4, DestinationPrefix: '0.0.0.0/0' },
        { NextHop: gateway6, DestinationPrefix: '::/0' },
      ]),
    );
    const nats = ep!.Policies!.filter((p) => p.Type === 'OutBoundNAT');
    expect(nats).toEqual([
      { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.244.0.0/16', '10.96.0.0/12'] } },
      { Type: 'OutBoundNAT', Settings: { Exceptions: ['fd00:10:244::/56', 'fd00:10:96::/112'] } },
    ]);
    const encap = ep!.Policies!.filter((p) => p.Type === 'SDNRoute').map((p) => p.Settings);
    expect(encap).toEqual(
      expect.arrayContaining([
        { DestinationPrefix: '10.96.0.0/12', NeedEncap: true },
        { DestinationPrefix: 'fd00:10:96::/112', NeedEncap: true },
      ]),
    );

    expect(result.ips).toEqual([
      { address: `${ip4}/24`, gateway: gateway4, interface: 0 },
      { address: `${ip6}/64`, gateway: gateway6, interface: 0 },
    ]);
    expect(result.routes).toEqual(
      expect.arrayContaining([
        { dst: '0.0.0.0/0', gw: gateway4 },
        { dst: '::/0', gw: gateway6 },
      ]),
    );
    expect((await heldBy(containerId)).sort()).toEqual([ip4, ip6].sort());
  });

  it('a repeated ADD answers the same; CHECK checks both addresses', async () => {
    const again = await node.cni('ADD', conf, { containerId, netns });
    expect(again.code).toBe(0);
    expect(again.json).toEqual(result);
    const ok = await node.cni('CHECK', { ...conf, prevResult: result }, { containerId, netns });
    expect(ok.stdout).toBe('');
    expect(ok.code).toBe(0);
    // a prevResult whose IPv6 address is not the endpoint's fails CHECK
    const ips = result.ips as { address: string }[];
    const wrong = { ...result, ips: [ips[0], { ...ips[1], address: 'fd00:10:244:3::99/64' }] };
    const bad = await node.cni('CHECK', { ...conf, prevResult: wrong }, { containerId, netns });
    expect(bad.code).toBe(1);
    expect(String(bad.json?.msg)).toContain('fd00:10:244:3::99');
  });

  it.each([
    [
      '0.2.0',
      (r: Record<string, unknown>, ip4: string, ip6: string) => {
        expect(r.ip4).toMatchObject({ ip: `${ip4}/24`, gateway: gateway4 });
        expect(r.ip6).toMatchObject({ ip: `${ip6}/64`, gateway: gateway6 });
      },
    ],
    [
      '0.4.0',
      (r: Record<string, unknown>, ip4: string, ip6: string) => {
        expect(r.ips).toEqual([
          { version: '4', address: `${ip4}/24`, gateway: gateway4, interface: 0 },
          { version: '6', address: `${ip6}/64`, gateway: gateway6, interface: 0 },
        ]);
      },
    ],
    [
      '1.1.0',
      (r: Record<string, unknown>, ip4: string, ip6: string) => {
        expect(r.ips).toEqual([
          { address: `${ip4}/24`, gateway: gateway4, interface: 0 },
          { address: `${ip6}/64`, gateway: gateway6, interface: 0 },
        ]);
      },
    ],
  ] as const)('at cniVersion %s the result carries both families', async (version, expectShape) => {
    const id = `${containerId}-${version.replaceAll('.', '')}`;
    const ns = await node.createNamespace();
    const versioned = { ...conf, cniVersion: version };
    const run = await node.cni('ADD', versioned, { containerId: id, netns: ns });
    expect(run.code, run.stderr).toBe(0);
    const [ep] = await endpointsOf(id);
    const [ip4, ip6] = ep!.IpConfigurations!.map((c) => c.IpAddress!);
    expect(run.json!.cniVersion).toBe(version);
    expectShape(run.json!, ip4!, ip6!);
    expect((await node.cni('DEL', versioned, { containerId: id, netns: ns })).code).toBe(0);
    expect(await heldBy(id)).toEqual([]);
  });

  it('DEL releases both addresses; GC (1.1.0) handles both families', async () => {
    const del = await node.cni('DEL', { ...conf, prevResult: result }, { containerId, netns });
    expect(del.code).toBe(0);
    expect(await endpointsOf(containerId)).toEqual([]);
    expect(await heldBy(containerId)).toEqual([]);

    const conf11 = { ...conf, cniVersion: '1.1.0' };
    const keepNs = await node.createNamespace();
    const dropNs = await node.createNamespace();
    expect((await node.cni('ADD', conf11, { containerId: `keep-${mode}`, netns: keepNs })).code).toBe(0);
    expect((await node.cni('ADD', conf11, { containerId: `drop-${mode}`, netns: dropNs })).code).toBe(0);
    expect(await heldBy(`drop-${mode}`)).toHaveLength(2);
    const gc = await node.cni('GC', {
      ...conf11,
      'cni.dev/valid-attachments': [{ containerID: `keep-${mode}`, ifname: 'eth0' }],
    });
    expect(gc.code, gc.stdout).toBe(0);
    expect(await endpointsOf(`drop-${mode}`)).toEqual([]);
    expect(await heldBy(`drop-${mode}`)).toEqual([]);
    expect(await heldBy(`keep-${mode}`)).toHaveLength(2);
    expect((await node.cni('DEL', conf11, { containerId: `keep-${mode}`, netns: keepNs })).code).toBe(0);
    expect(await heldBy(`keep-${mode}`)).toEqual([]);
  });
});

describe("flanneld's Overlay network: adopted, its policies never touched", () => {
  it('ADD, CHECK and DEL use the network as it is; its RemoteSubnetRoute policies stay exactly as flanneld left them', async () => {
    // flanneld's vxlan backend, through another client of the same HNS (its own GUID, remote subnets of two nodes)
    const flanneld = createHcnClient(createSimAbi({ stateFile: node.env.HNS_CNI_SIM_STATE! }));
    const remote = (prefix: string, pa: string, mac: string) => ({
      Type: 'RemoteSubnetRoute' as const,
      Settings: { DestinationPrefix: prefix, IsolationId: 4096, ProviderAddress: pa, DistributedRouterMacAddress: mac },
    });
    const created = await flanneld.createNetwork({
      Name: 'flannel.4096',
      Type: 'Overlay',
      Ipams: [
        {
          Type: 'Static',
          Subnets: [
            {
              IpAddressPrefix: '10.244.5.0/24',
              Policies: [{ Type: 'VSID', Settings: { IsolationId: 4096 } }],
              Routes: [{ NextHop: '10.244.5.1', DestinationPrefix: '0.0.0.0/0' }],
            },
          ],
        },
      ],
      Policies: [
        remote('10.244.1.0/24', '10.0.0.11', '0e-2a-0a-00-00-0b'),
        remote('10.244.2.0/24', '10.0.0.12', '0e-2a-0a-00-00-0c'),
      ],
      SchemaVersion: { Major: 2, Minor: 0 },
    });
    const before = (await networkNamed('flannel.4096'))!;
    const conf = minimalConfig('overlay', { name: 'flannel.4096', ipam: { subnet: '10.244.5.0/24' } });
    const netns = await node.createNamespace();
    const add = await node.cni('ADD', conf, { containerId: 'fl-pod', netns });
    expect(add.code, add.stderr).toBe(0);
    const [ep] = await endpointsOf('fl-pod');
    expect(String(ep!.HostComputeNetwork).toLowerCase()).toBe(String(created.ID).toLowerCase());
    expect((add.json!.ips as { gateway: string }[])[0]!.gateway).toBe('10.244.5.1');
    const check = await node.cni('CHECK', { ...conf, prevResult: add.json }, { containerId: 'fl-pod', netns });
    expect(check.code, check.stdout).toBe(0);
    expect((await node.cni('DEL', conf, { containerId: 'fl-pod', netns })).code).toBe(0);
    expect(await networkNamed('flannel.4096')).toEqual(before);
  });
});
