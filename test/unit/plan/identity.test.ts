import { describe, expect, it } from 'vitest';
import {
  attachmentOfEndpointName,
  endpointIdFor,
  endpointIdForName,
  endpointNameFor,
  isHnsCniEndpoint,
  legacyEndpointIdFor,
  MAX_ENDPOINT_NAME,
  networkIdFor,
  uuidV5,
} from '../../../src/plan/identity.js';
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

describe('endpoint names are unambiguous (issue 11, item 5)', () => {
  it('(pod_x, eth0) and (pod, x_eth0), or networks with `_`, no longer share a name or a GUID', () => {
    const pairs: Array<[[string, string, string], [string, string, string]]> = [
      [
        ['pod_x', 'net', 'eth0'],
        ['pod', 'net', 'x_eth0'],
      ],
      [
        ['a', 'b_c', 'eth0'],
        ['a', 'c', 'eth0_b'],
      ],
      [
        ['a%5F', 'n', 'eth0'],
        ['a_', 'n', 'eth0'],
      ],
    ];
    for (const [x, y] of pairs) {
      expect(endpointNameFor(...x)).not.toBe(endpointNameFor(...y));
      expect(endpointIdFor(...x)).not.toBe(endpointIdFor(...y));
      // Under the old scheme they did collide: that GUID is each one's legacy GUID.
      expect(legacyEndpointIdFor(...x)).toBeDefined();
    }
    expect(endpointNameFor('pod_x', 'k8s_pods', 'x%y')).toBe('pod%5Fx_x%25y_k8s%5Fpods');
  });

  it('keeps the old name and GUID whenever no part holds `_` or `%` (running pods keep their endpoints)', () => {
    const hex = '3f6940ab5ab43bc522569d15b23f8c1bbde1d7678b080398506924fc01d72755';
    expect(endpointNameFor(hex, 'cbr0')).toBe(`${hex}_eth0_cbr0`);
    expect(endpointIdFor(hex, 'cbr0')).toBe(endpointIdForName(`${hex}_eth0_cbr0`));
    expect(legacyEndpointIdFor(hex, 'cbr0')).toBeUndefined();
    expect(legacyEndpointIdFor('pod_x', 'cbr0')).toBe(endpointIdForName('pod_x_eth0_cbr0'));
  });

  it('reads every name back into its attachment, old names too', () => {
    for (const [id, ifName, network] of [
      ['pod_x', 'eth0', 'net'],
      ['pod', 'x_eth0', 'net'],
      ['a%b', 'e%5F', 'n_1'],
      ['plain', 'eth1', 'k8s-pods'],
    ] as const) {
      expect(attachmentOfEndpointName(endpointNameFor(id, network, ifName), network)).toEqual({
        containerId: id,
        ifName,
      });
    }
    expect(attachmentOfEndpointName('pod_x_eth0_net', 'net')).toEqual({ containerId: 'pod_x', ifName: 'eth0' });
    expect(attachmentOfEndpointName(endpointNameFor('a', 'other'), 'net')).toBeUndefined();
  });

  it(`shortens names past ${MAX_ENDPOINT_NAME} characters, distinctly, and never like a full name`, () => {
    const long = 'c'.repeat(240);
    const a = endpointNameFor(long, 'net', 'x_______x');
    const b = endpointNameFor(long, 'net', 'x______xx');
    expect(a.length).toBe(MAX_ENDPOINT_NAME);
    expect(a).toMatch(/%~[0-9a-f]{16}$/);
    expect(a).not.toBe(b);
    expect(endpointNameFor(long, 'net', 'eth0')).toBe(`${long}_eth0_net`);
    expect(legacyEndpointIdFor(long, 'net', 'x_______x')).toBe(endpointIdForName(`${long}_x_______x_net`));
    expect(attachmentOfEndpointName(a, 'net')).toBeUndefined();
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
