import { describe, expect, it } from 'vitest';
import { getIgnoringCase, normalizeRuntimeConfig } from '../../../src/cni/runtime-config.js';

// What containerd marshals from go-cni's untagged structs (cni-contract.md §C, reproduced there).
const fromContainerd = {
  dns: { Servers: ['10.96.0.10'], Searches: ['default.svc.cluster.local'], Options: ['ndots:5'] },
  portMappings: [{ HostPort: 8080, ContainerPort: 80, Protocol: 'tcp', HostIP: '' }],
  bandwidth: { IngressRate: 1000, IngressBurst: 10, EgressRate: 2000, EgressBurst: 20 },
  'io.kubernetes.cri.pod-annotations': { 'example.com/Key': 'Value' },
};

// The same, as CONVENTIONS.md spells it.
const conventional = {
  dns: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
  portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '' }],
  bandwidth: { ingressRate: 1000, ingressBurst: 10, egressRate: 2000, egressBurst: 20 },
  'io.kubernetes.cri.pod-annotations': { 'example.com/Key': 'Value' },
};

describe('normalizeRuntimeConfig', () => {
  it("turns containerd's PascalCase keys into the conventions' spelling", () => {
    expect(normalizeRuntimeConfig(fromContainerd)).toEqual(conventional);
  });

  it('leaves the conventional spelling as it is', () => {
    expect(normalizeRuntimeConfig(conventional)).toEqual(conventional);
  });

  it('normalises top-level keys and nested ipRanges, ips and mac in any case', () => {
    const out = normalizeRuntimeConfig({
      PORTMAPPINGS: [{ hostport: 1, CONTAINERPORT: 2 }],
      IPRanges: [[{ Subnet: '10.0.0.0/24', RangeStart: '10.0.0.10', RANGEEND: '10.0.0.20', Gateway: '10.0.0.1' }]],
      IPs: ['10.0.0.5/24'],
      MAC: '00-11-22-33-44-55',
    });
    expect(out).toEqual({
      portMappings: [{ hostPort: 1, containerPort: 2 }],
      ipRanges: [[{ subnet: '10.0.0.0/24', rangeStart: '10.0.0.10', rangeEnd: '10.0.0.20', gateway: '10.0.0.1' }]],
      ips: ['10.0.0.5/24'],
      mac: '00-11-22-33-44-55',
    });
  });

  it('does not touch keys it does not know, at any level (annotation names are case-sensitive)', () => {
    const out = normalizeRuntimeConfig({ Custom: { HostPort: 1 }, dns: { Servers: [], Extra: 1 } });
    expect(out).toEqual({ Custom: { HostPort: 1 }, dns: { servers: [], Extra: 1 } });
  });

  it('prefers the canonical spelling when both are present, whatever the order', () => {
    expect(normalizeRuntimeConfig({ dns: { servers: ['a'], Servers: ['b'] } }).dns?.servers).toEqual(['a']);
    expect(normalizeRuntimeConfig({ dns: { Servers: ['b'], servers: ['a'] } }).dns?.servers).toEqual(['a']);
  });

  it('passes malformed values through for the schema to reject', () => {
    expect(normalizeRuntimeConfig({ PortMappings: 'nope', DNS: [1] })).toEqual({ portMappings: 'nope', dns: [1] });
    expect(normalizeRuntimeConfig(undefined)).toEqual({});
    expect(normalizeRuntimeConfig([1])).toEqual({});
  });
});

describe('getIgnoringCase', () => {
  it('finds a key whatever its case, preferring an exact match', () => {
    expect(getIgnoringCase({ HostPort: 80 }, 'hostPort')).toBe(80);
    expect(getIgnoringCase({ hostport: 1, hostPort: 2 }, 'hostPort')).toBe(2);
    expect(getIgnoringCase({ a: 1 }, 'b')).toBeUndefined();
    expect(getIgnoringCase(null, 'a')).toBeUndefined();
  });
});
