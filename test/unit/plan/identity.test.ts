import { describe, expect, it } from 'vitest';
import { endpointIdFor, endpointNameFor, isHnsCniEndpoint, networkIdFor, uuidV5 } from '../../../src/plan/identity.js';
import { macFromGuid, macFromIPv4, macToCni, sameMac } from '../../../src/plan/mac.js';

describe('deterministic identities', () => {
  it('uuidV5 matches RFC 4122 (Python: uuid5(NAMESPACE_DNS, "www.example.com"))', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('endpoint names and GUIDs derive from container, network and ifname only', () => {
    expect(endpointNameFor('abc123', 'k8s-pods')).toBe('abc123_eth0_k8s-pods');
    expect(endpointNameFor('abc123', 'k8s-pods', 'eth1')).toBe('abc123_eth1_k8s-pods');
    // Python: uuid5(UUID('c8e0fb34-37d2-4372-8142-0adbf22bf754'), 'endpoint:abc123_eth0_k8s-pods')
    expect(endpointIdFor('abc123', 'k8s-pods')).toBe('bad9cf67-0309-5a30-afff-86c949d6741e');
    expect(networkIdFor('k8s-pods')).toBe('f4971aa1-bb45-538f-8c8b-b2e0485dbd26');
    expect(endpointIdFor('abc123', 'k8s-pods')).toBe(endpointIdFor('abc123', 'k8s-pods', 'eth0'));
    const ids = new Set([
      endpointIdFor('abc123', 'k8s-pods'),
      endpointIdFor('abc124', 'k8s-pods'),
      endpointIdFor('abc123', 'k8s-pods-nat'),
      endpointIdFor('abc123', 'k8s-pods', 'eth1'),
    ]);
    expect(ids.size).toBe(4);
  });

  it("GC's marker: only endpoints whose ID is derived from their own name are hns-cni's", () => {
    const name = endpointNameFor('abc123', 'cbr0');
    const id = endpointIdFor('abc123', 'cbr0');
    expect(isHnsCniEndpoint({ Name: name, ID: id })).toBe(true);
    expect(isHnsCniEndpoint({ Name: name, ID: id.toUpperCase() })).toBe(true); // HNS may report upper case
    // win-bridge's endpoint for the same pod: similar name, random ID
    expect(isHnsCniEndpoint({ Name: 'abc123_cbr0', ID: '3f2c8a41-1b7e-4f0e-9a55-0c8d7e6b9a10' })).toBe(false);
    expect(isHnsCniEndpoint({ Name: `${name}x`, ID: id })).toBe(false);
    expect(isHnsCniEndpoint({ ID: id })).toBe(false);
  });
});

describe('deterministic MACs', () => {
  it('IP-derived, win-overlay style', () => {
    expect(macFromIPv4('10.244.3.5')).toBe('0E-2A-0A-F4-03-05');
    expect(macFromIPv4('192.168.255.254')).toBe('0E-2A-C0-A8-FF-FE');
  });

  it('GUID-derived for HNS-assigned addresses; locally administered unicast', () => {
    expect(macFromGuid('2705c099-74a5-5329-ba78-84f78d20e55d')).toBe('0E-2B-27-05-C0-99');
    expect(macFromGuid('{2705C099-74A5-5329-BA78-84F78D20E55D}')).toBe('0E-2B-27-05-C0-99');
    for (const mac of [macFromGuid(endpointIdFor('a', 'b')), macFromIPv4('10.0.0.1')]) {
      const first = Number.parseInt(mac.slice(0, 2), 16);
      expect(first & 0b10).toBe(0b10); // locally administered
      expect(first & 0b01).toBe(0); // unicast
    }
  });

  it('converts to the CNI form and compares across forms', () => {
    expect(macToCni('0E-2A-0A-F4-03-05')).toBe('0e:2a:0a:f4:03:05');
    expect(sameMac('0e:2a:0a:f4:03:05', '0E-2A-0A-F4-03-05')).toBe(true);
    expect(sameMac('0e:2a:0a:f4:03:06', '0E-2A-0A-F4-03-05')).toBe(false);
  });
});
