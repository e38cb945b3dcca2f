// Reading configs the way the anchor plugins read them: which family's rules apply (executable name, type, shape),
// Go's case-insensitive keys and zero values, Linux leftovers accepted with a note, truly wrong fields still code 7
// with their JSON path, and each family's semantics (network ownership, gateway source, policy layout, DNS rules).
import { describe, expect, it } from 'vitest';
import { CNI_CODE, CniError } from '../../../src/cni/errors.js';
import { chooseFamily, familyOfName } from '../../../src/config/family.js';
import { go, readLikeGo } from '../../../src/config/go-json.js';
import { loadNetConf } from '../../../src/config/load.js';

function issuesOf(raw: unknown, invokedAs?: string): { path: string; reason: string }[] {
  try {
    loadNetConf(raw, invokedAs === undefined ? {} : { invokedAs });
  } catch (e) {
    expect(e).toBeInstanceOf(CniError);
    expect((e as CniError).code).toBe(CNI_CODE.INVALID_CONFIG);
    return JSON.parse((e as CniError).details);
  }
  throw new Error('expected a code-7 error');
}

const entry = (value: Record<string, unknown>) => ({ Name: 'EndpointPolicy', Value: value });

describe('the family: executable name, then type, then the config fields', () => {
  it.each([
    ['C:\\k\\cni\\win-bridge.exe', 'win-bridge'],
    ['/opt/cni/bin/sdnbridge', 'sdnbridge'],
    ['sdnbridge.exe', 'sdnbridge'],
    ['NAT', 'nat'],
    ['L2Bridge', 'sdnbridge'],
    ['wincni.exe', 'wincni'],
    ['hns-cni.exe', undefined],
    ['bridge', undefined],
  ])('%s → %s', (name, family) => {
    expect(familyOfName(name)).toBe(family);
  });

  it('the executable name wins over the type (flannel hands win-bridge its own config)', () => {
    expect(chooseFamily({ type: 'hns-cni', mode: 'nat' }, '/bin/win-bridge').family).toBe('win-bridge');
  });

  it.each([
    [{ type: 'hns-cni', mode: 'nat', policies: [] }, 'hns-cni'],
    [{ type: 'hns-cni', AdditionalArgs: [], name: 'cbr0' }, 'sdnbridge'],
    [{ type: 'hns-cni', optionalFlags: {}, name: 'natNetwork' }, 'nat'],
    [{ type: 'hns-cni', AdditionalArgs: [entry({ Type: 'ProviderAddress' })], name: 'x' }, 'sdnoverlay'],
    [{ type: 'hns-cni', master: 'Ethernet', ipam: { subnet: '10.0.0.0/24' }, name: 'nat' }, 'nat'],
    [{ type: 'hns-cni', ipam: { environment: 'azure' }, name: 'l2bridge' }, 'sdnbridge'],
    [{ type: 'hns-cni', policies: [], name: 'cbr0' }, 'win-bridge'],
    [{ type: 'hns-cni', policies: [], name: 'vxlan0' }, 'win-overlay'],
    [{ type: 'hns-cni', endpointMacPrefix: '0E-2A', name: 'x' }, 'win-overlay'],
    // `policies` is win-bridge's; `master` is only a hint both families ignore (aks-engine's kubenet Docker config)
    [{ type: 'hns-cni', master: 'Ethernet', policies: [], name: 'l2bridge' }, 'win-bridge'],
    [{ type: 'hns-cni', name: 'n', ipam: { subnet: '10.0.0.0/24' } }, 'hns-cni'],
  ])('by shape: %j → %s', (raw, family) => {
    expect(chooseFamily(raw as Record<string, unknown>, undefined).family).toBe(family);
  });
});

describe('readLikeGo: encoding/json semantics', () => {
  const spec = {
    name: go.string,
    flags: go.object({ loopbackDSR: go.bool }),
    list: go.list(go.object({ gw: go.string })),
  };

  it('matches keys case-insensitively, an exact spelling winning, and drops nulls', () => {
    const read = readLikeGo(
      { NAME: 'a', name: 'b', Flags: { LOOPBACKDSR: true }, list: [{ GW: '1.2.3.4' }, null] },
      spec,
    );
    expect(read.value).toEqual({ name: 'b', flags: { loopbackDSR: true }, list: [{ gw: '1.2.3.4' }, undefined] });
    expect(read.issues).toEqual([]);
  });

  it('reports keys the struct has no field for, by path', () => {
    expect(readLikeGo({ name: 'a', hairpinMode: true, flags: { x: 1 } }, spec).ignored).toEqual([
      'hairpinMode',
      'flags.x',
    ]);
  });

  it('a wrong JSON type is an issue with its path (Go would fail to unmarshal)', () => {
    expect(readLikeGo({ flags: { loopbackDSR: 'yes' }, list: [{ gw: 7 }] }, spec).issues).toEqual([
      { path: 'flags.loopbackDSR', reason: 'must be true or false (got "yes")' },
      { path: 'list[0].gw', reason: 'must be a string (got 7)' },
    ]);
  });
});

