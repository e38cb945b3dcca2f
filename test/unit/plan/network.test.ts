import { describe, expect, it } from 'vitest';
import { CNI_CODE, CniError } from '../../../src/cni/errors.js';
import { loadNetConf } from '../../../src/config/load.js';
import type { HostComputeNetwork } from '../../../src/hns/types.js';
import { planAdd } from '../../../src/plan/add.js';
import { reservedAddressesFor } from '../../../src/plan/gateway.js';
import { adapterInUse, networkCompatibility, podNetworkDocument, withAdapter } from '../../../src/plan/network.js';
import { minimalConfig } from '../../fixtures/minimal-config.js';

const config = (mode: string, extra: Record<string, unknown> = {}) => loadNetConf(minimalConfig(mode, extra));

const network = (Type: HostComputeNetwork['Type'], prefix: string, adapter?: string): HostComputeNetwork => ({
  ID: '7198D0AB-9758-4C83-8CED-311F4DD0CF9C',
  Name: 'k8s-pods',
  ...(Type !== undefined && { Type }),
  ...(adapter && { Policies: [{ Type: 'NetAdapterName', Settings: { NetworkAdapterName: adapter } }] }),
  Ipams: [{ Type: 'Static', Subnets: [{ IpAddressPrefix: prefix }] }],
});

describe('networkCompatibility lists exactly what differs', () => {
  const desired = podNetworkDocument(config('transparent', { adapter: 'Ethernet' }), [
    { subnet: '10.244.3.0/24', gateway: '10.244.3.1' },
  ]);

  it('nothing for a matching network (a wider subnet holds the pod subnet)', () => {
    expect(networkCompatibility(network('Transparent', '10.244.0.0/16', 'ethernet'), desired)).toEqual([]);
  });

  it('type, subnet and adapter', () => {
    expect(networkCompatibility(network('L2Bridge', '10.244.4.0/24', 'Ethernet 2'), desired)).toEqual([
      'type is L2Bridge, the config needs Transparent',
      'its subnet 10.244.4.0/24 does not contain 10.244.3.0/24',
      'it is bound to adapter "Ethernet 2", the config names "Ethernet"',
    ]);
  });

  it('an absent Type is NAT (HNS omits it) and a network without subnets says so', () => {
    const nat = { ...network(undefined, '10.244.3.0/24'), Ipams: [] };
    expect(networkCompatibility(nat, desired)).toEqual([
      'type is NAT, the config needs Transparent',
      'it has no subnet, the config needs 10.244.3.0/24',
    ]);
  });

  it('ignores the subnet when hns-cni chose it (automatic NAT subnet)', () => {
    const want = podNetworkDocument(config('nat'), [{ subnet: '172.24.0.0/20', gateway: '172.24.0.1' }]);
    expect(networkCompatibility(network(undefined, '172.29.144.0/20'), want, { ignoreSubnet: true })).toEqual([]);
  });
});

