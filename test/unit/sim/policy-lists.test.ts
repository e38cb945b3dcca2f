// Load balancers and SDN routes (§3.5, §3.6), and the v1 policy lists that are the same objects (§2). Documents
// are the ones hcsshim's tests and SDN's hns.v2.psm1 send (hcnutils_test.go HcnCreateTestLoadBalancer,
// HcnCreateTestSdnRoute; New-HnsLoadBalancer, New-HnsRoute).
import { describe, expect, it } from 'vitest';
import { GUID_NULL } from '../../../src/hns/guid.js';
import { HR } from '../../../src/hns/hresult.js';
import { makeSim, overlayNetwork, type Sim, V2_QUERY } from './sim-harness.js';

const V1_QUERY = JSON.stringify({ SchemaVersion: { Major: 1, Minor: 0 } });

async function endpoints(sim: Sim, n = 2): Promise<string[]> {
  const net = await sim.createNetwork(overlayNetwork());
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await sim.createEndpoint(net, { Name: `ep${i}` })).id!);
  return ids;
}

/** hcsshim's HcnCreateTestLoadBalancer document. */
const loadBalancer = (endpointIds: string[], extra: Record<string, unknown> = {}) => ({
  HostComputeEndpoints: endpointIds,
  SourceVIP: '10.0.0.1',
  PortMappings: [{ Protocol: 6, InternalPort: 8080, ExternalPort: 8090 }],
  FrontendVIPs: ['1.1.1.2', '1.1.1.3'],
  SchemaVersion: { Major: 2, Minor: 0 },
  ...extra,
});

async function create(sim: Sim, kind: 'LoadBalancer' | 'SdnRoute', doc: unknown, id = GUID_NULL) {
  const r = await sim.call({ fn: `HcnCreate${kind}`, id, settings: JSON.stringify(doc) });
  if (r.hr !== 0) return { hr: r.hr, id: undefined };
  const q = await sim.call({ fn: `HcnQuery${kind}Properties`, handle: r.handle, query: V2_QUERY });
  await sim.call({ fn: `HcnClose${kind}`, handle: r.handle });
  return { hr: r.hr, id: (JSON.parse(q.output!) as { ID: string }).ID };
}

