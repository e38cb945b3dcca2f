import { describe, expect, it } from 'vitest';
import { convertResult } from '../../../src/cni/result-convert.js';
import type { CniResult } from '../../../src/cni/types.js';

// A result using every 1.1.0 field, so each conversion has something to drop or add.
const result: CniResult = {
  cniVersion: '1.1.0',
  interfaces: [{ name: 'eth0', mac: '00-15-5D-00-00-01', mtu: 1450, sandbox: 'ns-guid', socketPath: '/s', pciID: 'p' }],
  ips: [
    { address: '10.244.1.5/24', gateway: '10.244.1.2', interface: 0 },
    { address: 'fd00::5/64', gateway: 'fd00::2' },
  ],
  routes: [{ dst: '0.0.0.0/0', gw: '10.244.1.2', mtu: 1400, advmss: 1360, priority: 5, table: 100, scope: 0 }],
  dns: { nameservers: ['10.96.0.10'], domain: 'cluster.local', search: ['default.svc.cluster.local'], options: ['a'] },
};

const dns = result.dns;
const ips10 = [
  { address: '10.244.1.5/24', gateway: '10.244.1.2', interface: 0 },
  { address: 'fd00::5/64', gateway: 'fd00::2' },
];
const ipsLegacy = [
  { address: '10.244.1.5/24', gateway: '10.244.1.2', interface: 0, version: '4' },
  { address: 'fd00::5/64', gateway: 'fd00::2', version: '6' },
];
const interfacesWithout11 = [{ name: 'eth0', mac: '00-15-5D-00-00-01', sandbox: 'ns-guid' }];
const routesWithout11 = [{ dst: '0.0.0.0/0', gw: '10.244.1.2' }];

describe('convertResult', () => {
  it('1.1.0: everything, as built', () => {
    expect(convertResult(result, '1.1.0')).toEqual({ ...result, cniVersion: '1.1.0' });
  });

  it('1.0.0: drops the interface and route fields spec 1.1.0 added', () => {
    expect(convertResult(result, '1.0.0')).toEqual({
      cniVersion: '1.0.0',
      interfaces: interfacesWithout11,
      ips: ips10,
      routes: routesWithout11,
      dns,
    });
  });

  it.each(['0.3.0', '0.3.1', '0.4.0'] as const)('%s: the 1.0.0 shape plus ips[].version', (version) => {
    expect(convertResult(result, version)).toEqual({
      cniVersion: version,
      interfaces: interfacesWithout11,
      ips: ipsLegacy,
      routes: routesWithout11,
      dns,
    });
  });

  // libcni types/040 convertTo02x: the first address of each family; each route under its destination's family.
  it.each(['0.1.0', '0.2.0'] as const)('%s: ip4/ip6 with their routes, and dns; no interfaces', (version) => {
    const withV6Route: CniResult = { ...result, routes: [...(result.routes ?? []), { dst: '::/0', gw: 'fd00::2' }] };
    expect(convertResult(withV6Route, version)).toEqual({
      cniVersion: version,
      ip4: { ip: '10.244.1.5/24', gateway: '10.244.1.2', routes: [{ dst: '0.0.0.0/0', gw: '10.244.1.2' }] },
      ip6: { ip: 'fd00::5/64', gateway: 'fd00::2', routes: [{ dst: '::/0', gw: 'fd00::2' }] },
      dns,
    });
  });

  it('0.2.0: a route of a family without an address is dropped (0.2.0 cannot say where it goes)', () => {
    const v4only: CniResult = {
      cniVersion: '1.1.0',
      ips: [{ address: '10.0.0.5/24', interface: 0 }],
      routes: [{ dst: 'fd00::/8' }],
    };
    expect(convertResult(v4only, '0.2.0')).toEqual({ cniVersion: '0.2.0', ip4: { ip: '10.0.0.5/24' } });
  });

  it('omits sections the handler did not fill, and never copies unknown fields', () => {
    const extra = { cniVersion: '1.1.0', ips: [{ address: '10.0.0.1/24', secret: 'x' }] } as unknown as CniResult;
    expect(convertResult(extra, '0.4.0')).toEqual({
      cniVersion: '0.4.0',
      ips: [{ address: '10.0.0.1/24', version: '4' }],
    });
  });

  it('does not share arrays with the input', () => {
    const out = convertResult(result, '1.1.0');
    out.dns?.nameservers?.push('1.1.1.1');
    expect(result.dns?.nameservers).toEqual(['10.96.0.10']);
  });
});
