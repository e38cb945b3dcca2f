// Overlay (VXLAN) networks and the policies hcsshim's hcn types describe for them (hcnpolicy.go): VSID subnets,
// VxlanPort, DrMacAddress, ProviderAddress, RemoteSubnetRoute on the network; ProviderAddress and EncapOverhead on
// endpoints. And the network policy type numbers (F10): hcsshim's NetworkPolicyType constants in order.
import { describe, expect, it } from 'vitest';
import { GUID_NULL } from '../../../src/hns/guid.js';
import { HR } from '../../../src/hns/hresult.js';
import { NETWORK_POLICY_TYPES } from '../../../src/hns/sim/policies.js';
import { makeSim, overlayNetwork } from './sim-harness.js';

const withSubnetPolicies = (policies: unknown[]) => {
  const doc = JSON.parse(overlayNetwork());
  doc.Ipams[0].Subnets[0].Policies = policies;
  return JSON.stringify(doc);
};

const create = async (settings: string) => {
  const sim = makeSim();
  return (await sim.call({ fn: 'HcnCreateNetwork', id: GUID_NULL, settings })).hr;
};

describe('sim Overlay networks', () => {
  it('needs a VSID on every subnet, 4096 or more (options overlaySubnetVsid, overlayLowVsid)', async () => {
    expect(await create(overlayNetwork('a', '10.244.1.0/24', '10.244.1.1', 4096))).toBe(0);
    expect(await create(withSubnetPolicies([]))).toBe(HR.HCN_E_INVALID_SUBNET);
    expect(await create(overlayNetwork('a', '10.244.1.0/24', '10.244.1.1', 1))).toBe(HR.HCN_E_INVALID_POLICY);
    expect(await create(withSubnetPolicies([{ Type: 'VSID', Settings: { IsolationId: 2 ** 24 } }]))).toBe(
      HR.HCN_E_INVALID_POLICY,
    );
    const sim = makeSim();
    await sim.setOptions({ overlaySubnetVsid: 'optional', overlayLowVsid: 'accept' });
    const ok = async (settings: string) => (await sim.call({ fn: 'HcnCreateNetwork', id: GUID_NULL, settings })).hr;
    expect(await ok(withSubnetPolicies([]))).toBe(0);
    expect(await ok(overlayNetwork('b', '10.244.2.0/24', '10.244.2.1', 1))).toBe(0);
  });

  it('checks the overlay policies as hcsshim types them: VxlanPort, DrMacAddress, RemoteSubnetRoute', async () => {
    const withPolicies = (policies: unknown[]) =>
      JSON.stringify({ ...JSON.parse(overlayNetwork()), Policies: policies });
    expect(await create(withPolicies([{ Type: 'VxlanPort', Settings: { Port: 4789 } }]))).toBe(0);
    expect(await create(withPolicies([{ Type: 'VxlanPort', Settings: { Port: 0 } }]))).toBe(HR.HCN_E_INVALID_POLICY);
    expect(await create(withPolicies([{ Type: 'DrMacAddress', Settings: { Address: 'zz' } }]))).toBe(
      HR.HCN_E_INVALID_POLICY,
    );
    // hcsshim HcnCreateTestRemoteSubnetRoute: four members, IsolationId a uint16.
    const rsr = {
      DestinationPrefix: '192.168.2.0/24',
      IsolationId: 5000,
      ProviderAddress: '1.1.1.1',
      DistributedRouterMacAddress: '00-12-34-56-78-9a',
    };
    expect(await create(withPolicies([{ Type: 'RemoteSubnetRoute', Settings: rsr }]))).toBe(0);
    for (const broken of [
      { ...rsr, DestinationPrefix: '192.168.2.0/33' },
      { ...rsr, IsolationId: 70000 },
      { ...rsr, ProviderAddress: 'node-b' },
      { ...rsr, DistributedRouterMacAddress: undefined },
    ]) {
      expect(await create(withPolicies([{ Type: 'RemoteSubnetRoute', Settings: broken }]))).toBe(
        HR.HCN_E_INVALID_POLICY,
      );
    }
  });

  it('keeps a caller provider address and DR MAC, and adds the host provider address otherwise', async () => {
    const sim = makeSim();
    const given = JSON.stringify({
      ...JSON.parse(overlayNetwork()),
      Policies: [
        { Type: 'ProviderAddress', Settings: { ProviderAddress: '10.1.2.3' } },
        { Type: 'DrMacAddress', Settings: { Address: '00-15-5D-AA-BB-CC' } },
      ],
    });
    const doc = await sim.query('Network', await sim.createNetwork(given));
    expect(doc.Policies).toEqual([
      { Type: 'ProviderAddress', Settings: { ProviderAddress: '10.1.2.3' } },
      { Type: 'DrMacAddress', Settings: { Address: '00-15-5D-AA-BB-CC' } },
    ]);
  });

  it('endpoint policies: ProviderAddress must be an address, EncapOverhead a uint16', async () => {
    const sim = makeSim();
    const net = await sim.createNetwork(overlayNetwork());
    const ep = (policies: unknown[]) => sim.createEndpoint(net, { Policies: policies });
    const pa = (ProviderAddress: string) => ({ Type: 'ProviderAddress', Settings: { ProviderAddress } });
    const encap = (Overhead: number) => ({ Type: 'EncapOverhead', Settings: { Overhead } });
    expect((await ep([pa('10.0.0.4'), encap(50)])).hr).toBe(0);
    expect((await ep([pa('')])).hr).toBe(HR.HCN_E_INVALID_POLICY);
    expect((await ep([encap(-1)])).hr).toBe(HR.HCN_E_INVALID_POLICY);
  });
});

describe('network policy type numbers (F10)', () => {
  it("are hcsshim's NetworkPolicyType constants in declaration order, without a NetworkL4Proxy", () => {
    // microsoft/hcsshim hcn/hcnpolicy.go at 7c9ff7f48138 (the constant NetworkL4Proxy has the value "L4Proxy").
    expect(NETWORK_POLICY_TYPES).toEqual([
      'SourceMacAddress',
      'NetAdapterName',
      'VSwitchExtension',
      'DrMacAddress',
      'AutomaticDNS',
      'InterfaceConstraint',
      'ProviderAddress',
      'RemoteSubnetRoute',
      'VxlanPort',
      'HostRoute',
      'SetPolicy',
      'L4Proxy',
      'LayerConstraint',
      'NetworkACL',
    ]);
  });

  it('a numeric Type is read by that position (8 = VxlanPort, 11 = L4Proxy) and 14 is unknown', async () => {
    const sim = makeSim();
    const numbered = (Type: number, Settings: object) =>
      JSON.stringify({ ...JSON.parse(overlayNetwork(`n${Type}`)), Policies: [{ Type, Settings }] });
    const id = await sim.createNetwork(numbered(8, { Port: 4789 }));
    expect((await sim.query('Network', id)).Policies).toContainEqual({ Type: 'VxlanPort', Settings: { Port: 4789 } });
    const proxy = await sim.createNetwork(numbered(11, { Port: '8080' }));
    expect((await sim.query('Network', proxy)).Policies).toContainEqual({
      Type: 'L4Proxy',
      Settings: { Port: '8080' },
    });
    const r = await sim.call({ fn: 'HcnCreateNetwork', id: GUID_NULL, settings: numbered(14, {}) });
    expect(r.hr).toBe(HR.HCN_E_INVALID_POLICY_TYPE);
  });
});
