// The v1 API (vmcompute.dll!HNSCall, §2) over the same state as v2: the requests hcsshim's internal/hns and SDN's
// hns.psm1 make, answered with v1 views that agree with the v2 objects, and failures in the style the option
// v1FailureStyle picks.
import { describe, expect, it } from 'vitest';
import { HR } from '../../../src/hns/hresult.js';
import { createComputeSystem } from '../../../src/hns/sim/compute-systems.js';
import { invokeSim } from '../../../src/hns/sim/invoke.js';
import { transact } from '../../../src/hns/sim/state-file.js';
import { makeSim, overlayNetwork } from './sim-harness.js';

/** hcsshim hnsv1_test.go CreateTestNetwork (HNSNetwork, marshalled with omitempty). */
const v1Nat = {
  Name: 'GoTestNat',
  Type: 'NAT',
  Subnets: [{ AddressPrefix: '192.168.100.0/24', GatewayAddress: '192.168.100.1' }],
};

describe('v1 API: networks and endpoints', () => {
  it('POST /networks/ creates a network the v2 API sees; GET shows it in v1 form; DELETE removes it', async () => {
    const sim = makeSim();
    const created = await sim.v1('POST', '/networks/', v1Nat);
    expect(created).toMatchObject({ hr: 0, Success: true });
    const v1 = created.Output as Record<string, unknown>;
    expect(v1).toMatchObject({
      Name: 'GoTestNat',
      Type: 'NAT',
      Subnets: [{ AddressPrefix: '192.168.100.0/24', GatewayAddress: '192.168.100.1' }],
    });
    const v2 = await sim.query('Network', v1.ID as string);
    expect(v2.Ipams).toEqual([
      {
        Type: 'Static',
        Subnets: [
          {
            IpAddressPrefix: '192.168.100.0/24',
            Routes: [{ NextHop: '192.168.100.1', DestinationPrefix: '0.0.0.0/0' }],
          },
        ],
      },
    ]);
    expect(((await sim.v1('GET', '/networks/')).Output as unknown[]).length).toBe(1);
    expect((await sim.v1('GET', `/networks/${v1.ID}`)).Output).toEqual(v1);
    expect((await sim.v1('DELETE', `/networks/${v1.ID}`)).Success).toBe(true);
    expect((await sim.call({ fn: 'HcnOpenNetwork', id: v1.ID as string })).hr).toBe(HR.HCN_E_NETWORK_NOT_FOUND);
  });

  it('a missing object is S_OK + Success:false (mixed); other failures a failing HRESULT; options switch both', async () => {
    const sim = makeSim();
    const missing = '/endpoints/0d3c6bd5-41f3-4bf1-ae5e-8e76b9e1c53a';
    expect(await sim.v1('GET', missing)).toEqual({ hr: 0, Success: false, Error: 'The endpoint was not found. ' });
    await sim.v1('POST', '/networks/', v1Nat);
    const dup = await sim.v1('POST', '/networks/', v1Nat);
    expect(dup.hr).toBe(HR.HCN_E_NETWORK_ALREADY_EXISTS); // hcsshim#850: "hnsCall failed in Win32: A network with this name already exists. (0x803b0010)"
    await sim.setOptions({ v1FailureStyle: 'envelope' });
    expect(await sim.v1('POST', '/networks/', v1Nat)).toEqual({
      hr: 0,
      Success: false,
      Error: 'A network with this name already exists. ',
    });
    await sim.setOptions({ v1FailureStyle: 'hresult' });
    expect((await sim.v1('GET', missing)).hr).toBe(HR.HCN_E_ENDPOINT_NOT_FOUND);
  });

  it('endpoints: create by VirtualNetwork with v1 policies, update policies, attach/detach, stats, delete', async () => {
    const sim = makeSim();
    const net = (await sim.v1('POST', '/networks/', v1Nat)).Output as { ID: string };
    // win-bridge's v1 endpoint (GenerateHnsEndpoint) with its sample-v1.conf policies.
    const created = await sim.v1('POST', '/endpoints/', {
      Name: 'ctr_cbr0',
      VirtualNetwork: net.ID,
      DNSServerList: '11.0.0.10',
      DNSSuffix: 'svc.cluster.local',
      GatewayAddress: '192.168.100.1',
      IPAddress: '192.168.100.7',
      Policies: [
        { Type: 'OutBoundNAT', ExceptionList: ['192.168.0.0/16', '11.0.0.0/8'] },
        { Type: 'ROUTE', DestinationPrefix: '11.0.0.0/8', NeedEncap: true },
        { Type: 'NAT', Protocol: 'UDP', InternalPort: 53, ExternalPort: 5353, ExternalPortReserved: true },
      ],
    });
    expect(created.Success).toBe(true);
    const ep = created.Output as Record<string, unknown>;
    const id = ep.ID as string;
    const v2 = await sim.query('Endpoint', id);
    expect(v2).toMatchObject({
      IpConfigurations: [{ IpAddress: '192.168.100.7', PrefixLength: 24 }],
      Dns: { Search: ['svc.cluster.local'], ServerList: ['11.0.0.10'] },
      Routes: [{ NextHop: '192.168.100.1', DestinationPrefix: '0.0.0.0/0' }],
      Policies: [
        { Type: 'OutBoundNAT', Settings: { Exceptions: ['192.168.0.0/16', '11.0.0.0/8'] } },
        { Type: 'SDNRoute', Settings: { DestinationPrefix: '11.0.0.0/8', NeedEncap: true } },
        { Type: 'PortMapping', Settings: { Protocol: 17, InternalPort: 53, ExternalPort: 5353, Flags: 4 } },
      ],
    });
    // The v1 view renders the same policies back in v1 form, so a round trip (hcsshim's Update) changes nothing.
    expect(ep).toMatchObject({
      VirtualNetwork: net.ID,
      IPAddress: '192.168.100.7',
      PrefixLength: 24,
      GatewayAddress: '192.168.100.1',
      DNSSuffix: 'svc.cluster.local',
      State: 1,
      Policies: [
        { Type: 'OutBoundNAT', ExceptionList: ['192.168.0.0/16', '11.0.0.0/8'] },
        { Type: 'ROUTE', DestinationPrefix: '11.0.0.0/8', NeedEncap: true },
        { Type: 'NAT', Protocol: 'UDP', InternalPort: 53, ExternalPort: 5353, ExternalPortReserved: true },
      ],
    });
    // hcsshim ApplyACLPolicy: the endpoint as read, plus an ACL, POSTed to /endpoints/{id}.
    const acl = { Type: 'ACL', Protocol: 6, Action: 'Allow', Direction: 'In', LocalPort: 80, Priority: 200 };
    const updated = await sim.v1('POST', `/endpoints/${id}`, { ...ep, Policies: [...(ep.Policies as object[]), acl] });
    expect(updated.Success).toBe(true);
    const policies = (await sim.query('Endpoint', id)).Policies as { Type: string; Settings?: object }[];
    expect(policies.map((p) => p.Type)).toEqual(['OutBoundNAT', 'SDNRoute', 'PortMapping', 'ACL']);
    expect(policies[3]!.Settings).toEqual({
      Protocols: '6',
      Action: 'Allow',
      Direction: 'In',
      LocalPorts: '80',
      Priority: 200,
    });

    // hcsshim HostAttach(1) / HostDetach: the endpoint's v1 State follows.
    expect((await sim.v1('POST', `/endpoints/${id}/attach`, { SystemType: 'Host', CompartmentId: 1 })).Success).toBe(
      true,
    );
    expect(((await sim.v1('GET', `/endpoints/${id}`)).Output as { State: number }).State).toBe(2);
    expect((await sim.v1('POST', `/endpoints/${id}/attach`, { SystemType: 'Host', CompartmentId: 1 })).hr).toBe(
      HR.HCN_E_ENDPOINT_ALREADY_ATTACHED,
    );
    expect((await sim.v1('POST', `/endpoints/${id}/detach`, { SystemType: 'Host' })).Success).toBe(true);
    // Detaching what is not attached answers like a namespace Remove (option detachNotAttachedHresult).
    expect(await sim.v1('POST', `/endpoints/${id}/detach`, { SystemType: 'Host' })).toMatchObject({
      hr: 0,
      Success: false,
      Error: 'Element not found. ',
    });
    // hcsshim ContainerAttach: SharedContainers is what its IsAttached reads.
    await sim.v1('POST', `/endpoints/${id}/attach`, { ContainerId: 'c1', SystemType: 'Container', CompartmentId: 3 });
    expect((await sim.v1('GET', `/endpoints/${id}`)).Output).toMatchObject({ SharedContainers: ['c1'], State: 2 });

    expect((await sim.v1('GET', `/endpointstats/${id}`)).Output).toMatchObject({ EndpointId: id, BytesSent: 0 });
    expect((await sim.v1('DELETE', `/endpoints/${id}`)).Success).toBe(true);
    expect((await sim.call({ fn: 'HcnOpenEndpoint', id })).hr).toBe(HR.HCN_E_ENDPOINT_NOT_FOUND);
  });

  it('an Overlay network in v1 form: ManagementIP is the provider address, subnet VSID policies, DR MAC', async () => {
    const sim = makeSim();
    await sim.setOptions({ hostAddress: '10.0.133.170' });
    const id = await sim.createNetwork(overlayNetwork('vxlan0', '10.244.2.0/24', '10.244.2.1', 4097));
    const v1 = (await sim.v1('GET', `/networks/${id}`)).Output as Record<string, unknown>;
    const v2 = await sim.query('Network', id);
    const drMac = (v2.Policies as { Type: string; Settings: { Address?: string } }[]).find(
      (p) => p.Type === 'DrMacAddress',
    )?.Settings.Address;
    expect(v1).toMatchObject({
      Type: 'Overlay',
      ManagementIP: '10.0.133.170',
      DrMacAddress: drMac,
      Subnets: [
        { AddressPrefix: '10.244.2.0/24', GatewayAddress: '10.244.2.1', Policies: [{ Type: 'VSID', VSID: 4097 }] },
      ],
    });
  });

  it('namespaces (hcsshim internal/hns/namespace.go) and accelnet', async () => {
    const sim = makeSim();
    const ns = (await sim.v1('POST', '/namespaces/', { IsDefault: false })).Output as { ID: string };
    const net = await sim.createNetwork(overlayNetwork());
    const ep = (await sim.createEndpoint(net, { Name: 'e' })).id!;
    const added = await sim.v1('POST', `/namespaces/${ns.ID}/addresource`, { Type: 'Endpoint', Data: { Id: ep } });
    expect(added.Output).toMatchObject({ ResourceList: [{ Type: 'Endpoint', Data: { Id: ep } }] });
    expect((await sim.query('Endpoint', ep)).HostComputeNamespace).toBe(ns.ID);
    await sim.v1('POST', `/namespaces/${ns.ID}/removeresource`, { Type: 'Endpoint', Data: { Id: ep } });
    expect(await sim.query('Endpoint', ep)).not.toHaveProperty('HostComputeNamespace');
    expect((await sim.v1('DELETE', `/namespaces/${ns.ID}`)).Success).toBe(true);
    // hcsshim maps "Element not found." to os.ErrNotExist.
    expect((await sim.v1('GET', `/namespaces/${ns.ID}`)).Error).toBe('Element not found. ');

    const macs = { MacAddressList: [{ MacAddress: '00-15-5D-0A-B7-C6' }, { MacAddress: '00-15-5D-38-01-00' }] };
    expect((await sim.v1('POST', '/accelnet/', macs)).Output).toEqual(macs);
    expect((await sim.v1('GET', '/accelnet/')).Output).toEqual(macs);
    // v1 outputs keep empty members (docker/for-win#1126 shows "CurrentEndpointCount" : 0).
    expect((await sim.v1('DELETE', '/accelnet/')).Output).toEqual({ MacAddressList: [] });
    expect((await sim.v1('GET', '/accelnet/')).Output).toEqual({ MacAddressList: [] });
  });
});

