// Namespaces and attachment through the raw ABI (hns-api.md §3.4, §5, §7.8).
import { describe, expect, it } from 'vitest';
import { GUID_NULL } from '../../../src/hns/guid.js';
import { HR } from '../../../src/hns/hresult.js';
import { makeSim, natNetwork, type Sim } from './sim-harness.js';

const endpointRequest = (RequestType: string, EndpointId: string) =>
  JSON.stringify({ ResourceType: 'Endpoint', RequestType, Settings: { EndpointId } });

async function modify(sim: Sim, ns: string, settings: string) {
  const h = await sim.open('Namespace', ns);
  const r = await sim.call({ fn: 'HcnModifyNamespace', handle: h, settings });
  expect((await sim.call({ fn: 'HcnCloseNamespace', handle: h })).hr).toBe(0);
  return r;
}

async function setup() {
  const sim = makeSim();
  const net = await sim.createNetwork(natNetwork());
  const ep = (await sim.createEndpoint(net, { Name: 'pod' })).id!;
  const ns = await sim.createNamespace();
  return { sim, net, ep, ns };
}

describe('sim namespaces', () => {
  it("accepts containerd's empty {0,0} document and E12, handing out compartment ids (§1.7)", async () => {
    const sim = makeSim();
    const a = await sim.createNamespace({ SchemaVersion: { Major: 0, Minor: 0 } });
    const b = await sim.createNamespace({ NamespaceId: 5, Type: 'HostDefault', SchemaVersion: { Major: 2, Minor: 0 } });
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    const docA = await sim.query('Namespace', a);
    expect(docA.NamespaceId).toBe(2);
    expect(docA).not.toHaveProperty('Type');
    expect(docA).not.toHaveProperty('Resources');
    expect(await sim.query('Namespace', b)).toMatchObject({ NamespaceId: 5, Type: 'HostDefault' });
  });

  it('rejects an unknown member exactly as observed: {{CreateWithCompartment,UnknownField}}', async () => {
    const sim = makeSim();
    const settings = JSON.stringify({ SchemaVersion: { Major: 2, Minor: 0 }, CreateWithCompartment: true });
    const r = await sim.call({ fn: 'HcnCreateNamespace', id: GUID_NULL, settings });
    expect(r.hr).toBe(HR.HCN_E_INVALID_JSON);
    expect(r.errorRecord).toBe(
      '{"Success":false,"Error":"Invalid JSON document string. {{CreateWithCompartment,UnknownField}}","ErrorCode":2151350299}',
    );
  });

  it('opens an unknown namespace with ERROR_NOT_FOUND "Element not found. " (antrea#2301)', async () => {
    const sim = makeSim();
    for (const id of ['2a5a8d11-7d97-4c35-8a0c-3b1a4c5d6e7f', GUID_NULL]) {
      const r = await sim.call({ fn: 'HcnOpenNamespace', id });
      expect(r.hr).toBe(HR.ERROR_NOT_FOUND);
      expect(r.errorRecord).toBe('{"Success":false,"Error":"Element not found. ","ErrorCode":2147943568}');
    }
    expect((await sim.call({ fn: 'HcnDeleteNamespace', id: GUID_NULL })).hr).toBe(HR.ERROR_NOT_FOUND);
  });

  it('keeps HostComputeNamespace and Resources in sync on attach and detach (E13)', async () => {
    const { sim, ep, ns } = await setup();
    expect((await modify(sim, ns, endpointRequest('Add', ep.toLowerCase()))).hr).toBe(0);
    expect((await sim.query('Endpoint', ep)).HostComputeNamespace).toBe(ns);
    expect((await sim.query('Namespace', ns)).Resources).toEqual([{ Type: 'Endpoint', Data: { ID: ep } }]);
    expect((await modify(sim, ns, endpointRequest('Remove', ep))).hr).toBe(0);
    expect(await sim.query('Endpoint', ep)).not.toHaveProperty('HostComputeNamespace');
    expect(await sim.query('Namespace', ns)).not.toHaveProperty('Resources');
  });

  it('accepts numeric enums (ResourceType 1 = Endpoint, RequestType 0 = Add) and the Id resource key option', async () => {
    const { sim, ep, ns } = await setup();
    await sim.setOptions({ namespaceResourceIdKey: 'Id' });
    const r = await modify(sim, ns, JSON.stringify({ ResourceType: 1, RequestType: 0, Settings: { EndpointId: ep } }));
    expect(r.hr).toBe(0);
    expect((await sim.query('Namespace', ns)).Resources).toEqual([{ Type: 'Endpoint', Data: { Id: ep } }]);
  });

  it('refuses to attach an endpoint that is already in a namespace: 0x803B002B', async () => {
    const { sim, ep, ns } = await setup();
    const other = await sim.createNamespace();
    expect((await modify(sim, ns, endpointRequest('Add', ep))).hr).toBe(0);
    for (const target of [ns, other]) {
      const r = await modify(sim, target, endpointRequest('Add', ep));
      expect(r.hr).toBe(HR.HCN_E_ENDPOINT_NAMESPACE_ALREADY_EXISTS);
      expect(r.errorRecord).toBe(
        '{"Success":false,"Error":"This requested operation is invalid as endpoint is already part of a network namespace. ","ErrorCode":2151350315}',
      );
    }
    expect((await sim.query('Namespace', other)).Resources).toBeUndefined();
  });

  it('detaching an endpoint that is not in the namespace fails with the configured code (default 0x80070490)', async () => {
    const { sim, ep, ns } = await setup();
    expect((await modify(sim, ns, endpointRequest('Remove', ep))).hr).toBe(HR.ERROR_NOT_FOUND);
    await sim.setOptions({ detachNotAttachedHresult: 0 });
    expect((await modify(sim, ns, endpointRequest('Remove', ep))).hr).toBe(0);
    const ghost = await modify(sim, ns, endpointRequest('Add', '11111111-2222-3333-4444-555555555555'));
    expect(ghost.hr).toBe(HR.HCN_E_ENDPOINT_NOT_FOUND);
  });

  it('deleting an attached endpoint detaches it, or fails when endpointDeleteWhileAttached=error', async () => {
    const { sim, ep, ns } = await setup();
    expect((await modify(sim, ns, endpointRequest('Add', ep))).hr).toBe(0);
    await sim.setOptions({ endpointDeleteWhileAttached: 'error' });
    expect((await sim.call({ fn: 'HcnDeleteEndpoint', id: ep })).hr).toBe(HR.HCN_E_ENTITY_HAS_REFERENCES);
    await sim.setOptions({ endpointDeleteWhileAttached: 'detach' });
    expect((await sim.call({ fn: 'HcnDeleteEndpoint', id: ep })).hr).toBe(0);
    expect(await sim.query('Namespace', ns)).not.toHaveProperty('Resources');
  });

  it('deleting a namespace detaches its endpoints; containers make it HCN_E_REQUEST_UNSUPPORTED (§7.8)', async () => {
    const { sim, ep, ns } = await setup();
    expect((await modify(sim, ns, endpointRequest('Add', ep))).hr).toBe(0);
    const container = JSON.stringify({
      ResourceType: 'Container',
      RequestType: 'Add',
      Settings: { ContainerId: 'abc' },
    });
    expect((await modify(sim, ns, container)).hr).toBe(0);
    const refused = await sim.call({ fn: 'HcnDeleteNamespace', id: ns });
    expect(refused.errorRecord).toBe(
      '{"Success":false,"Error":"The specified request is unsupported. ","ErrorCode":2151350293}',
    );
    const remove = JSON.stringify({
      ResourceType: 'Container',
      RequestType: 'Remove',
      Settings: { ContainerId: 'abc' },
    });
    expect((await modify(sim, ns, remove)).hr).toBe(0);
    await sim.setOptions({ namespaceDeleteWithEndpoints: 'error' });
    expect((await sim.call({ fn: 'HcnDeleteNamespace', id: ns })).hr).toBe(HR.HCN_E_REQUEST_UNSUPPORTED);
    await sim.setOptions({ namespaceDeleteWithEndpoints: 'detach' });
    expect((await sim.call({ fn: 'HcnDeleteNamespace', id: ns })).hr).toBe(0);
    expect(await sim.query('Endpoint', ep)).not.toHaveProperty('HostComputeNamespace');
  });

  it('refuses to attach a remote endpoint (Flags 1): HCN_E_INVALID_REMOTE_ENDPOINT_OPERATION', async () => {
    const sim = makeSim();
    const net = await sim.createNetwork(natNetwork());
    const ep = (await sim.createEndpoint(net, { Flags: 1, IpConfigurations: [{ IpAddress: '192.168.100.9' }] })).id!;
    const ns = await sim.createNamespace();
    expect((await modify(sim, ns, endpointRequest('Add', ep))).hr).toBe(HR.HCN_E_INVALID_REMOTE_ENDPOINT_OPERATION);
  });

  it('renders namespace GUIDs lower case and endpoint GUIDs upper case by default (§7.1)', async () => {
    const { sim, ep, ns } = await setup();
    expect((await modify(sim, ns, endpointRequest('Add', ep))).hr).toBe(0);
    expect(ns).toBe(ns.toLowerCase());
    expect(ep).toBe(ep.toUpperCase());
    await sim.setOptions({ namespaceGuidCase: 'upper', endpointGuidCase: 'lower' });
    expect((await sim.query('Endpoint', ep)).HostComputeNamespace).toBe(ns.toUpperCase());
    expect((await sim.query('Namespace', ns)).Resources).toEqual([
      { Type: 'Endpoint', Data: { ID: ep.toLowerCase() } },
    ]);
  });
});
