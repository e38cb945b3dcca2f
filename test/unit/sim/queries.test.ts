// Enumerate, filters, query schema versions, handles and HNSCall (hns-api.md §1.2, §1.5, §1.6, §2, §7.13).
import { describe, expect, it } from 'vitest';
import { GUID_NULL } from '../../../src/hns/guid.js';
import { HR } from '../../../src/hns/hresult.js';
import { makeSim, natNetwork, V2_QUERY } from './sim-harness.js';

const filtered = (filter: Record<string, unknown>) =>
  JSON.stringify({ SchemaVersion: { Major: 2, Minor: 0 }, Filter: JSON.stringify(filter) });

describe('sim queries and handles', () => {
  it('enumerates as a JSON array of GUIDs, [] when nothing matches, never with an ErrorRecord (§1.6)', async () => {
    const sim = makeSim();
    const empty = await sim.call({ fn: 'HcnEnumerateNetworks', query: V2_QUERY });
    expect(empty).toEqual({ hr: 0, output: '[]' });
    const a = await sim.createNetwork(natNetwork('a', '10.1.0.0/16', '10.1.0.1'));
    const b = await sim.createNetwork(natNetwork('b', '10.2.0.0/16', '10.2.0.1'));
    const all = await sim.call({ fn: 'HcnEnumerateNetworks', query: V2_QUERY });
    expect(all.errorRecord).toBeUndefined();
    expect(JSON.parse(all.output!)).toEqual([a, b]);
    const miss = await sim.call({ fn: 'HcnEnumerateNetworks', query: filtered({ Name: 'zzz' }) });
    expect(miss).toEqual({ hr: 0, output: '[]' });
  });

  it('filters by ID (case-insensitive), Name, VirtualNetwork, VirtualNetworkName and Flags (§1.5)', async () => {
    const sim = makeSim();
    const a = await sim.createNetwork(natNetwork('a', '10.1.0.0/16', '10.1.0.1'));
    const b = await sim.createNetwork(
      JSON.stringify({ ...JSON.parse(natNetwork('b', '10.2.0.0/16', '10.2.0.1')), Flags: 72 }),
    );
    const ea = (await sim.createEndpoint(a, { Name: 'ea' })).id!;
    const eb = (await sim.createEndpoint(b, { Name: 'eb' })).id!;
    const nets = async (f: Record<string, unknown>) =>
      JSON.parse((await sim.call({ fn: 'HcnEnumerateNetworks', query: filtered(f) })).output!);
    const eps = async (f: Record<string, unknown>) =>
      JSON.parse((await sim.call({ fn: 'HcnEnumerateEndpoints', query: filtered(f) })).output!);
    expect(await nets({ ID: a.toLowerCase() })).toEqual([a]);
    expect(await nets({ Name: 'B' })).toEqual([b]);
    expect(await nets({ Flags: 64 })).toEqual([b]);
    expect(await eps({ VirtualNetwork: b.toLowerCase() })).toEqual([eb]);
    expect(await eps({ VirtualNetworkName: 'a' })).toEqual([ea]);
    expect(await eps({ Name: 'ea', VirtualNetwork: b })).toEqual([]);
  });

  it('rejects a Filter that is not JSON with HCN_E_INVALID_JSON', async () => {
    const sim = makeSim();
    const r = await sim.call({ fn: 'HcnEnumerateNetworks', query: JSON.stringify({ Filter: '{"Name":' }) });
    expect(r.hr).toBe(HR.HCN_E_INVALID_JSON);
    expect(r.output).toBeUndefined();
  });

  it('renders v1 objects for a NULL query or SchemaVersion 1.0 (§1.5)', async () => {
    const sim = makeSim();
    const id = await sim.createNetwork(natNetwork());
    for (const query of [undefined, '{"SchemaVersion":{"Major":1,"Minor":0}}']) {
      const h = await sim.open('Network', id);
      const r = await sim.call({ fn: 'HcnQueryNetworkProperties', handle: h, ...(query ? { query } : {}) });
      expect(JSON.parse(r.output!)).toMatchObject({
        ID: id,
        Name: 'testnat',
        Type: 'NAT',
        Subnets: [{ AddressPrefix: '192.168.100.0/24', GatewayAddress: '192.168.100.1' }],
      });
      await sim.call({ fn: 'HcnCloseNetwork', handle: h });
    }
  });

  it('hands out distinct opaque handles that stay valid until Close; Close does not delete (§1.2)', async () => {
    const sim = makeSim();
    const id = await sim.createNetwork(natNetwork());
    const h1 = await sim.open('Network', id);
    const h2 = await sim.open('Network', id);
    expect(typeof h1).toBe('bigint');
    expect(h1).not.toBe(h2);
    expect(h1).not.toBe(0n);
    expect((await sim.call({ fn: 'HcnCloseNetwork', handle: h1 })).hr).toBe(0);
    const after = await sim.call({ fn: 'HcnQueryNetworkProperties', handle: h1, query: V2_QUERY });
    expect(after.hr).toBe(HR.E_HANDLE);
    expect((await sim.call({ fn: 'HcnCloseNetwork', handle: h1 })).hr).toBe(HR.E_HANDLE);
    expect((await sim.call({ fn: 'HcnQueryNetworkProperties', handle: h2, query: V2_QUERY })).hr).toBe(0);
    expect((await sim.call({ fn: 'HcnCloseEndpoint', handle: h2 })).hr).toBe(HR.E_HANDLE);
    expect((await sim.call({ fn: 'HcnOpenNetwork', id })).hr).toBe(0);
  });

  it('fails a handle whose object was deleted with the not-found code, or the configured one (§7.13)', async () => {
    const sim = makeSim();
    const id = await sim.createNetwork(natNetwork());
    const h = await sim.open('Network', id);
    expect((await sim.call({ fn: 'HcnDeleteNetwork', id })).hr).toBe(0);
    const stale = await sim.call({ fn: 'HcnQueryNetworkProperties', handle: h, query: V2_QUERY });
    expect(stale.hr).toBe(HR.HCN_E_NETWORK_NOT_FOUND);
    await sim.setOptions({ staleHandleHresult: HR.HCN_E_OBJECT_USED_AFTER_UNLOAD });
    const unloaded = await sim.call({ fn: 'HcnQueryNetworkProperties', handle: h, query: V2_QUERY });
    expect(unloaded.hr).toBe(HR.HCN_E_OBJECT_USED_AFTER_UNLOAD);
    const create = await sim.call({ fn: 'HcnCreateEndpoint', handle: h, id: GUID_NULL, settings: '{}' });
    expect(create.hr).toBe(HR.HCN_E_OBJECT_USED_AFTER_UNLOAD);
    expect((await sim.call({ fn: 'HcnCloseNetwork', handle: h })).hr).toBe(0);
  });

  it('answers HNSCall GET /globals/version with the configured version; unknown resources Success:false (§2)', async () => {
    const sim = makeSim();
    const v = await sim.call({ fn: 'HNSCall', method: 'GET', path: '/globals/version', request: '' });
    expect(v).toEqual({ hr: 0, output: '{"Success":true,"Output":{"Major":15,"Minor":4}}' });
    await sim.setOptions({ hnsVersion: '9.2' });
    const old = await sim.call({ fn: 'HNSCall', method: 'GET', path: '/globals/version', request: '' });
    expect(JSON.parse(old.output!)).toEqual({ Success: true, Output: { Major: 9, Minor: 2 } });
    const other = await sim.call({ fn: 'HNSCall', method: 'GET', path: '/activities/', request: '' });
    expect(other.hr).toBe(0);
    expect(JSON.parse(other.output!)).toEqual({ Success: false, Error: 'The specified request is unsupported. ' });
  });

  it('rejects malformed GUIDs with HCN_E_GUID_CONVERSION_FAILURE', async () => {
    const sim = makeSim();
    expect((await sim.call({ fn: 'HcnOpenNetwork', id: 'not-a-guid' })).hr).toBe(HR.HCN_E_GUID_CONVERSION_FAILURE);
  });
});
