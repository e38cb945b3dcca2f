// Networks through the raw ABI of the in-process simulator (hns-api.md §1.7, §3.2, §7.1-7.4, §7.9, §7.11).
import { describe, expect, it } from 'vitest';
import { GUID_NULL } from '../../../src/hns/guid.js';
import { errorRecordFor, HR } from '../../../src/hns/hresult.js';
import { statsOf } from '../../../src/hns/sim/instrumentation.js';
import { readState } from '../../../src/hns/sim/state-file.js';
import { makeSim, natNetwork, overlayNetwork, V2_QUERY } from './sim-harness.js';

const l2bridge = (name: string, adapter?: string) =>
  JSON.stringify({
    Name: name,
    Type: 'L2Bridge',
    ...(adapter ? { Policies: [{ Type: 'NetAdapterName', Settings: { NetworkAdapterName: adapter } }] } : {}),
    Ipams: [
      {
        Type: 'Static',
        Subnets: [
          { IpAddressPrefix: '10.244.1.0/24', Routes: [{ NextHop: '10.244.1.1', DestinationPrefix: '0.0.0.0/0' }] },
        ],
      },
    ],
    SchemaVersion: { Major: 2, Minor: 0 },
  });

describe('sim networks', () => {
  it('generates an ID for GUID_NULL and renders NAT without Type, Flags 0 and empty members (§3, §7.1)', async () => {
    const sim = makeSim();
    const id = await sim.createNetwork(natNetwork('nat1'));
    expect(id).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(id).not.toBe(GUID_NULL);
    const raw = await sim.queryRaw('Network', id);
    expect(raw.startsWith(`{"ID":"${id}","Name":"nat1"`)).toBe(true);
    const doc = JSON.parse(raw) as Record<string, unknown>;
    expect(doc).not.toHaveProperty('Type');
    expect(doc).not.toHaveProperty('Flags');
    expect(doc).not.toHaveProperty('Dns');
    expect(doc).not.toHaveProperty('Health');
    expect(doc.SchemaVersion).toEqual({ Major: 2, Minor: 0 });
    expect(raw).not.toContain(' ');
  });

  it('honours a caller GUID (any case, braces) and reports it in the configured case', async () => {
    const sim = makeSim();
    const id = await sim.createNetwork(natNetwork(), '{8A5F2B1E-6a21-4d47-9c39-2d5f0b3f6c11}');
    expect(id).toBe('8A5F2B1E-6A21-4D47-9C39-2D5F0B3F6C11');
    await sim.setOptions({ networkGuidCase: 'lower' });
    expect((await sim.query('Network', id)).ID).toBe('8a5f2b1e-6a21-4d47-9c39-2d5f0b3f6c11');
  });

  it('rejects a second network with the same ID: ERROR_ALREADY_EXISTS', async () => {
    const sim = makeSim();
    const id = await sim.createNetwork(natNetwork('a'));
    const r = await sim.call({ fn: 'HcnCreateNetwork', id: id.toLowerCase(), settings: natNetwork('b') });
    expect(r.hr).toBe(HR.ERROR_ALREADY_EXISTS);
    expect(r.errorRecord).toBe(
      '{"Success":false,"Error":"Cannot create a file when that file already exists. ","ErrorCode":2147942583}',
    );
    expect(r.handle).toBeUndefined();
  });

  it('rejects a duplicate name with HCN_E_NETWORK_ALREADY_EXISTS; case-insensitive unless nameMatch=exact', async () => {
    const sim = makeSim();
    await sim.createNetwork(natNetwork('cbr0'));
    const dup = await sim.call({ fn: 'HcnCreateNetwork', id: GUID_NULL, settings: natNetwork('CBR0') });
    expect(dup.hr).toBe(HR.HCN_E_NETWORK_ALREADY_EXISTS);
    expect(dup.errorRecord).toBe(
      '{"Success":false,"Error":"A network with this name already exists. ","ErrorCode":2151350288}',
    );
    await sim.setOptions({ nameMatch: 'exact' });
    expect((await sim.call({ fn: 'HcnCreateNetwork', id: GUID_NULL, settings: natNetwork('CBR0') })).hr).toBe(0);
  });

  it('rejects invalid JSON, unknown members and unknown types (§1.7)', async () => {
    const sim = makeSim();
    const bad = await sim.call({ fn: 'HcnCreateNetwork', id: GUID_NULL, settings: '{"Name":' });
    expect(bad.hr).toBe(HR.HCN_E_INVALID_JSON);
    expect(bad.errorRecord).toBe(errorRecordFor(HR.HCN_E_INVALID_JSON));
    const settings = JSON.stringify({ ...JSON.parse(natNetwork()), Bogus: 1 });
    const unknown = await sim.call({ fn: 'HcnCreateNetwork', id: GUID_NULL, settings });
    expect(unknown.errorRecord).toBe(
      '{"Success":false,"Error":"Invalid JSON document string. {{Bogus,UnknownField}}","ErrorCode":2151350299}',
    );
    const type = JSON.stringify({ Name: 'x', Type: 'Bridgey', SchemaVersion: { Major: 2, Minor: 0 } });
    expect((await sim.call({ fn: 'HcnCreateNetwork', id: GUID_NULL, settings: type })).hr).toBe(
      HR.HCN_E_INVALID_NETWORK_TYPE,
    );
    // Nothing was created by the failed calls.
    expect(JSON.parse((await sim.call({ fn: 'HcnEnumerateNetworks', query: V2_QUERY })).output!)).toEqual([]);
  });

  it('accepts numeric enums and v1 documents without SchemaVersion (§1.7, E5)', async () => {
    const sim = makeSim();
    const v1 = JSON.stringify({
      Name: 'cbr0',
      Type: 'L2Bridge',
      Subnets: [{ AddressPrefix: '10.200.62.0/24', GatewayAddress: '10.200.62.1' }],
    });
    const id = await sim.createNetwork(v1);
    const doc = await sim.query('Network', id);
    expect(doc.Type).toBe('L2Bridge');
    expect(doc.Ipams).toEqual([
      {
        Type: 'Static',
        Subnets: [
          { IpAddressPrefix: '10.200.62.0/24', Routes: [{ NextHop: '10.200.62.1', DestinationPrefix: '0.0.0.0/0' }] },
        ],
      },
    ]);
    const numeric = await sim.createNetwork(
      JSON.stringify({ Name: 't', Type: 2, SchemaVersion: { Major: 2, Minor: 0 } }),
    );
    expect((await sim.query('Network', numeric)).Type).toBe('Transparent');
  });

  it('opens and deletes unknown networks with HCN_E_NETWORK_NOT_FOUND (§6.1)', async () => {
    const sim = makeSim();
    const open = await sim.call({ fn: 'HcnOpenNetwork', id: '5f0b1190-63be-4e0c-b974-bd0f55675a42' });
    expect(open.hr).toBe(HR.HCN_E_NETWORK_NOT_FOUND);
    expect(open.errorRecord).toBe('{"Success":false,"Error":"The network was not found. ","ErrorCode":2151350273}');
    const del = await sim.call({ fn: 'HcnDeleteNetwork', id: '5f0b1190-63be-4e0c-b974-bd0f55675a42' });
    expect(del.hr).toBe(HR.HCN_E_NETWORK_NOT_FOUND);
  });

  it('deletes endpoints with their network by default, or refuses with HCN_E_ENTITY_HAS_REFERENCES (§7.9)', async () => {
    const sim = makeSim();
    const id = await sim.createNetwork(natNetwork());
    const ep = await sim.createEndpoint(id, { Name: 'e' });
    await sim.setOptions({ networkDeleteWithEndpoints: 'error' });
    const refused = await sim.call({ fn: 'HcnDeleteNetwork', id });
    expect(refused.hr).toBe(HR.HCN_E_ENTITY_HAS_REFERENCES);
    expect((await sim.call({ fn: 'HcnOpenEndpoint', id: ep.id })).hr).toBe(0);
    await sim.setOptions({ networkDeleteWithEndpoints: 'cascade' });
    expect((await sim.call({ fn: 'HcnDeleteNetwork', id })).hr).toBe(0);
    expect((await sim.call({ fn: 'HcnOpenEndpoint', id: ep.id })).hr).toBe(HR.HCN_E_ENDPOINT_NOT_FOUND);
  });

  it('records a vSwitch blip only for the first external network on an adapter (§7.3)', async () => {
    const sim = makeSim();
    await sim.setOptions({ adapters: ['Ethernet', 'Ethernet 2'] });
    await sim.createNetwork(natNetwork());
    expect(statsOf(readState(sim.file)).blips.count).toBe(0);
    const first = await sim.createNetwork(l2bridge('External'));
    await sim.createNetwork(l2bridge('cbr0', 'ethernet'));
    let stats = statsOf(readState(sim.file));
    expect(stats.blips.count).toBe(1);
    expect(stats.blips.events[0]).toMatchObject({
      adapter: 'Ethernet',
      networkId: first.toLowerCase(),
      networkType: 'L2Bridge',
    });
    await sim.createNetwork(l2bridge('other', 'Ethernet 2'));
    expect(statsOf(readState(sim.file)).blips.count).toBe(2);
    // Deleting every network on an adapter removes its vSwitch: the next one blips again.
    for (const n of ['External', 'cbr0']) {
      const ids = JSON.parse(
        (await sim.call({ fn: 'HcnEnumerateNetworks', query: JSON.stringify({ Filter: JSON.stringify({ Name: n }) }) }))
          .output!,
      );
      expect((await sim.call({ fn: 'HcnDeleteNetwork', id: ids[0] })).hr).toBe(0);
    }
    await sim.createNetwork(l2bridge('again'));
    stats = statsOf(readState(sim.file));
    expect(stats.blips.count).toBe(3);
    expect(Object.keys(stats.vswitches).sort()).toEqual(['Ethernet', 'Ethernet 2']);
  });

  it('rejects an adapter the host does not have: HCN_E_ADAPTER_NOT_FOUND', async () => {
    const sim = makeSim();
    const r = await sim.call({ fn: 'HcnCreateNetwork', id: GUID_NULL, settings: l2bridge('x', 'Wi-Fi') });
    expect(r.hr).toBe(HR.HCN_E_ADAPTER_NOT_FOUND);
  });

  it('adds ProviderAddress and DrMacAddress policies to Overlay networks (§7.11)', async () => {
    const sim = makeSim();
    const doc = await sim.query('Network', await sim.createNetwork(overlayNetwork('vxlan0')));
    expect(doc.Type).toBe('Overlay');
    expect(doc.Flags).toBe(8);
    const policies = doc.Policies as { Type: string; Settings: Record<string, string> }[];
    expect(policies.find((p) => p.Type === 'ProviderAddress')?.Settings).toEqual({ ProviderAddress: '10.0.0.4' });
    expect(policies.find((p) => p.Type === 'DrMacAddress')?.Settings.Address).toMatch(/^([0-9A-F]{2}-){5}[0-9A-F]{2}$/);
  });

  it('modifies network policies: Add, duplicate Add, Remove, Remove of an absent policy (§5)', async () => {
    const sim = makeSim();
    const id = await sim.createNetwork(natNetwork());
    const h = await sim.open('Network', id);
    const route = {
      Type: 'RemoteSubnetRoute',
      Settings: {
        DestinationPrefix: '192.168.2.0/24',
        IsolationId: 5000,
        ProviderAddress: '1.1.1.1',
        DistributedRouterMacAddress: '00-12-34-56-78-9a',
      },
    };
    const req = (RequestType: string) =>
      JSON.stringify({ ResourceType: 'Policy', RequestType, Settings: { Policies: [route] } });
    expect((await sim.call({ fn: 'HcnModifyNetwork', handle: h, settings: req('Add') })).hr).toBe(0);
    expect((await sim.query('Network', id)).Policies).toEqual([route]);
    expect((await sim.call({ fn: 'HcnModifyNetwork', handle: h, settings: req('Add') })).hr).toBe(
      HR.HCN_E_POLICY_ALREADY_EXISTS,
    );
    expect((await sim.call({ fn: 'HcnModifyNetwork', handle: h, settings: req('Remove') })).hr).toBe(0);
    expect((await sim.query('Network', id)).Policies).toBeUndefined();
    expect((await sim.call({ fn: 'HcnModifyNetwork', handle: h, settings: req('Remove') })).hr).toBe(
      HR.HCN_E_POLICY_NOT_FOUND,
    );
    const bogus = JSON.stringify({
      ResourceType: 'Policy',
      RequestType: 'Add',
      Settings: { Policies: [{ Type: 'Nope' }] },
    });
    expect((await sim.call({ fn: 'HcnModifyNetwork', handle: h, settings: bogus })).hr).toBe(
      HR.HCN_E_INVALID_POLICY_TYPE,
    );
    expect((await sim.call({ fn: 'HcnCloseNetwork', handle: h })).hr).toBe(0);
  });

  it('starts with the default nat network when natFixture is set (§7.4)', async () => {
    const sim = makeSim();
    await sim.setOptions({ natFixture: true });
    await (await import('../../../src/hns/sim/state-file.js')).resetState(sim.file);
    const q = JSON.stringify({ SchemaVersion: { Major: 2, Minor: 0 }, Filter: JSON.stringify({ Name: 'nat' }) });
    const ids = JSON.parse((await sim.call({ fn: 'HcnEnumerateNetworks', query: q })).output!) as string[];
    expect(ids).toHaveLength(1);
    const ep = await sim.createEndpoint(ids[0]!, { Name: 'c1' });
    expect((await sim.query('Endpoint', ep.id!)).IpConfigurations).toEqual([
      { IpAddress: '172.29.144.2', PrefixLength: 20 },
    ]);
  });
});
