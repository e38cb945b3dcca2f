// The simulator's address arithmetic (IPv4/IPv6 prefixes, MACs) and option parsing.
import { describe, expect, it } from 'vitest';
import { HR } from '../../../src/hns/hresult.js';
import {
  formatIp,
  formatMac,
  isNetworkOrBroadcast,
  parseIp,
  parseMac,
  parsePrefix,
  prefixContains,
} from '../../../src/hns/sim/addresses.js';
import { DEFAULT_OPTIONS, parseOptionValue } from '../../../src/hns/sim/options.js';

describe('sim addresses', () => {
  it('parses and formats IPv4 and IPv6 (RFC 5952 compression)', () => {
    expect(formatIp(4, parseIp('10.244.1.7')!.value)).toBe('10.244.1.7');
    for (const [input, canonical] of [
      ['fd00:5::2', 'fd00:5::2'],
      ['FD00:0005:0000:0000:0000:0000:0000:0002', 'fd00:5::2'],
      ['::', '::'],
      ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
      ['::ffff:1.2.3.4', '::ffff:102:304'],
    ] as const) {
      expect(formatIp(6, parseIp(input)!.value), input).toBe(canonical);
    }
    expect(parseIp('10.1.1')).toBeUndefined();
  });

  it('tests prefix membership and reserved addresses', () => {
    const p = parsePrefix('192.168.100.7/24')!;
    expect(formatIp(4, p.base)).toBe('192.168.100.0');
    expect(prefixContains(p, parseIp('192.168.100.254')!)).toBe(true);
    expect(prefixContains(p, parseIp('192.168.101.1')!)).toBe(false);
    expect(prefixContains(p, parseIp('fd00::1')!)).toBe(false);
    expect(isNetworkOrBroadcast(p, parseIp('192.168.100.255')!.value)).toBe(true);
    expect(isNetworkOrBroadcast(parsePrefix('10.0.0.0/31')!, parseIp('10.0.0.0')!.value)).toBe(false);
    expect(parsePrefix('10.0.0.0/33')).toBeUndefined();
    expect(parsePrefix('10.0.0.0')).toBeUndefined();
  });

  it('reads MACs in dash, colon or bare form and writes HNS form', () => {
    expect(formatMac(parseMac('00:15:5d:52:c0:0a')!)).toBe('00-15-5D-52-C0-0A');
    expect(parseMac('00155D52C00A')).toBe(parseMac('00-15-5D-52-C0-0A'));
    expect(parseMac('00-15-5D-52-C0')).toBeUndefined();
  });
});

describe('sim options', () => {
  it('parses option values by type and rejects bad ones', () => {
    expect(parseOptionValue('duplicateIpHresult', '0x803B001E')).toBe(HR.HCN_E_INVALID_IP);
    expect(parseOptionValue('detachNotAttachedHresult', 'ok')).toBe(0);
    expect(parseOptionValue('networkDeleteWithEndpoints', 'error')).toBe('error');
    expect(parseOptionValue('natFixture', 'true')).toBe(true);
    expect(parseOptionValue('adapters', 'Ethernet,Ethernet 2')).toEqual(['Ethernet', 'Ethernet 2']);
    expect(parseOptionValue('vswitchBlipMs', '500')).toBe(500);
    expect(() => parseOptionValue('networkGuidCase', 'mixed')).toThrow(/upper, lower/);
    expect(() => parseOptionValue('hnsVersion', 'fifteen')).toThrow();
    expect(() => parseOptionValue('noSuchOption', '1')).toThrow(/unknown/);
    expect(DEFAULT_OPTIONS.networkGuidCase).toBe('upper');
  });
});