describe('win-bridge family', () => {
  const base = { cniVersion: '0.2.0', name: 'cbr0', type: 'win-bridge' };

  it('Linux leftovers are accepted with a warning, not refused', () => {
    const c = loadNetConf({ ...base, hairpinMode: true, isDefaultGateway: true, bridge: 'cni0' });
    expect(c.notes.filter((n) => n.level === 'warn').map((n) => n.path)).toEqual([
      'hairpinMode',
      'isDefaultGateway',
      'bridge',
    ]);
  });

  it('wrong types and impossible values are still code 7 with their JSON path', () => {
    expect(issuesOf({ ...base, loopbackDSR: 'true', apiVersion: '2', ipMasqNetwork: '10.244.0.0' })).toEqual([
      { path: 'loopbackDSR', reason: 'must be true or false (got "true")' },
      { path: 'apiVersion', reason: 'must be an integer (got "2")' },
      { path: 'ipMasqNetwork', reason: 'must be a CIDR (got "10.244.0.0")' },
    ]);
    expect(issuesOf({ ...base, Policies: [entry({ Type: 'ROUTE', DestinationPrefix: '<ServiceCIDR>' })] })).toEqual([
      { path: 'policies[0].value.DestinationPrefix', reason: expect.stringMatching(/placeholder/) },
    ]);
  });

  it("clusterNetworkPrefix (flannel's old README) is accepted and ignored, as win-bridge never read it", () => {
    const c = loadNetConf({ ...base, ipMasq: true, clusterNetworkPrefix: '10.244.0.0/16' });
    expect(c.notes.find((n) => n.path === 'clusterNetworkPrefix')).toMatchObject({ level: 'info' });
    expect(c.policies).toEqual([]);
  });

  it('non-EndpointPolicy entries are ignored with a warning, as win-bridge ignores them', () => {
    const c = loadNetConf({
      ...base,
      policies: [{ name: 'NetworkPolicy', value: {} }, entry({ Type: 'PA', PA: '10.0.0.4' })],
    });
    expect(c.policies).toEqual([{ Type: 'ProviderAddress', Settings: { ProviderAddress: '10.0.0.4' } }]);
    expect(c.notes.find((n) => n.path === 'policies[0]')?.level).toBe('warn');
  });

  it('without ipam HNS assigns the address, and the gateway is the one HNS reports', () => {
    const c = loadNetConf(base);
    expect(c.ipam).toBeUndefined();
    expect(c.gatewayFrom).toBe('addressSource');
    expect(c.networkOwner).toBe('external');
  });

  it('IPv6 values in policies are accepted', () => {
    const c = loadNetConf({
      ...base,
      policies: [
        entry({ Type: 'OutBoundNAT', Settings: { Exceptions: ['fd00::/64', '10.244.0.0/16'], VirtualIP: 'fc00::1' } }),
        entry({ Type: 'SDNRoute', Settings: { DestinationPrefix: 'fd01::/112', NeedEncap: true } }),
      ],
    });
    expect(c.policies).toHaveLength(2);
  });
});

