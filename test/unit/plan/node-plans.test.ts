// The node agent's pure plans: what a node needs before its first pod (plan/node-networks.ts) and the routes to the
// other nodes (plan/node-routes.ts). Layouts follow the anchors: flannel host-gw's cbr0 + cbr0_ep at .2, flannel
// VXLAN's RemoteSubnetRoute settings (hns-api.md E15).
import { describe, expect, it } from 'vitest';
import { CNI_CODE, CniError } from '../../../src/cni/errors.js';
import { loadNetConf } from '../../../src/config/load.js';
import type { HostComputeEndpoint, HostComputeNetwork } from '../../../src/hns/types.js';
import { endpointIdForName, isHnsCniEndpoint, networkIdFor } from '../../../src/plan/identity.js';
import { hostEndpointIdFor, type NodeNetworkView, planNodeNetworks } from '../../../src/plan/node-networks.js';
import {
  DR_MAC_ANNOTATION,
  drMacOfNetwork,
  drMacToPublish,
  type NodeFacts,
  onLinkInterfaceFor,
  peersOf,
  planHostRoutes,
  planRemoteSubnetRoutes,
  remoteSubnetRequest,
  type TableRoute,
} from '../../../src/plan/node-routes.js';
import { minimalConfig } from '../../fixtures/minimal-config.js';

const config = (mode: string, extra: Record<string, unknown> = {}) => loadNetConf(minimalConfig(mode, extra));
const empty: NodeNetworkView = { podNetwork: null, natNetwork: null, ownHostEndpoint: null, namesakes: [] };
const facts = { subnet: '10.244.3.0/24' };