describe('HCS compute systems (vmcompute.dll Hcs*): a v1 plugin hot-attaching its endpoint', () => {
  it('open, properties, modify Network Add/Remove, callback, close; unknown ids are HCS_E_SYSTEM_NOT_FOUND', async () => {
    const sim = makeSim();
    const net = await sim.createNetwork(overlayNetwork());
    const ep = (await sim.createEndpoint(net, { Name: 'e' })).id!;
    await transact(sim.file, (s) => createComputeSystem(s, 'pause0', 'docker'));
    const call = async (c: Parameters<typeof invokeSim>[1]) => (await invokeSim(sim.file, c)).reply;

    const missing = await call({ fn: 'HcsOpenComputeSystem', systemId: 'nope' });
    expect(missing.hr).toBe(HR.HCS_E_SYSTEM_NOT_FOUND);
    expect(JSON.parse(missing.errorRecord!)).toMatchObject({ Error: HR.HCS_E_SYSTEM_NOT_FOUND });

    const system = (await call({ fn: 'HcsOpenComputeSystem', systemId: 'PAUSE0' })).handle!;
    const callback = (await call({ fn: 'HcsRegisterComputeSystemCallback', handle: system })).handle!;
    const props = await call({ fn: 'HcsGetComputeSystemProperties', handle: system, query: '{}' });
    expect(JSON.parse(props.output!)).toMatchObject({ Id: 'pause0', SystemType: 'Container', Owner: 'docker' });
    const modify = (RequestType: string) =>
      call({
        fn: 'HcsModifyComputeSystem',
        handle: system,
        settings: JSON.stringify({ ResourceType: 'Network', Settings: ep, RequestType }),
      });
    expect((await modify('Add')).hr).toBe(0);
    expect((await sim.v1('GET', `/endpoints/${ep}`)).Output).toMatchObject({ SharedContainers: ['pause0'], State: 2 });
    expect((await modify('Remove')).hr).toBe(0);
    expect((await sim.v1('GET', `/endpoints/${ep}`)).Output).toMatchObject({ State: 1 });
    const other = await call({
      fn: 'HcsModifyComputeSystem',
      handle: system,
      settings: JSON.stringify({ ResourceType: 'MappedDirectory', RequestType: 'Add', Settings: {} }),
    });
    expect(other.hr).toBe(HR.ERROR_NOT_SUPPORTED);
    expect((await call({ fn: 'HcsUnregisterComputeSystemCallback', handle: callback })).hr).toBe(0);
    expect((await call({ fn: 'HcsCloseComputeSystem', handle: system })).hr).toBe(0);
    expect((await call({ fn: 'HcsCloseComputeSystem', handle: system })).hr).toBe(HR.E_HANDLE);
  });
});
