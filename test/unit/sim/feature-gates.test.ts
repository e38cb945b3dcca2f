// The feature gates an older HNS has (hns-api.md §3.7, hcsshim hnsglobals.go): IPv6 subnets and endpoint addresses
// before 11.10 (IPv6DualStack) and the VxlanPort network policy before 10.3. What such a build answers is unknown,
// so each is an option: refused (the default) or quietly dropped.
import { describe, expect, it } from 'vitest';
import { GUID_NULL } from '../../../src/hns/guid.js';
import { HR } from '../../../src/hns/hresult.js';
import { makeSim, overlayNetwork } from './sim-harness.js';

const dualStackOverlay = () => {
  const doc = JSON.parse(overlayNetwork());
  doc.Ipams[0].Subnets.push({
    IpAddressPrefix: 'fd00:10:244:1::/64',
    Routes: [{ NextHop: 'fd00:10:244:1::1', DestinationPrefix: '::/0' }],
    Policies: [{ Type: 'VSID', Settings: { IsolationId: 4096 } }],
  });
  return doc;
};
const subnetsOf = (n: Record<string, unknown>) =>
  (n.Ipams as { Subnets: { IpAddressPrefix: string }[] }[])[0]!.Subnets.map((s) => s.IpAddressPrefix);

describe('IPv6DualStack (HNS 11.10)', () => {
  it('from 11.10 an Overlay network keeps its IPv6 subnet and an endpoint both addresses', async () => {
    const sim = makeSim();
    await sim.setOptions({ hnsVersion: '11.10' });
    const id = await sim.createNetwork(JSON.stringify(dualStackOverlay()));
    expect(subnetsOf(await sim.query('Network', id))).toEqual(['10.244.1.0/24', 'fd00:10:244:1::/64']);
    const ep = await sim.createEndpoint(id, {
      IpConfigurations: [{ IpAddress: '10.244.1.5' }, { IpAddress: 'fd00:10:244:1::5' }],
    });
    expect(ep.hr).toBe(0);
    const addresses = ((await sim.query('Endpoint', ep.id!)).IpConfigurations as { IpAddress: string }[]).map(
      (c) => c.IpAddress,
    );
    expect(addresses).toEqual(['10.244.1.5', 'fd00:10:244:1::5']);
  });

  it('before 11.10: refused (ipv6BeforeDualStack reject), or the IPv6 part dropped (drop)', async () => {
    const sim = makeSim();
    await sim.setOptions({ hnsVersion: '10.1' });
    const r = await sim.call({ fn: 'HcnCreateNetwork', id: GUID_NULL, settings: JSON.stringify(dualStackOverlay()) });
    expect(r.hr).toBe(HR.HCN_E_INVALID_SUBNET);
    const v4 = await sim.createNetwork(overlayNetwork('v4only', '10.244.2.0/24', '10.244.2.1'));
    const ep = await sim.createEndpoint(v4, {
      IpConfigurations: [{ IpAddress: '10.244.2.5' }, { IpAddress: 'fd00:10:244:2::5' }],
    });
    expect(ep.hr).toBe(HR.HCN_E_INVALID_IP);

    await sim.setOptions({ ipv6BeforeDualStack: 'drop' });
    const id = await sim.createNetwork(JSON.stringify({ ...dualStackOverlay(), Name: 'dropped' }));
    expect(subnetsOf(await sim.query('Network', id))).toEqual(['10.244.1.0/24']);
    const kept = await sim.createEndpoint(v4, {
      IpConfigurations: [{ IpAddress: '10.244.2.6' }, { IpAddress: 'fd00:10:244:2::6' }],
    });
    expect(kept.hr).toBe(0);
    expect((await sim.query('Endpoint', kept.id!)).IpConfigurations).toEqual([
      expect.objectContaining({ IpAddress: '10.244.2.6' }),
    ]);
  });
});

describe('VxlanPort (HNS 10.3)', () => {
  const withPort = (name: string) =>
    JSON.stringify({
      ...JSON.parse(overlayNetwork(name)),
      Policies: [{ Type: 'VxlanPort', Settings: { Port: 4790 } }],
    });
  const types = (n: Record<string, unknown>) => ((n.Policies as { Type: string }[]) ?? []).map((p) => p.Type);

  it('from 10.3 the policy is kept; before, refused as an unknown type, or dropped (vxlanPortBeforeSupport)', async () => {
    const sim = makeSim();
    await sim.setOptions({ hnsVersion: '10.3' });
    expect(types(await sim.query('Network', await sim.createNetwork(withPort('a'))))).toContain('VxlanPort');
    await sim.setOptions({ hnsVersion: '9.5' });
    const r = await sim.call({ fn: 'HcnCreateNetwork', id: GUID_NULL, settings: withPort('b') });
    expect(r.hr).toBe(HR.HCN_E_INVALID_POLICY_TYPE);
    await sim.setOptions({ vxlanPortBeforeSupport: 'drop' });
    expect(types(await sim.query('Network', await sim.createNetwork(withPort('c'))))).not.toContain('VxlanPort');
  });
});