describe('planNodeNetworks', () => {
  it('l2bridge: the network, and a host endpoint <network>_ep at the pod gateway .2 that GC never takes for a pod', () => {
    const plan = planNodeNetworks(config('l2bridge'), facts, empty);
    expect(plan.createNetworks.map((s) => [s.name, s.document.Type, s.id])).toEqual([
      ['k8s-pods', 'L2Bridge', networkIdFor('k8s-pods')],
    ]);
    expect(plan.podNetworkOwned).toBe(true);
    const ep = plan.hostEndpoint!;
    expect(ep).toMatchObject({ role: 'bridge', name: 'k8s-pods_ep', address: '10.244.3.2', action: 'create' });
    expect(ep.document).toMatchObject({
      Name: 'k8s-pods_ep',
      HostComputeNetwork: networkIdFor('k8s-pods'),
      IpConfigurations: [{ IpAddress: '10.244.3.2', PrefixLength: 24 }],
      MacAddress: '0E-2A-0A-F4-03-02',
    });
    expect(ep.document.Policies).toBeUndefined();
    expect(ep.id).toBe(hostEndpointIdFor('k8s-pods'));
    expect(ep.id).not.toBe(endpointIdForName('k8s-pods_ep'));
    expect(isHnsCniEndpoint({ ID: ep.id, Name: ep.name })).toBe(false);
  });

  it('transparent: both networks, and the node holds the network gateway .1 on a <network>_gw endpoint', () => {
    const plan = planNodeNetworks(config('transparent'), facts, empty);
    expect(plan.createNetworks.map((s) => [s.name, s.document.Type ?? 'NAT'])).toEqual([
      ['k8s-pods', 'Transparent'],
      ['k8s-pods-nat', 'NAT'],
    ]);
    expect(plan.hostEndpoint).toMatchObject({ role: 'gateway', name: 'k8s-pods_gw', address: '10.244.3.1' });
    // HNS keeps a subnet's gateway from endpoints unless DoNotReserveGatewayAddress is set (hns-api.md §3.2).
    expect(plan.createNetworks[0]!.document.Ipams?.[0]?.Subnets?.[0]?.Flags).toBe(1);
    const reserved: HostComputeNetwork = {
      ID: networkIdFor('k8s-pods'),
      Name: 'k8s-pods',
      Type: 'Transparent',
      Ipams: [{ Type: 'Static', Subnets: [{ IpAddressPrefix: '10.244.3.0/24' }] }],
    };
    const existing = planNodeNetworks(config('transparent'), facts, { ...empty, podNetwork: reserved });
    expect(existing.hostEndpoint?.action).toBe('unavailable');
    expect(existing.notes.join()).toMatch(/reserves its gateway 10\.244\.3\.1/);
  });

  it("overlay: <network>_ep at the source VIP slot (.2, not HNS's .1), with the network's ProviderAddress", () => {
    const conf = config('overlay');
    const first = planNodeNetworks(conf, facts, empty);
    expect(first.createNetworks.map((s) => s.document.Type)).toEqual(['Overlay']);
    // Before the network exists HNS has given it no provider address: no policy yet (prepare plans again).
    expect(first.hostEndpoint).toMatchObject({ role: 'overlay', name: 'k8s-pods_ep', address: '10.244.3.2' });
    expect(first.hostEndpoint!.document.Policies).toBeUndefined();
    const network: HostComputeNetwork = {
      ...first.createNetworks[0]!.document,
      ID: networkIdFor('k8s-pods'),
      Policies: [{ Type: 'ProviderAddress', Settings: { ProviderAddress: '10.0.0.4' } }],
    };
    const plan = planNodeNetworks(conf, facts, { ...empty, podNetwork: network });
    expect(plan.hostEndpoint?.action).toBe('create');
    expect(plan.hostEndpoint!.document).toMatchObject({
      Name: 'k8s-pods_ep',
      IpConfigurations: [{ IpAddress: '10.244.3.2', PrefixLength: 24 }],
      MacAddress: '0E-2A-0A-F4-03-02',
      Policies: [{ Type: 'ProviderAddress', Settings: { ProviderAddress: '10.0.0.4' } }],
    });
    const own = { ...plan.hostEndpoint!.document, ID: plan.hostEndpoint!.id };
    const base = { ...empty, podNetwork: network };
    expect(planNodeNetworks(conf, facts, { ...base, ownHostEndpoint: own }).hostEndpoint?.action).toBe('keep');
    const movedPa = { ...network, Policies: [{ Type: 'ProviderAddress', Settings: { ProviderAddress: '10.0.0.9' } }] };
    const replaced = planNodeNetworks(conf, facts, { ...base, podNetwork: movedPa, ownHostEndpoint: own });
    expect(replaced.hostEndpoint?.action).toBe('replace');
    expect(replaced.notes.join()).toMatch(/provider address 10\.0\.0\.4; replacing it with 10\.0\.0\.9/);
    // `sourceVip` moves it; `sourceVip: false` hands the slot to pods and there is no host endpoint.
    const moved = planNodeNetworks(config('overlay', { sourceVip: '10.244.3.200' }), facts, base);
    expect(moved.hostEndpoint?.address).toBe('10.244.3.200');
    expect(planNodeNetworks(config('overlay', { sourceVip: false }), facts, base).hostEndpoint).toBeUndefined();
    // Another agent's Overlay network (flanneld's host-local hands out .2), or an IPAM plugin: no host endpoint.
    const foreign = { ...network, ID: '0f0f0f0f-0000-4000-8000-000000000001' };
    const adopted = planNodeNetworks(conf, facts, { ...base, podNetwork: foreign });
    expect(adopted.hostEndpoint).toBeUndefined();
    expect(adopted.notes.join()).toMatch(/another agent created it/);
    const delegated = config('overlay', { ipam: { type: 'host-local', subnet: '10.244.3.0/24' } });
    expect(planNodeNetworks(delegated, facts, base).hostEndpoint).toBeUndefined();
  });

  it('nat: no host endpoint (WinNAT holds the gateway)', () => {
    expect(planNodeNetworks(config('nat'), facts, empty).hostEndpoint).toBeUndefined();
  });

  it('keeps what is right, replaces its own endpoint with a stale address, and leaves a namesake of another agent', () => {
    const first = planNodeNetworks(config('l2bridge'), facts, empty);
    const network: HostComputeNetwork = { ...first.createNetworks[0]!.document, ID: networkIdFor('k8s-pods') };
    const own = { ...first.hostEndpoint!.document, ID: first.hostEndpoint!.id };
    const base = { ...empty, podNetwork: network };
    expect(planNodeNetworks(config('l2bridge'), facts, { ...base, ownHostEndpoint: own }).hostEndpoint?.action).toBe(
      'keep',
    );
    const stale: HostComputeEndpoint = { ...own, IpConfigurations: [{ IpAddress: '10.244.9.2', PrefixLength: 24 }] };
    const replaced = planNodeNetworks(config('l2bridge'), facts, { ...base, ownHostEndpoint: stale });
    expect(replaced.hostEndpoint?.action).toBe('replace');
    const flannels: HostComputeEndpoint = { ID: '1b4f0c1e-3c4e-4f55-9a8e-0c7e1d2f3a4b', Name: 'k8s-pods_ep' };
    const foreign = planNodeNetworks(config('l2bridge'), facts, { ...base, namesakes: [flannels] });
    expect(foreign.hostEndpoint?.action).toBe('foreign');
    expect(foreign.createNetworks).toEqual([]);
  });

  it('a network made by another agent is used but not owned; an incompatible one is a 102', () => {
    const flannels: HostComputeNetwork = {
      ID: '6d2c0f1e-8d1a-4a55-b3e4-5d6f7a8b9c0d',
      Name: 'k8s-pods',
      Type: 'L2Bridge',
      Ipams: [{ Type: 'Static', Subnets: [{ IpAddressPrefix: '10.244.3.0/24' }] }],
    };
    const plan = planNodeNetworks(config('l2bridge'), facts, { ...empty, podNetwork: flannels });
    expect(plan.podNetworkOwned).toBe(false);
    expect(plan.podNetworkId).toBe('6d2c0f1e-8d1a-4a55-b3e4-5d6f7a8b9c0d');
    const wrong = { ...flannels, Type: 'NAT' as const };
    const err = (() => {
      try {
        planNodeNetworks(config('l2bridge'), facts, { ...empty, podNetwork: wrong });
      } catch (e) {
        return e as CniError;
      }
    })();
    expect(err).toBeInstanceOf(CniError);
    expect(err?.code).toBe(CNI_CODE.NETWORK_CONFLICT);
  });
});