describe('sim load balancers', () => {
  it('create, query (v2 and v1 views), enumerate by ID, modify with the whole document, delete', async () => {
    const sim = makeSim();
    const [a, b] = await endpoints(sim);
    const { id } = await create(sim, 'LoadBalancer', loadBalancer([a!], { Flags: 1 }));
    expect(id).toMatch(/^[0-9A-F-]{36}$/); // upper case by default, like networks (option loadBalancerGuidCase)
    const lb = await sim.query('LoadBalancer', id!);
    expect(lb).toMatchObject({
      ID: id,
      HostComputeEndpoints: [a!.toUpperCase()],
      SourceVIP: '10.0.0.1',
      FrontendVIPs: ['1.1.1.2', '1.1.1.3'],
      PortMappings: [{ Protocol: 6, InternalPort: 8080, ExternalPort: 8090 }],
      Flags: 1,
      SchemaVersion: { Major: 2, Minor: 0 },
    });
    // A v1 query (SDN's module asks with SchemaVersion 1.0) shows the policy list: one ELB per port mapping.
    expect(await sim.query('LoadBalancer', id!, V1_QUERY)).toEqual({
      ID: id,
      References: [`/endpoints/${a!.toUpperCase()}`],
      Policies: [
        {
          Type: 'ELB',
          Protocol: 6,
          InternalPort: 8080,
          ExternalPort: 8090,
          SourceVIP: '10.0.0.1',
          VIPs: ['1.1.1.2', '1.1.1.3'],
          IsDSR: true,
        },
      ],
    });
    const filter = JSON.stringify({ SchemaVersion: { Major: 2, Minor: 0 }, Filter: JSON.stringify({ ID: id }) });
    expect(JSON.parse((await sim.call({ fn: 'HcnEnumerateLoadBalancers', query: filter })).output!)).toEqual([id]);

    const h = await sim.open('LoadBalancer', id!);
    const m = await sim.call({
      fn: 'HcnModifyLoadBalancer',
      handle: h,
      settings: JSON.stringify(loadBalancer([a!, b!])),
    });
    expect(m.hr).toBe(0);
    await sim.call({ fn: 'HcnCloseLoadBalancer', handle: h });
    expect((await sim.query('LoadBalancer', id!)).HostComputeEndpoints).toHaveLength(2);

    expect((await sim.call({ fn: 'HcnDeleteLoadBalancer', id })).hr).toBe(0);
    expect((await sim.call({ fn: 'HcnDeleteLoadBalancer', id })).hr).toBe(HR.ERROR_NOT_FOUND);
    expect((await sim.call({ fn: 'HcnOpenLoadBalancer', id })).hr).toBe(HR.ERROR_NOT_FOUND);
  });

  it('re-creates with the ID the document carries when the Id argument is GUID_NULL (hcsshim AddEndpoint)', async () => {
    const sim = makeSim();
    const [a, b] = await endpoints(sim);
    const { id } = await create(sim, 'LoadBalancer', loadBalancer([a!]));
    await sim.call({ fn: 'HcnDeleteLoadBalancer', id });
    expect((await create(sim, 'LoadBalancer', loadBalancer([a!, b!], { ID: id }))).id).toBe(id);
    // The ID is taken now: the same document again is refused.
    expect((await create(sim, 'LoadBalancer', loadBalancer([a!], { ID: id }))).hr).toBe(HR.ERROR_ALREADY_EXISTS);
    await sim.setOptions({ createDocumentId: 'ignored' });
    const other = await create(sim, 'LoadBalancer', loadBalancer([a!], { ID: id }));
    expect(other.hr).toBe(0);
    expect(other.id).not.toBe(id);
  });

  it('validates VIPs, port mappings and endpoint references', async () => {
    const sim = makeSim();
    const [a] = await endpoints(sim, 1);
    const bad = async (doc: unknown) => (await create(sim, 'LoadBalancer', doc)).hr;
    expect(await bad(loadBalancer([a!], { SourceVIP: 'not-an-ip' }))).toBe(HR.HCN_E_INVALID_POLICY);
    expect(await bad(loadBalancer([a!], { FrontendVIPs: ['1.1.1.300'] }))).toBe(HR.HCN_E_INVALID_POLICY);
    expect(await bad(loadBalancer([a!], { PortMappings: [{ Protocol: 6, InternalPort: 70000 }] }))).toBe(
      HR.HCN_E_INVALID_POLICY,
    );
    expect(await bad(loadBalancer([a!], { PortMappings: [{ DistributionType: 3 }] }))).toBe(HR.HCN_E_INVALID_POLICY);
    expect(await bad(loadBalancer([a!], { Bogus: 1 }))).toBe(HR.HCN_E_INVALID_JSON);
    const ghost = '4f2a9f39-0000-4000-8000-000000000001';
    expect(await bad(loadBalancer([ghost]))).toBe(HR.HCN_E_ENDPOINT_NOT_FOUND);
    await sim.setOptions({ policyListUnknownEndpoint: 'accept' });
    expect(await bad(loadBalancer([ghost]))).toBe(0);
  });

  it('deleting a backend endpoint drops it from the load balancer, or is refused (option)', async () => {
    const sim = makeSim();
    const [a, b] = await endpoints(sim);
    const { id } = await create(sim, 'LoadBalancer', loadBalancer([a!, b!]));
    expect((await sim.call({ fn: 'HcnDeleteEndpoint', id: a })).hr).toBe(0);
    expect((await sim.query('LoadBalancer', id!)).HostComputeEndpoints).toEqual([b!.toUpperCase()]);
    await sim.setOptions({ endpointDeleteWithPolicyLists: 'error' });
    expect((await sim.call({ fn: 'HcnDeleteEndpoint', id: b })).hr).toBe(HR.HCN_E_ENTITY_HAS_REFERENCES);
    // Deleting the network takes everything with it (cascade), references included.
    const net = (await sim.query('Endpoint', b!)).HostComputeNetwork as string;
    expect((await sim.call({ fn: 'HcnDeleteNetwork', id: net })).hr).toBe(0);
    expect((await sim.query('LoadBalancer', id!)).HostComputeEndpoints).toBeUndefined();
  });
});