describe('planAdd against existing networks', () => {
  const request = { containerId: 'c1', netns: '2a5a8d11-7d97-4c2e-9a55-0c8d7e6b9a10', ifName: 'eth0' };
  const allocation = { address: '10.244.3.5/24', gateway: '10.244.3.1' };

  it('an incompatible pod network is NETWORK_CONFLICT naming the differences', () => {
    try {
      planAdd({
        config: config('transparent'),
        request,
        allocation,
        hns: { podNetwork: network('NAT', '10.244.3.0/24'), natNetwork: null },
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CniError);
      expect((e as CniError).code).toBe(CNI_CODE.NETWORK_CONFLICT);
      expect((e as CniError).message).toMatch(
        /HNS network "k8s-pods" exists .*type is NAT, the config needs Transparent/,
      );
      expect(JSON.parse((e as CniError).details).differences).toHaveLength(1);
    }
  });

  it('an existing NAT network with another automatic subnet is reused, routing via its gateway', () => {
    const natNet: HostComputeNetwork = {
      ID: 'AAAAAAAA-9758-4C83-8CED-311F4DD0CF9C',
      Name: 'k8s-pods-nat',
      Ipams: [
        {
          Type: 'Static',
          Subnets: [
            {
              IpAddressPrefix: '172.29.144.0/20',
              Routes: [{ NextHop: '172.29.144.1', DestinationPrefix: '0.0.0.0/0' }],
            },
          ],
        },
      ],
    };
    const plan = planAdd({
      config: config('transparent'),
      request,
      allocation,
      hns: { podNetwork: network('Transparent', '10.244.3.0/24'), natNetwork: natNet },
    });
    expect(plan.steps.filter((s) => s.kind === 'createNetwork')).toEqual([]);
    const nat = plan.endpoints.find((e) => e.role === 'nat')!;
    expect(nat.networkId).toBe('aaaaaaaa-9758-4c83-8ced-311f4dd0cf9c');
    expect(nat.gateway).toBe('172.29.144.1');
  });

  it('l2bridge without IPAM: HNS assigns the address on the existing network; the result is completed later', () => {
    const { ipam: _none, ...noIpam } = { ...config('l2bridge') };
    const plan = planAdd({ config: noIpam, request, hns: { podNetwork: network('L2Bridge', '10.244.3.0/24') } });
    const step = plan.steps.find((s) => s.kind === 'createEndpoint');
    expect(step?.kind === 'createEndpoint' && step.document.IpConfigurations).toBeUndefined();
    expect(plan.podAddressFromHns).toBe(true);
    expect(plan.result.ips).toEqual([]);
  });

  it('l2bridge without IPAM and without a network cannot create it', () => {
    const { ipam: _none, ...noIpam } = { ...config('l2bridge') };
    expect(() => planAdd({ config: noIpam, request, hns: { podNetwork: null } })).toThrow(/no pod subnet is known/);
  });
});

describe('addresses the IPAM must keep out of the pool', () => {
  it('l2bridge: the network gateway .1 and the host endpoint .2; transparent and nat: the gateway', () => {
    expect(reservedAddressesFor(config('l2bridge'), '10.244.3.0/24')).toEqual(['10.244.3.1', '10.244.3.2']);
    expect(reservedAddressesFor(config('transparent'), '10.244.3.0/24')).toEqual(['10.244.3.1']);
    expect(reservedAddressesFor(config('nat'), '10.244.3.0/24', { gateway: '10.244.3.254' })).toEqual(['10.244.3.254']);
    expect(reservedAddressesFor(config('l2bridge', { gateway: '10.244.3.3' }), '10.244.3.0/24')).toEqual([
      '10.244.3.1',
      '10.244.3.3',
    ]);
  });
});

describe('adapterInUse (issue 10 F8): a new external network binds the adapter the node already uses', () => {
  const onAdapter = (name: string, type: 'L2Bridge' | 'Transparent' | 'NAT', adapter?: string) => ({
    Name: name,
    Type: type,
    ...(adapter !== undefined && {
      Policies: [{ Type: 'NetAdapterName' as const, Settings: { NetworkAdapterName: adapter } }],
    }),
  });
  it('one adapter among the external networks: that one', () => {
    expect(adapterInUse([onAdapter('External', 'L2Bridge', 'Ethernet'), onAdapter('nat', 'NAT')])).toBe('Ethernet');
  });
  it('none, several, or none named: HNS chooses', () => {
    expect(adapterInUse([onAdapter('nat', 'NAT')])).toBeUndefined();
    expect(adapterInUse([onAdapter('a', 'L2Bridge', 'Ethernet'), onAdapter('b', 'Transparent', 'Ethernet 2')])).toBe(
      undefined,
    );
    expect(adapterInUse([onAdapter('a', 'L2Bridge')])).toBeUndefined();
  });
  it('withAdapter names it on external types only, and never replaces a named one', () => {
    expect(withAdapter({ Name: 'p', Type: 'Transparent' }, 'Ethernet').Policies).toEqual([
      { Type: 'NetAdapterName', Settings: { NetworkAdapterName: 'Ethernet' } },
    ]);
    expect(withAdapter({ Name: 'n', Type: 'NAT' }, 'Ethernet').Policies).toBeUndefined();
    const named = onAdapter('p', 'L2Bridge', 'Ethernet 3');
    expect(withAdapter(named, 'Ethernet')).toBe(named);
  });
});