const node = (name: string, podCIDRs: string[], addresses: [string, string][], annotations = {}): NodeFacts => ({
  name,
  podCIDRs,
  addresses: addresses.map(([type, address]) => ({ type, address })),
  annotations,
});

describe('peersOf', () => {
  it('every other node, each pod CIDR with an address of its family (InternalIP first); the others say why', () => {
    const { peers, unroutable } = peersOf(
      [
        node('self', ['10.244.1.0/24'], [['InternalIP', '10.0.0.4']]),
        node(
          'b',
          ['10.244.2.0/24', 'fd00:10:244:2::/64'],
          [
            ['ExternalIP', '203.0.113.5'],
            ['InternalIP', '10.0.0.5'],
            ['InternalIP', 'fd00::5'],
          ],
        ),
        node('c', [], [['InternalIP', '10.0.0.6']]),
        node('d', ['fd00:10:244:4::/64'], [['InternalIP', '10.0.0.7']]),
        node('e', ['10.244.5.0/24'], [['ExternalIP', '198.51.100.9']]),
      ],
      'self',
    );
    expect(peers.map((p) => `${p.node} ${p.podCIDR} ${p.address}`)).toEqual([
      'b 10.244.2.0/24 10.0.0.5',
      'b fd00:10:244:2::/64 fd00::5',
      'e 10.244.5.0/24 198.51.100.9',
    ]);
    expect(unroutable).toEqual([
      { node: 'c', reason: 'no spec.podCIDRs yet' },
      { node: 'd', reason: 'no IPv6 InternalIP/ExternalIP for fd00:10:244:4::/64' },
    ]);
  });

  it("reads the DR MAC from hns-cni's annotation or flannel's backend-data VtepMAC", () => {
    const { peers } = peersOf(
      [
        node('f', ['10.244.6.0/24'], [['InternalIP', '10.0.0.8']], {
          'flannel.alpha.coreos.com/backend-data': '{"VNI":4096,"VtepMAC":"0e:2a:aa:bb:cc:dd"}',
        }),
        node('g', ['10.244.7.0/24'], [['InternalIP', '10.0.0.9']], { 'hns-cni.dev/dr-mac': '00-15-5D-01-02-03' }),
      ],
      'self',
    );
    expect(peers.map((p) => p.drMac)).toEqual(['0e:2a:aa:bb:cc:dd', '00-15-5D-01-02-03']);
  });
});

