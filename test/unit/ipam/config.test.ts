import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ipamConfigSchema, isDelegatedIpam } from '../../../src/ipam/config.js';

const issuesOf = (input: unknown) => {
  const r = z.object({ ipam: ipamConfigSchema }).safeParse({ ipam: input });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('ipam config schema', () => {
  it('accepts a direct subnet with ranges, reserved, routes and a dual-stack range', () => {
    const input = {
      subnet: '10.244.1.0/24',
      rangeStart: '10.244.1.10',
      rangeEnd: '10.244.1.200',
      reserved: ['10.244.1.50', '10.244.1.64/28', 'fd00::5'],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '10.96.0.0/12', gw: '10.244.1.1' }],
      hostEndpoint: false,
      subnet6: 'fd00:10:244:1::/64',
    };
    expect(issuesOf(input)).toEqual([]);
    const parsed = ipamConfigSchema.parse(input);
    expect(isDelegatedIpam(parsed)).toBe(false);
    expect(parsed).toEqual(input);
  });

  it('passes a delegated section through unchanged, unknown keys included', () => {
    const input = { type: 'host-local', ranges: [[{ subnet: '10.0.0.0/24' }]], dataDir: '/x', anything: 1 };
    const parsed = ipamConfigSchema.parse(input);
    expect(isDelegatedIpam(parsed)).toBe(true);
    expect(parsed).toEqual(input);
  });

  it('reports unknown keys of the built-in section with their path', () => {
    expect(issuesOf({ type: 'hns-cni', subnet: '10.0.0.0/24', ranges: [] })).toEqual([
      'ipam: Unrecognized key: "ranges"',
    ]);
  });

  it('needs exactly one subnet source', () => {
    expect(issuesOf({})).toEqual([
      'ipam.subnet: the built-in IPAM needs "subnet" (an IPv4 CIDR) or "subnetFrom" ("node" or "flannel")',
    ]);
    expect(issuesOf({ subnet: '10.0.0.0/24', subnetFrom: 'node' })).toEqual([
      'ipam.subnetFrom: "subnet" and "subnetFrom" are mutually exclusive',
    ]);
  });

  it('rejects prefixes longer than /30, IPv6 in subnet and addresses outside the subnet', () => {
    expect(issuesOf({ subnet: '10.0.0.0/31' })[0]).toMatch(/^ipam.subnet: must be an IPv4 CIDR/);
    expect(issuesOf({ subnet: 'fd00::/64' })[0]).toMatch(/^ipam.subnet: must be an IPv4 CIDR/);
    expect(issuesOf({ subnet: '10.0.0.0/24', gateway: '10.0.1.1' })).toEqual([
      'ipam.gateway: 10.0.1.1 is outside the subnet 10.0.0.0/24',
    ]);
    expect(issuesOf({ subnet: '10.0.0.0/24', rangeStart: '10.0.0.9', rangeEnd: '10.0.0.3' })).toEqual([
      'ipam.rangeEnd: rangeEnd 10.0.0.3 comes before rangeStart 10.0.0.9',
    ]);
  });

  it('ties source-specific keys to their source', () => {
    expect(issuesOf({ subnet: '10.0.0.0/24', kubeconfig: '/k' })).toEqual([
      'ipam.kubeconfig: "kubeconfig" only applies to subnetFrom "node"',
    ]);
    expect(issuesOf({ subnetFrom: 'node', subnetFile: '/f' })).toEqual([
      'ipam.subnetFile: "subnetFile" only applies to subnetFrom "flannel"',
    ]);
    expect(issuesOf({ subnetFrom: 'flannel', subnetFile: '/run/flannel/subnet.env' })).toEqual([]);
    expect(issuesOf({ subnetFrom: 'node', kubeconfig: '/k', nodeName: 'n1', nodeCacheTtlSeconds: 30 })).toEqual([]);
  });
});
