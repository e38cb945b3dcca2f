import { describe, expect, it } from 'vitest';
import { CNI_CODE, CniError } from '../../../src/cni/errors.js';
import { mergeDns, replaceLoopbackResolvers, toCniDns, toHcnDns } from '../../../src/plan/dns.js';
import { portMappingPolicies, readPortMappings } from '../../../src/plan/ports.js';

const configDns = { nameservers: ['11.0.0.10'], domain: 'cluster.local', search: ['svc.cluster.local'], options: [] };

describe('DNS: config, overridden field by field by the runtime', () => {
  it('runtime servers, searches and options replace the config lists; domain stays', () => {
    const merged = mergeDns(configDns, {
      servers: ['10.96.0.10'],
      searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      options: ['ndots:5'],
    });
    expect(merged).toEqual({
      nameservers: ['10.96.0.10'],
      domain: 'cluster.local',
      search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      options: ['ndots:5'],
    });
  });

  it('keeps the search list intact (unlike WCN, which rewrites its first entry)', () => {
    const search = ['svc.cluster.local', 'cluster.local'];
    expect(mergeDns(configDns, { searches: search }).search).toEqual(search);
  });

  it('an empty or absent runtime list keeps the config list', () => {
    expect(mergeDns(configDns, { servers: [] })).toEqual(configDns);
    expect(mergeDns(configDns, undefined)).toEqual(configDns);
  });

  it('maps to HNS Dns and the CNI result, leaving empty members out', () => {
    expect(toHcnDns(configDns)).toEqual({
      Domain: 'cluster.local',
      Search: ['svc.cluster.local'],
      ServerList: ['11.0.0.10'],
    });
    expect(toCniDns(configDns)).toEqual({
      nameservers: ['11.0.0.10'],
      domain: 'cluster.local',
      search: ['svc.cluster.local'],
    });
    const empty = { nameservers: [], search: [], options: [] };
    expect(toHcnDns(empty)).toEqual({});
    expect(toCniDns(empty)).toBeUndefined();
  });

  it('replaces loopback resolvers with the host resolvers, or drops them', () => {
    const hostDns = { nameservers: ['127.0.0.1', '::1', '10.0.0.2'], search: ['.'], options: [] };
    expect(replaceLoopbackResolvers(hostDns, ['10.0.0.2', '10.0.0.3']).nameservers).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(replaceLoopbackResolvers(hostDns, []).nameservers).toEqual(['10.0.0.2']);
    expect(replaceLoopbackResolvers(configDns, ['1.1.1.1'])).toBe(configDns);
  });
});

describe('port mappings → PortMapping policies (E10)', () => {
  it('numeric protocol, VIP = hostIP ("" for any address), Flags = LocalRoutedVip', () => {
    const mappings = readPortMappings([
      { hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '' },
      { hostPort: 5353, containerPort: 53, protocol: 'UDP', hostIP: '10.0.0.4' },
      { hostPort: 9000, containerPort: 9000, hostIP: '0.0.0.0' },
    ]);
    // Flags 1 = hcsshim NatFlagsLocalRoutedVip, as Azure CNI sets it on every IPv4 mapping (its
    // network_windows_test.go expects `Flags: hnsv2.NatFlagsLocalRoutedVip`): without it the node cannot reach its
    // own host ports (Azure CNI #1863).
    expect(portMappingPolicies(mappings)).toEqual([
      { Type: 'PortMapping', Settings: { InternalPort: 80, ExternalPort: 8080, Protocol: 6, VIP: '', Flags: 1 } },
      {
        Type: 'PortMapping',
        Settings: { InternalPort: 53, ExternalPort: 5353, Protocol: 17, VIP: '10.0.0.4', Flags: 1 },
      },
      { Type: 'PortMapping', Settings: { InternalPort: 9000, ExternalPort: 9000, Protocol: 6, VIP: '', Flags: 1 } },
    ]);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    [
      'sctp',
      { hostPort: 1, containerPort: 1, protocol: 'sctp' },
      /portMappings\[0\]\.protocol: "sctp" cannot be mapped/,
    ],
    ['port 0', { hostPort: 0, containerPort: 1 }, /portMappings\[0\]\.hostPort/],
    ['an IPv6 host IP', { hostPort: 1, containerPort: 1, hostIP: 'fd00::1' }, /hostIP: .*not supported yet/],
  ];
  for (const [what, mapping, message] of bad) {
    it(`refuses ${what} with code 7`, () => {
      try {
        readPortMappings([mapping as never]);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(CniError);
        expect((e as CniError).code).toBe(CNI_CODE.INVALID_CONFIG);
        expect((e as CniError).message).toMatch(message);
      }
    });
  }
});