const row = (destinationPrefix: string, nextHop: string, interfaceIndex: number): TableRoute => ({
  destinationPrefix,
  nextHop,
  interfaceIndex,
  interfaceLuid: BigInt(interfaceIndex) << 24n,
});
const TABLE: TableRoute[] = [
  row('0.0.0.0/0', '10.0.0.1', 7),
  row('10.0.0.0/24', '0.0.0.0', 7),
  row('10.0.0.4/32', '0.0.0.0', 7),
  row('10.0.0.0/16', '0.0.0.0', 9),
  row('10.244.1.0/24', '0.0.0.0', 12),
];
const peer = (n: string, podCIDR: string, address: string) => ({ node: n, podCIDR, family: 4 as const, address });

describe('drMacToPublish', () => {
  const self = (annotations: Record<string, string>): NodeFacts => ({
    name: 'win-a',
    podCIDRs: ['10.244.1.0/24'],
    addresses: [],
    annotations,
  });
  const network = { Policies: [{ Type: 'DrMacAddress', Settings: { Address: '0e-2a-0a-00-00-04' } }] };
  it("publishes the network's DrMacAddress (HNS form) only when the annotation says something else", () => {
    expect(drMacOfNetwork(network)).toBe('0e-2a-0a-00-00-04');
    expect(drMacToPublish(self({}), drMacOfNetwork(network))).toEqual({ publish: '0E-2A-0A-00-00-04' });
    expect(drMacToPublish(self({ [DR_MAC_ANNOTATION]: '0E-2A-0A-00-00-99' }), '0e-2a-0a-00-00-04')).toEqual({
      publish: '0E-2A-0A-00-00-04',
    });
    // The same MAC written with colons or in lower case is already published.
    expect(drMacToPublish(self({ [DR_MAC_ANNOTATION]: '0e:2a:0a:00:00:04' }), '0E-2A-0A-00-00-04')).toEqual({
      reason: 'published',
    });
    expect(drMacToPublish(undefined, '0E-2A-0A-00-00-04').publish).toBeUndefined();
    expect(drMacToPublish(self({}), drMacOfNetwork({ Policies: [] })).publish).toBeUndefined();
  });
});