describe('WCN family', () => {
  const base = { cniVersion: '0.2.0', name: 'l2bridge', type: 'sdnbridge' };

  it('ipam without type: HNS assigns; the subnet and GW make the network and the gateway', () => {
    const c = loadNetConf({ ...base, ipam: { subnet: '10.244.2.0/24', routes: [{ GW: '10.240.0.1' }] } });
    expect(c.ipam).toBeUndefined();
    expect(c.networkIpam).toEqual({ subnet: '10.244.2.0/24', gateway: '10.240.0.1' });
    expect(c.gateway).toBe('10.240.0.1'); // outside the pod subnet: AKS kubenet's VNet gateway
    expect(c.networkOwner).toBe('hns-cni');
  });

  it('optionalFlags in any case; forceBridgeGateway with an IPAM plugin means subnet + 2', () => {
    const c = loadNetConf({
      ...base,
      OptionalFlags: { ForceBridgeGateway: true, LocalRoutedPortMapping: true, allowaclportmapping: true },
      ipam: { type: 'host-local', subnet: '10.244.1.0/24' },
    });
    expect(c.gatewayFrom).toBe('hostEndpoint');
    expect(c.portMapping).toEqual({ localRoutedVip: true, inboundAcl: true });
  });

  it("a flannel delegate (ipMasqNetwork injected) adopts flanneld's network; dual-stack requires it to exist", () => {
    expect(loadNetConf({ ...base, ipMasqNetwork: '10.244.0.0/16' }).networkOwner).toBe('external');
    const ds = loadNetConf({ ...base, optionalFlags: { enableDualStack: true } });
    expect(ds.networkOwner).toBe('external');
    expect(ds.acceptedNetworkTypes).toEqual(['L2Bridge']);
    expect(ds.gatewayFrom6).toBe('addressSource');
  });

  it("gatewayFromAdditionalRoutes takes each family's default route when nothing else names a gateway", () => {
    const c = loadNetConf({
      ...base,
      optionalFlags: { gatewayFromAdditionalRoutes: true },
      additionalRoutes: [
        { dst: '::/0', GW: '10::2' },
        { dst: '0.0.0.0/0', GW: '192.168.0.2' },
      ],
    });
    expect(c.gateway).toBe('192.168.0.2');
    expect(c.gateway6).toBe('10::2');
  });

  it("AdditionalArgs: EndpointPolicy values as given (v1 forms of SDN's wincni configs translated); others noted", () => {
    const c = loadNetConf({
      ...base,
      AdditionalArgs: [
        entry({ Type: 'SDNROUTE', Settings: { DestinationPrefix: '10.96.0.0/12', NeedEncap: true } }),
        entry({ Type: 'OutBoundNAT', ExceptionList: ['10.244.0.0/16'] }),
        { Name: 'NetworkPolicy', Value: { Type: 'VxlanPort' } },
      ],
    });
    expect(c.policies).toEqual([
      { Type: 'SDNRoute', Settings: { DestinationPrefix: '10.96.0.0/12', NeedEncap: true } },
      { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.244.0.0/16'] } },
    ]);
    expect(c.notes.find((n) => n.path === 'AdditionalArgs[2]')?.text).toMatch(/NetworkPolicy/);
  });

  it('a win-bridge field in a WCN config is ignored with a note naming where WCN reads it', () => {
    const c = loadNetConf({ ...base, loopbackDSR: true });
    expect(c.loopbackDSR).toBe(false);
    expect(c.notes.find((n) => n.path === 'loopbackDSR')?.text).toMatch(/optionalFlags/);
  });

  it('wrong values are code 7 with their path', () => {
    expect(issuesOf({ ...base, ipam: { subnet: '{{PODCIDR}}', routes: [{ GW: 'x' }] } })).toEqual([
      { path: 'ipam.subnet', reason: 'must be an IPv4 CIDR (got "{{PODCIDR}}")' },
    ]);
    expect(issuesOf({ ...base, optionalFlags: { loopbackDSR: 1 } })).toEqual([
      { path: 'optionalFlags.loopbackDSR', reason: 'must be true or false (got 1)' },
    ]);
  });

  it("sdnoverlay: overlay mode on an Overlay network, WCN's policy layout", () => {
    const c = loadNetConf({ ...base, type: 'sdnoverlay', name: 'vxlan0' });
    expect(c.mode).toBe('overlay');
    expect(c.acceptedNetworkTypes).toEqual(['Overlay']);
    expect(c.policyLayout).toBe('wcn');
  });
});

describe('native configs keep their own rules', () => {
  it('native fields decide even with an anchor field present', () => {
    const c = loadNetConf({ cniVersion: '1.0.0', name: 'n', type: 'hns-cni', mode: 'nat', policies: [] });
    expect(c.family).toBe('hns-cni');
    expect(c.policyLayout).toBe('generated');
  });

  it('networkOwner, networkSubnet, gatewayFrom and portMapping are native settings', () => {
    const c = loadNetConf({
      cniVersion: '1.0.0',
      name: 'n',
      type: 'hns-cni',
      mode: 'l2bridge',
      networkOwner: 'external',
      networkSubnet: '10.244.2.0/24',
      gatewayFrom: 'addressSource',
      portMapping: { localRoutedVip: true },
    });
    expect(c.networkOwner).toBe('external');
    expect(c.networkIpam).toEqual({ subnet: '10.244.2.0/24', gateway: '10.244.2.1' });
    expect(c.gatewayFrom).toBe('addressSource');
    expect(c.portMapping).toEqual({ localRoutedVip: true, inboundAcl: false });
  });

  it('unknown fields remain errors in a native config', () => {
    expect(issuesOf({ cniVersion: '1.0.0', name: 'n', type: 'hns-cni', mode: 'nat', hairpinMode: true })).toEqual([
      { path: 'hairpinMode', reason: 'unknown field' },
    ]);
  });
});
