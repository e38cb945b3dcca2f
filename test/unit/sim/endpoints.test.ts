// Endpoints through the raw ABI (hns-api.md §3.3, §4.2, §7.5-7.7).
import { describe, expect, it } from 'vitest';
import { GUID_NULL } from '../../../src/hns/guid.js';
import { HR } from '../../../src/hns/hresult.js';
import { makeSim, natNetwork, overlayNetwork } from './sim-harness.js';

const typed = (type: string, name = `${type.toLowerCase()}-net`) =>
  type === 'Overlay'
    ? overlayNetwork(name, '10.10.0.0/24', '10.10.0.1')
    : JSON.stringify({ ...JSON.parse(natNetwork(name, '10.10.0.0/24', '10.10.0.1')), Type: type });

const portMapping = (ExternalPort: number, InternalPort = 80) => ({
  Type: 'PortMapping',
  Settings: { InternalPort, ExternalPort, Protocol: 6, VIP: '' },
});

describe('sim endpoints', () => {
  it('assigns IP, prefix length, default route and MAC on NAT networks, skipping the gateway (§7.5, §7.7)', async () => {
    const sim = makeSim();
    const net = await sim.createNetwork(natNetwork());
    const a = await sim.query('Endpoint', (await sim.createEndpoint(net, { Name: 'a' })).id!);
    const b = await sim.query('Endpoint', (await sim.createEndpoint(net, { Name: 'b' })).id!);
    expect(a.HostComputeNetwork).toBe(net);
    expect(a.IpConfigurations).toEqual([{ IpAddress: '192.168.100.2', PrefixLength: 24 }]);
    expect(b.IpConfigurations).toEqual([{ IpAddress: '192.168.100.3', PrefixLength: 24 }]);
    expect(a.Routes).toEqual([{ NextHop: '192.168.100.1', DestinationPrefix: '0.0.0.0/0' }]);
    expect(a.MacAddress).toMatch(/^00-15-5D-([0-9A-F]{2}-){2}[0-9A-F]{2}$/);
    expect(a.MacAddress).not.toBe(b.MacAddress);
    expect(a).not.toHaveProperty('HostComputeNamespace');
  });

  it('assigns addresses on L2Bridge and Overlay but not on Transparent (§7.5)', async () => {
    const sim = makeSim();
    for (const type of ['L2Bridge', 'Overlay']) {
      const ep = await sim.createEndpoint(await sim.createNetwork(typed(type)), { Name: type });
      expect((await sim.query('Endpoint', ep.id!)).IpConfigurations).toEqual([
        { IpAddress: '10.10.0.2', PrefixLength: 24 },
      ]);
    }
    await sim.setOptions({ adapters: ['Ethernet', 'Ethernet 2'] });
    const transparent = JSON.stringify({
      ...JSON.parse(typed('Transparent')),
      Policies: [{ Type: 'NetAdapterName', Settings: { NetworkAdapterName: 'Ethernet 2' } }],
    });
    const ep = await sim.query(
      'Endpoint',
      (await sim.createEndpoint(await sim.createNetwork(transparent), { Name: 't' })).id!,
    );
    expect(ep).not.toHaveProperty('IpConfigurations');
    expect(ep).not.toHaveProperty('Routes');
    expect(ep.MacAddress).toBeDefined();
  });

  it('takes the MacPool of the network and keeps a caller MAC verbatim (§7.7)', async () => {
    const sim = makeSim();
    const withPool = JSON.stringify({
      ...JSON.parse(natNetwork()),
      MacPool: { Ranges: [{ StartMacAddress: '00-15-5D-52-C0-00', EndMacAddress: '00-15-5D-52-CF-FF' }] },
    });
    const net = await sim.createNetwork(withPool);
    expect((await sim.query('Endpoint', (await sim.createEndpoint(net, {})).id!)).MacAddress).toBe('00-15-5D-52-C0-00');
    const given = await sim.createEndpoint(net, { MacAddress: '0E-2A-0a-01-12-43' });
    expect((await sim.query('Endpoint', given.id!)).MacAddress).toBe('0E-2A-0a-01-12-43');
  });

  it('rejects an IP outside every subnet with HCN_E_INVALID_IP and the exact ErrorRecord (§7.6)', async () => {
    const sim = makeSim();
    const net = await sim.createNetwork(natNetwork());
    const r = await sim.createEndpoint(net, { IpConfigurations: [{ IpAddress: '10.1.2.3' }] });
    expect(r.hr).toBe(HR.HCN_E_INVALID_IP);
    expect(r.errorRecord).toBe(
      '{"Success":false,"Error":"IP address is either invalid or not part of any configured subnet(s). ","ErrorCode":2151350302}',
    );
    expect((await sim.createEndpoint(net, { IpConfigurations: [{ IpAddress: 'not-an-ip' }] })).hr).toBe(
      HR.HCN_E_INVALID_IP,
    );
  });

  it('rejects reserved addresses (gateway, network, broadcast) with HCN_E_ADDR_INVALID_OR_RESERVED', async () => {
    const sim = makeSim();
    const net = await sim.createNetwork(natNetwork());
    for (const ip of ['192.168.100.1', '192.168.100.0', '192.168.100.255']) {
      const r = await sim.createEndpoint(net, { IpConfigurations: [{ IpAddress: ip }] });
      expect(r.hr, ip).toBe(HR.HCN_E_ADDR_INVALID_OR_RESERVED);
      expect(r.errorRecord).toBe(
        '{"Success":false,"Error":"An address provided is invalid or reserved. ","ErrorCode":2151350319}',
      );
    }
  });

  it('fills PrefixLength and the default route for a requested IP; a duplicate IP fails with the configured code', async () => {
    const sim = makeSim();
    const net = await sim.createNetwork(natNetwork());
    const ok = await sim.createEndpoint(net, { IpConfigurations: [{ IpAddress: '192.168.100.50' }] });
    const doc = await sim.query('Endpoint', ok.id!);
    expect(doc.IpConfigurations).toEqual([{ IpAddress: '192.168.100.50', PrefixLength: 24 }]);
    expect(doc.Routes).toEqual([{ NextHop: '192.168.100.1', DestinationPrefix: '0.0.0.0/0' }]);
    const dup = await sim.createEndpoint(net, { IpConfigurations: [{ IpAddress: '192.168.100.50' }] });
    expect(dup.hr).toBe(HR.ERROR_OBJECT_ALREADY_EXISTS);
    expect(dup.errorRecord).toBe('{"Success":false,"Error":"The object already exists. ","ErrorCode":2147947410}');
    await sim.setOptions({ duplicateIpHresult: HR.HCN_E_INVALID_IP });
    expect((await sim.createEndpoint(net, { IpConfigurations: [{ IpAddress: '192.168.100.50' }] })).hr).toBe(
      HR.HCN_E_INVALID_IP,
    );
  });

  it('honours a caller GUID and rejects it a second time with ERROR_ALREADY_EXISTS', async () => {
    const sim = makeSim();
    const net = await sim.createNetwork(natNetwork());
    const id = '3f2c8a41-1b7e-4f0e-9a55-0c8d7e6b9a10';
    expect((await sim.createEndpoint(net, { Name: 'x' }, id)).id).toBe(id.toUpperCase());
    const again = await sim.createEndpoint(net, { Name: 'x' }, id.toUpperCase());
    expect(again.hr).toBe(HR.ERROR_ALREADY_EXISTS);
    expect(again.handle).toBeUndefined();
  });

  it('refuses HostComputeNamespace in a create document (read-only, §3.3)', async () => {
    const sim = makeSim();
    const net = await sim.createNetwork(natNetwork());
    const r = await sim.createEndpoint(net, { HostComputeNamespace: '2a5a8d11-7d97-4c35-8a0c-3b1a4c5d6e7f' });
    expect(r.hr).toBe(HR.HCN_E_INVALID_ENDPOINT);
  });

  it('rejects a duplicate PortMapping external port on the network with HCN_E_PORT_ALREADY_EXISTS (§4.2)', async () => {
    const sim = makeSim();
    const net = await sim.createNetwork(natNetwork());
    expect((await sim.createEndpoint(net, { Policies: [portMapping(8080)] })).hr).toBe(0);
    const dup = await sim.createEndpoint(net, { Policies: [portMapping(8080, 81)] });
    expect(dup.hr).toBe(HR.HCN_E_PORT_ALREADY_EXISTS);
    expect(dup.errorRecord).toBe(
      '{"Success":false,"Error":"The specified port already exists. ","ErrorCode":2151350291}',
    );
    const udp = { Type: 'PortMapping', Settings: { InternalPort: 53, ExternalPort: 8080, Protocol: 17 } };
    expect((await sim.createEndpoint(net, { Policies: [udp] })).hr).toBe(0);
    // Another network has its own port space.
    const other = await sim.createNetwork(natNetwork('other', '192.168.200.0/24', '192.168.200.1'));
    expect((await sim.createEndpoint(other, { Policies: [portMapping(8080)] })).hr).toBe(0);
    expect((await sim.createEndpoint(net, { Policies: [portMapping(9090, 0)] })).hr).toBe(
      HR.HCN_E_INVALID_INTERNAL_PORT,
    );
  });

  it('validates policy types case-insensitively and ACL addresses (§4.2, hcsshim#1059)', async () => {
    const sim = makeSim();
    const net = await sim.createNetwork(natNetwork());
    const sdn = { Type: 'SDNROUTE', Settings: { DestinationPrefix: '10.96.0.0/12', NeedEncap: true } };
    const ep = await sim.createEndpoint(net, { Policies: [sdn] });
    expect((await sim.query('Endpoint', ep.id!)).Policies).toEqual([{ ...sdn, Type: 'SDNRoute' }]);
    expect((await sim.createEndpoint(net, { Policies: [{ Type: 'Teleport' }] })).hr).toBe(HR.HCN_E_INVALID_POLICY_TYPE);
    const acl = { Type: 'ACL', Settings: { Action: 'Allow', Direction: 'In', LocalAddresses: 'Any', Priority: 100 } };
    expect((await sim.createEndpoint(net, { Policies: [acl] })).hr).toBe(HR.HCN_E_INVALID_POLICY);
  });

  it('replaces the policy set on ModifyEndpoint Update and checks port conflicts (§5, E14)', async () => {
    const sim = makeSim();
    const net = await sim.createNetwork(natNetwork());
    await sim.createEndpoint(net, { Policies: [portMapping(8080)] });
    const ep = await sim.createEndpoint(net, { Policies: [portMapping(9090)] });
    const h = await sim.open('Endpoint', ep.id!);
    const acl = {
      Type: 'ACL',
      Settings: {
        Protocols: '6',
        Action: 'Allow',
        Direction: 'In',
        LocalAddresses: '192.168.100.0/24',
        RuleType: 'Switch',
        Priority: 200,
      },
    };
    const update = (Policies: unknown[]) =>
      JSON.stringify({ ResourceType: 'Policy', RequestType: 'Update', Settings: { Policies } });
    expect((await sim.call({ fn: 'HcnModifyEndpoint', handle: h, settings: update([acl]) })).hr).toBe(0);
    expect((await sim.query('Endpoint', ep.id!)).Policies).toEqual([acl]);
    const conflict = await sim.call({ fn: 'HcnModifyEndpoint', handle: h, settings: update([portMapping(8080)]) });
    expect(conflict.hr).toBe(HR.HCN_E_PORT_ALREADY_EXISTS);
    expect((await sim.query('Endpoint', ep.id!)).Policies).toEqual([acl]);
  });

  it('reports unknown endpoints with HCN_E_ENDPOINT_NOT_FOUND on Open and Delete (§6.1)', async () => {
    const sim = makeSim();
    const id = '0f3f6c5c-330c-40fc-9d52-aeb44d267c33';
    const open = await sim.call({ fn: 'HcnOpenEndpoint', id });
    expect(open.errorRecord).toBe('{"Success":false,"Error":"The endpoint was not found. ","ErrorCode":2151350274}');
    expect((await sim.call({ fn: 'HcnDeleteEndpoint', id })).hr).toBe(HR.HCN_E_ENDPOINT_NOT_FOUND);
    expect((await sim.call({ fn: 'HcnOpenEndpoint', id: GUID_NULL })).hr).toBe(HR.HCN_E_ENDPOINT_NOT_FOUND);
  });

  it('creates endpoints from v1 documents (E20) and with IPv6 dual-stack subnets', async () => {
    const sim = makeSim();
    const net = await sim.createNetwork(natNetwork());
    const h = await sim.open('Network', net);
    const v1 = JSON.stringify({ Name: '-', VirtualNetwork: net, IPAddress: '192.168.100.15', PrefixLength: 24 });
    const r = await sim.call({ fn: 'HcnCreateEndpoint', handle: h, id: GUID_NULL, settings: v1 });
    expect(r.hr).toBe(0);
    const q = await sim.call({
      fn: 'HcnQueryEndpointProperties',
      handle: r.handle,
      query: '{"SchemaVersion":{"Major":1,"Minor":0}}',
    });
    expect(JSON.parse(q.output!)).toMatchObject({
      IPAddress: '192.168.100.15',
      PrefixLength: 24,
      GatewayAddress: '192.168.100.1',
    });
    const dual = JSON.stringify({
      Name: 'dual',
      Type: 'L2Bridge',
      Ipams: [
        {
          Subnets: [
            { IpAddressPrefix: '10.5.0.0/24', Routes: [{ NextHop: '10.5.0.1', DestinationPrefix: '0.0.0.0/0' }] },
            { IpAddressPrefix: 'fd00:5::/64', Routes: [{ NextHop: 'fd00:5::1', DestinationPrefix: '::/0' }] },
          ],
        },
      ],
      SchemaVersion: { Major: 2, Minor: 0 },
    });
    const ep = await sim.query('Endpoint', (await sim.createEndpoint(await sim.createNetwork(dual), {})).id!);
    expect(ep.IpConfigurations).toEqual([
      { IpAddress: '10.5.0.2', PrefixLength: 24 },
      { IpAddress: 'fd00:5::2', PrefixLength: 64 },
    ]);
    expect(ep.Routes).toEqual([
      { NextHop: '10.5.0.1', DestinationPrefix: '0.0.0.0/0' },
      { NextHop: 'fd00:5::1', DestinationPrefix: '::/0' },
    ]);
  });
});