describe('sim SDN routes', () => {
  /** hcsshim's HcnCreateTestSdnRoute: the list under `Setting`, a prefix with host bits set. */
  const hcsshimRoute = (endpointIds: string[]) => ({
    SchemaVersion: { Major: 2, Minor: 0 },
    Setting: [{ DestinationPrefix: '169.254.169.254/24', NextHop: '127.10.0.34' }],
    HostComputeEndpoints: endpointIds,
  });

  it('reads the list under `Routes` (schema, hns.v2.psm1) or `Setting` (hcsshim), renders the option key', async () => {
    const sim = makeSim();
    const [a] = await endpoints(sim, 1);
    const { id } = await create(sim, 'SdnRoute', hcsshimRoute([a!]));
    const routes = [{ DestinationPrefix: '169.254.169.254/24', NextHop: '127.10.0.34' }];
    expect(await sim.query('SdnRoute', id!)).toMatchObject({ ID: id, Routes: routes });
    await sim.setOptions({ sdnRouteOutputKey: 'Setting' });
    const asHcsshim = await sim.query('SdnRoute', id!);
    expect(asHcsshim.Setting).toEqual(routes);
    expect(asHcsshim).not.toHaveProperty('Routes');
    const psm1 = {
      HostComputeEndpoints: [a],
      Routes: [{ DestinationPrefix: '10.0.0.0/8', NextHop: '', NeedEncap: true, AutomaticEndpointMonitor: false }],
      SchemaVersion: { Minor: 2, Major: 2 },
    };
    expect((await create(sim, 'SdnRoute', psm1)).hr).toBe(0);
    expect(await sim.query('SdnRoute', id!, V1_QUERY)).toEqual({
      ID: id,
      References: [`/endpoints/${a!.toUpperCase()}`],
      Policies: [{ Type: 'ROUTE', ...routes[0] }],
    });
  });

  it('validates the routes as SDNRoute policies and deletes with the kind not-found option', async () => {
    const sim = makeSim();
    const [a] = await endpoints(sim, 1);
    const bad = { ...hcsshimRoute([a!]), Setting: [{ DestinationPrefix: 'nowhere' }] };
    expect((await create(sim, 'SdnRoute', bad)).hr).toBe(HR.HCN_E_INVALID_POLICY);
    await sim.setOptions({ routeNotFoundHresult: HR.HCN_E_POLICY_NOT_FOUND });
    expect((await sim.call({ fn: 'HcnDeleteSdnRoute', id: a })).hr).toBe(HR.HCN_E_POLICY_NOT_FOUND);
  });
});

describe('v1 policy lists are the same objects', () => {
  it('POST /policylists with ELB policies is a load balancer; ROUTE policies an SDN route; GET lists both', async () => {
    const sim = makeSim();
    const [a] = await endpoints(sim, 1);
    // hcsshim internal/hns AddLoadBalancer: ELBPolicy {Type, Protocol, InternalPort, ExternalPort, SourceVIP, VIPs, ILB}.
    const elb = await sim.v1('POST', '/policylists/', {
      References: [`/endpoints/${a}`],
      Policies: [
        {
          Type: 'ELB',
          Protocol: 6,
          InternalPort: 80,
          ExternalPort: 8080,
          SourceVIP: '10.0.0.9',
          VIPs: ['10.96.0.1'],
          ILB: true,
        },
      ],
    });
    expect(elb.Success).toBe(true);
    const elbId = (elb.Output as { ID: string }).ID;
    expect(await sim.query('LoadBalancer', elbId)).toMatchObject({
      SourceVIP: '10.0.0.9',
      FrontendVIPs: ['10.96.0.1'],
      PortMappings: [{ Protocol: 6, InternalPort: 80, ExternalPort: 8080, Flags: 1 }],
    });
    // SDN hns.psm1 New-HnsRoute.
    const route = await sim.v1('POST', '/policylists', {
      References: [`/endpoints/${a}`],
      Policies: [{ Type: 'ROUTE', DestinationPrefix: '10.96.0.0/12', NeedEncap: true }],
    });
    const routeId = (route.Output as { ID: string }).ID;
    expect((await sim.query('SdnRoute', routeId)).Routes).toEqual([
      { DestinationPrefix: '10.96.0.0/12', NeedEncap: true },
    ]);
    const all = (await sim.v1('GET', '/policylists/')).Output as { ID: string }[];
    expect(all.map((p) => p.ID).sort()).toEqual([elbId, routeId].sort());
    expect((await sim.v1('DELETE', `/policylists/${elbId}`)).Success).toBe(true);
    expect((await sim.call({ fn: 'HcnOpenLoadBalancer', id: elbId })).hr).toBe(HR.ERROR_NOT_FOUND);
    // A list mixing the two is not a thing any client sends.
    const mixed = await sim.v1('POST', '/policylists/', {
      Policies: [{ Type: 'ELB' }, { Type: 'ROUTE', DestinationPrefix: '10.0.0.0/8' }],
    });
    expect(mixed.hr).toBe(HR.HCN_E_INVALID_POLICY_TYPE);
  });
});