describe('planHostRoutes', () => {
  it('routes a peer through the interface of the longest on-link subnet holding its address (not a /32)', () => {
    expect(onLinkInterfaceFor(TABLE, '10.0.0.5')?.interfaceIndex).toBe(7);
    expect(onLinkInterfaceFor(TABLE, '10.0.3.5')?.interfaceIndex).toBe(9);
    expect(onLinkInterfaceFor(TABLE, '192.168.1.1')).toBeUndefined();
    const plan = planHostRoutes({
      peers: [peer('b', '10.244.2.0/24', '10.0.0.5'), peer('x', '10.244.8.0/24', '192.168.1.1')],
      unroutable: [],
      table: TABLE,
      owned: [],
    });
    expect(plan.create).toEqual([
      {
        node: 'b',
        destinationPrefix: '10.244.2.0/24',
        nextHop: '10.0.0.5',
        interfaceIndex: 7,
        interfaceLuid: 7n << 24n,
      },
    ]);
    expect(plan.unroutable).toEqual([
      { node: 'x', reason: 'no interface of this node is on a subnet with 192.168.1.1' },
    ]);
  });

  it('leaves a destination someone else routes, keeps its own, puts back its own when removed, follows an address change', () => {
    const table = [...TABLE, row('10.244.3.0/24', '10.0.0.254', 7), row('10.244.2.0/24', '10.0.0.5', 7)];
    const plan = planHostRoutes({
      peers: [
        peer('b', '10.244.2.0/24', '10.0.0.5'),
        peer('c', '10.244.3.0/24', '10.0.0.6'),
        peer('d', '10.244.4.0/24', '10.0.0.17'),
        peer('e', '10.244.5.0/24', '10.0.0.8'),
      ],
      unroutable: [],
      table,
      owned: [
        { node: 'b', destinationPrefix: '10.244.2.0/24', nextHop: '10.0.0.5' },
        { node: 'd', destinationPrefix: '10.244.4.0/24', nextHop: '10.0.0.7' },
        { node: 'e', destinationPrefix: '10.244.5.0/24', nextHop: '10.0.0.8' },
        { node: 'gone', destinationPrefix: '10.244.9.0/24', nextHop: '10.0.0.9' },
      ],
    });
    expect(plan.keep.map((r) => r.node)).toEqual(['b']);
    expect(plan.foreign).toEqual([{ node: 'c', destinationPrefix: '10.244.3.0/24', nextHop: '10.0.0.254' }]);
    expect(plan.remove.map((r) => `${r.destinationPrefix} ${r.nextHop} ${r.row ? 'in table' : 'gone'}`)).toEqual([
      '10.244.4.0/24 10.0.0.7 gone',
      '10.244.9.0/24 10.0.0.9 gone',
    ]);
    expect(plan.create.map((r) => `${r.node} ${r.destinationPrefix} ${r.nextHop}`)).toEqual([
      'd 10.244.4.0/24 10.0.0.17',
      'e 10.244.5.0/24 10.0.0.8',
    ]);
  });
});

describe('planRemoteSubnetRoutes (the mechanism issue 12 reuses)', () => {
  const withMac = (n: string, podCIDR: string, address: string, drMac?: string) => ({
    ...peer(n, podCIDR, address),
    ...(drMac && { drMac }),
  });
  const settings = (prefix: string, pa: string, mac: string) => ({
    DestinationPrefix: prefix,
    IsolationId: 4096,
    ProviderAddress: pa,
    DistributedRouterMacAddress: mac,
  });

  it('adds one policy per peer (MAC in HNS form), removes its own stale ones, never touches a foreign one', () => {
    const plan = planRemoteSubnetRoutes({
      peers: [
        withMac('b', '10.244.2.0/24', '10.0.0.5', '0e:2a:0a:00:00:05'),
        withMac('c', '10.244.3.0/24', '10.0.0.6', '0E-2A-0A-00-00-06'),
        withMac('d', '10.244.4.0/24', '10.0.0.7'),
      ],
      unroutable: [],
      networkPolicies: [
        { Type: 'ProviderAddress', Settings: { ProviderAddress: '10.0.0.4' } },
        { Type: 'RemoteSubnetRoute', Settings: settings('10.244.3.0/24', '10.0.0.6', '00-15-5D-AA-AA-AA') },
        { Type: 'RemoteSubnetRoute', Settings: settings('10.244.9.0/24', '10.0.0.9', '0E-2A-0A-00-00-09') },
      ],
      owned: [{ node: 'gone', settings: settings('10.244.9.0/24', '10.0.0.9', '0E-2A-0A-00-00-09') }],
      vni: 4096,
    });
    expect(plan.add).toEqual([{ node: 'b', settings: settings('10.244.2.0/24', '10.0.0.5', '0E-2A-0A-00-00-05') }]);
    expect(plan.foreign).toEqual([{ node: 'c', destinationPrefix: '10.244.3.0/24' }]);
    expect(plan.remove.map((r) => r.settings.DestinationPrefix)).toEqual(['10.244.9.0/24']);
    expect(plan.unroutable).toEqual([{ node: 'd', reason: 'no DR MAC published (annotation hns-cni.dev/dr-mac)' }]);
    expect(remoteSubnetRequest('Add', plan.add)).toEqual({
      ResourceType: 'Policy',
      RequestType: 'Add',
      Settings: {
        Policies: [{ Type: 'RemoteSubnetRoute', Settings: settings('10.244.2.0/24', '10.0.0.5', '0E-2A-0A-00-00-05') }],
      },
    });
  });
});
