import { describe, expect, it } from 'vitest';
import { CniError } from '../../../src/cni/errors.js';
import { loadNetConf } from '../../../src/config/load.js';
import { translateCompatPolicies } from '../../../src/config/winbridge.js';

const entry = (value: Record<string, unknown>) => ({ name: 'EndpointPolicy', value });

describe('win-bridge policies become typed HCN v2 endpoint policies', () => {
  it('translates the v1 forms as containernetworking/plugins does', () => {
    const { policies, issues } = translateCompatPolicies(
      [
        entry({ Type: 'OutBoundNAT', ExceptionList: ['192.168.0.0/16', '11.0.0.0/8'] }),
        entry({ Type: 'ROUTE', DestinationPrefix: '11.0.0.0/8', NeedEncap: true }),
        entry({ Type: 'PA', PA: '10.0.133.170' }),
        entry({ Type: 'NAT', InternalPort: 80, ExternalPort: 8080, Protocol: 'TCP' }),
      ],
      undefined,
    );
    expect(issues).toEqual([]);
    expect(policies).toEqual([
      { Type: 'OutBoundNAT', Settings: { Exceptions: ['192.168.0.0/16', '11.0.0.0/8'] } },
      { Type: 'SDNRoute', Settings: { DestinationPrefix: '11.0.0.0/8', NeedEncap: true } },
      { Type: 'ProviderAddress', Settings: { ProviderAddress: '10.0.133.170' } },
      { Type: 'PortMapping', Settings: { Protocol: 6, InternalPort: 80, ExternalPort: 8080, VIP: '' } },
    ]);
  });

  it('F13: v1 MaxPortPoolUsage and ExternalPortReserved, which hcsshim allows, are translated', () => {
    const { policies, issues } = translateCompatPolicies(
      [
        entry({ Type: 'OutBoundNAT', ExceptionList: ['10.244.0.0/16'], MaxPortPoolUsage: 50 }),
        entry({ Type: 'NAT', InternalPort: 80, ExternalPort: 8080, Protocol: 'TCP', ExternalPortReserved: true }),
        entry({ Type: 'NAT', InternalPort: 81, ExternalPort: 8081, Protocol: 'UDP', ExternalPortReserved: false }),
      ],
      undefined,
    );
    expect(issues).toEqual([]);
    expect(policies).toEqual([
      { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.244.0.0/16'], MaxPortPoolUsage: 50 } },
      // hcsshim NatFlags: ExternalPortReserved = 4
      { Type: 'PortMapping', Settings: { Protocol: 6, InternalPort: 80, ExternalPort: 8080, VIP: '', Flags: 4 } },
      { Type: 'PortMapping', Settings: { Protocol: 17, InternalPort: 81, ExternalPort: 8081, VIP: '' } },
    ]);
  });

  it('translates v1 ACLs (wincni-era configs, AKS logs) into the v2 list fields', () => {
    const { policies, issues } = translateCompatPolicies(
      [
        entry({
          Type: 'ACL',
          Protocol: 6,
          Action: 'Block',
          Direction: 'Out',
          RemoteAddresses: '168.63.129.16/32',
          RemotePort: 80,
          RuleType: 'Switch',
          Priority: 200,
        }),
      ],
      undefined,
    );
    expect(issues).toEqual([]);
    expect(policies).toEqual([
      {
        Type: 'ACL',
        Settings: {
          Protocols: '6',
          Action: 'Block',
          Direction: 'Out',
          RemoteAddresses: '168.63.129.16/32',
          RemotePorts: '80',
          RuleType: 'Switch',
          Priority: 200,
        },
      },
    ]);
  });

  it('keeps v2 forms, canonicalising the Type spelling (Calico sends SDNROUTE)', () => {
    const { policies, issues } = translateCompatPolicies(
      [
        entry({ Type: 'SDNROUTE', Settings: { DestinationPrefix: '10.96.0.0/12', NeedEncap: true } }),
        entry({ Type: 'portmapping', Settings: { Protocol: 'UDP', InternalPort: 53, ExternalPort: 5353 } }),
        entry({ Type: 'EncapOverhead', Settings: { Overhead: 50 } }),
      ],
      [{ Type: 'OutBoundNAT', Settings: { Exceptions: ['10.244.0.0/16'] } }],
    );
    expect(issues).toEqual([]);
    expect(policies).toEqual([
      { Type: 'SDNRoute', Settings: { DestinationPrefix: '10.96.0.0/12', NeedEncap: true } },
      { Type: 'PortMapping', Settings: { Protocol: 17, InternalPort: 53, ExternalPort: 5353 } },
      { Type: 'EncapOverhead', Settings: { Overhead: 50 } },
      { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.244.0.0/16'] } },
    ]);
  });

  const refusals: [string, Record<string, unknown>, string, RegExp][] = [
    [
      'an untranslatable v1 type',
      { Type: 'QOS', MaximumOutgoingBandwidthInBytes: 1 },
      'policies[0].value.Type',
      /"QOS" cannot be translated/,
    ],
    [
      'an unknown v2 type',
      { Type: 'Teleport', Settings: {} },
      'policies[0].value.Type',
      /"Teleport" is not an HCN endpoint policy/,
    ],
    [
      'v1 keys in a v2 policy',
      { Type: 'OutBoundNAT', Settings: { ExceptionList: ['10.0.0.0/8'] } },
      'policies[0].value.Settings.ExceptionList',
      /unknown field/,
    ],
    [
      'mixed v1/v2 forms',
      { Type: 'OutBoundNAT', ExceptionList: [], Settings: {} },
      'policies[0].value.ExceptionList',
      /mixing v1 and v2/,
    ],
    [
      'a placeholder prefix',
      { Type: 'ROUTE', DestinationPrefix: '<service cidr>', NeedEncap: true },
      'policies[0].value.DestinationPrefix',
      /placeholder/,
    ],
    ['a missing Type', { ExceptionList: [] }, 'policies[0].value.Type', /needs a "Type"/],
    [
      'an SCTP port mapping',
      { Type: 'NAT', InternalPort: 1, ExternalPort: 2, Protocol: 'SCTP' },
      'policies[0].value.Protocol',
      /./,
    ],
  ];
  for (const [what, value, path, reason] of refusals) {
    it(`reports ${what} (never drops it silently)`, () => {
      const { policies, issues } = translateCompatPolicies([entry(value)], undefined);
      expect(policies).toEqual([]);
      expect(issues.find((i) => i.path === path)?.reason).toMatch(reason);
    });
  }

  it('reports entries that are not EndpointPolicy', () => {
    const { issues } = translateCompatPolicies([{ name: 'NetworkPolicy', value: { Type: 'X' } }], undefined);
    expect(issues).toEqual([{ path: 'policies[0].name', reason: expect.stringMatching(/only "EndpointPolicy"/) }]);
  });
});

describe('real win-bridge and flannel configs load by changing only `type`', () => {
  // plugins/main/windows/win-bridge/sample-v1.conf
  const sampleV1 = {
    name: 'cbr0',
    type: 'hns-cni',
    cniVersion: '0.3.1',
    dns: { nameservers: ['11.0.0.10'], search: ['svc.cluster.local'] },
    policies: [
      entry({ Type: 'OutBoundNAT', ExceptionList: ['192.168.0.0/16', '11.0.0.0/8', '10.137.196.0/23'] }),
      entry({ Type: 'ROUTE', DestinationPrefix: '11.0.0.0/8', NeedEncap: true }),
      entry({ Type: 'ROUTE', DestinationPrefix: '10.137.198.27/32', NeedEncap: true }),
    ],
    loopbackDSR: true,
  };

  it('sample-v1.conf', () => {
    const c = loadNetConf(sampleV1);
    expect(c.mode).toBe('l2bridge');
    expect(c.network).toBe('cbr0');
    expect(c.loopbackDSR).toBe(true);
    expect(c.dns).toEqual({ nameservers: ['11.0.0.10'], search: ['svc.cluster.local'], options: [] });
    expect(c.policies).toEqual([
      { Type: 'OutBoundNAT', Settings: { Exceptions: ['192.168.0.0/16', '11.0.0.0/8', '10.137.196.0/23'] } },
      { Type: 'SDNRoute', Settings: { DestinationPrefix: '11.0.0.0/8', NeedEncap: true } },
      { Type: 'SDNRoute', Settings: { DestinationPrefix: '10.137.198.27/32', NeedEncap: true } },
    ]);
  });

  it("sample-v2.conf's delegate as flannel hands it over (ipMasq, ipMasqNetwork, host-local ipam)", () => {
    const delegate = {
      apiVersion: 2,
      type: 'hns-cni',
      dns: { nameservers: ['11.0.0.10'], search: ['svc.cluster.local'] },
      policies: [
        entry({ Type: 'OutBoundNAT', Settings: { Exceptions: ['192.168.0.0/16', '11.0.0.0/8', '10.137.196.0/23'] } }),
        entry({ Type: 'SDNRoute', Settings: { DestinationPrefix: '11.0.0.0/8', NeedEncap: true } }),
        entry({ Type: 'SDNRoute', Settings: { DestinationPrefix: '10.137.198.27/32', NeedEncap: true } }),
      ],
      loopbackDSR: true,
      // what flannel_windows.go adds:
      name: 'cbr0',
      ipMasq: true,
      ipMasqNetwork: '192.168.0.0/16',
      cniVersion: '0.3.0',
      ipam: { type: 'host-local', subnet: '192.168.3.0/24' },
    };
    const c = loadNetConf(delegate);
    // Read with win-bridge's rules (it has win-bridge's fields): flanneld's network is adopted, never created, the
    // gateway is the IPAM subnet + 2, and the policies are exactly win-bridge's: no generated OutBoundNAT.
    expect(c.family).toBe('win-bridge');
    expect(c.familySource).toBe('shape');
    expect(c.compat).toEqual({ apiVersion: 2, ipMasq: true, ipMasqNetwork: '192.168.0.0/16' });
    expect(c.networkOwner).toBe('external');
    expect(c.acceptedNetworkTypes).toEqual(['L2Bridge', 'L2Tunnel']);
    expect(c.gatewayFrom).toBe('hostEndpoint');
    expect(c.policyLayout).toBe('win-bridge');
    expect(c.clusterCIDR).toBeUndefined();
    expect(c.ipam).toEqual({ type: 'host-local', subnet: '192.168.3.0/24' });
    // The first OutBoundNAT already lists ipMasqNetwork: nothing is added (ApplyOutboundNatPolicy).
    expect(c.policies).toHaveLength(3);
  });

  it('ipMasqNetwork becomes one more OutBoundNAT when no OutBoundNAT lists it, as win-bridge does', () => {
    const c = loadNetConf({ ...sampleV1, ipMasqNetwork: '10.244.0.0/16' });
    expect(c.policies.at(-1)).toEqual({ Type: 'OutBoundNAT', Settings: { Exceptions: ['10.244.0.0/16'] } });
    expect(c.policies).toHaveLength(4);
  });

  it('a native config (it has "mode") keeps hns-cni\'s own rules for the same fields', () => {
    const c = loadNetConf({ ...sampleV1, mode: 'l2bridge', ipMasqNetwork: '10.244.0.0/16' });
    expect(c.family).toBe('hns-cni');
    expect(c.clusterCIDR).toBe('10.244.0.0/16');
    expect(c.outboundNAT.exceptions).toEqual(['10.244.0.0/16']);
    expect(c.networkOwner).toBe('hns-cni');
  });

  it('accepts Go-style key casing (sig-windows-tools writes Name/Value, ApiVersion)', () => {
    const c = loadNetConf({
      ...sampleV1,
      ApiVersion: 2,
      policies: [
        { Name: 'EndpointPolicy', Value: { Type: 'ROUTE', DestinationPrefix: '10.96.0.0/12', NeedEncap: true } },
      ],
    });
    expect(c.compat.apiVersion).toBe(2);
    expect(c.policies).toEqual([
      { Type: 'SDNRoute', Settings: { DestinationPrefix: '10.96.0.0/12', NeedEncap: true } },
    ]);
  });

  it('an untranslatable policy fails the load with code 7 naming it', () => {
    expect(() => loadNetConf({ ...sampleV1, policies: [entry({ Type: 'L2Driver' })] })).toThrow(CniError);
    expect(() => loadNetConf({ ...sampleV1, policies: [entry({ Type: 'L2Driver' })] })).toThrow(
      /policies\[0\]\.value\.Type: HNS v1 policy "L2Driver" cannot be translated/,
    );
  });
});
