import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CniError } from '../../../src/cni/errors.js';
import { baseNetConfSchema, baseNetConfShape, formatJsonPath, parseConfig } from '../../../src/cni/netconf.js';

const minimal = { cniVersion: '1.1.0', name: 'pods', type: 'hns-cni' };

function configError(schema: z.ZodType, value: unknown): CniError {
  try {
    parseConfig(schema, value);
  } catch (e) {
    if (e instanceof CniError) return e;
    throw e;
  }
  throw new Error('parseConfig accepted the value');
}

describe('baseNetConfShape', () => {
  it('accepts what libcni sends for GC, with every standard key', () => {
    const full = {
      ...minimal,
      cniVersions: ['1.0.0', '1.1.0'],
      capabilities: { portMappings: true },
      runtimeConfig: { portMappings: [] },
      prevResult: { cniVersion: '1.1.0' },
      args: { cni: { labels: [] } },
      dns: { nameservers: ['10.96.0.10'], domain: 'cluster.local', search: ['svc.cluster.local'], options: ['x'] },
      ipam: { type: 'host-local', subnet: '10.244.1.0/24' },
      'cni.dev/valid-attachments': [{ containerID: 'abc', ifname: 'eth0' }],
      'cni.dev/attachments': [{ containerID: 'abc', ifname: 'eth0' }],
      log: { file: 'C:\\logs\\hns-cni.log', level: 'debug' },
    };
    expect(parseConfig(baseNetConfSchema, full)).toEqual(full);
  });

  it('extends into a plugin schema by spreading', () => {
    const schema = z.strictObject({ ...baseNetConfShape, mtu: z.number().int().optional() });
    expect(parseConfig(schema, { ...minimal, mtu: 1450 })).toEqual({ ...minimal, mtu: 1450 });
  });

  it.each(['bad name', '-pods', '', 'pöds'])('rejects network name %j like libcni', (name) => {
    const e = configError(baseNetConfSchema, { ...minimal, name });
    expect(e.code).toBe(7);
    expect(e.message).toMatch(/^invalid network configuration: name: /);
  });
});

describe('parseConfig', () => {
  it('lists every issue as <json.path>: <reason>, unknown keys included, in code 7', () => {
    const e = configError(baseNetConfSchema, {
      ...minimal,
      type: 7,
      dns: { nameservers: ['ok', 5], color: 'blue' },
      ipam: { subnet: 'x' },
      'cni.dev/valid-attachments': [{ containerID: 'a' }],
      log: { level: 'loud' },
      extra: true,
    });
    expect(e.code).toBe(7);
    const listed = e.message.replace('invalid network configuration: ', '').split('; ');
    const paths = listed.map((line) => line.slice(0, line.indexOf(': ')));
    expect(paths.sort()).toEqual(
      [
        'type',
        'dns.nameservers[1]',
        'dns.color',
        'ipam.type',
        '["cni.dev/valid-attachments"][0].ifname',
        'log.level',
        'extra',
      ].sort(),
    );
    expect(listed).toContain('extra: unknown field');
    expect(listed).toContain('dns.color: unknown field');
    expect(JSON.parse(e.details)).toContainEqual({ path: 'extra', reason: 'unknown field' });
  });

  it('reports a non-object document at the root', () => {
    expect(configError(baseNetConfSchema, 'str').message).toMatch(/^invalid network configuration: \(root\): /);
  });
});

describe('formatJsonPath', () => {
  it('dots identifiers, brackets indices, quotes other keys', () => {
    expect(formatJsonPath(['ipam', 'ranges', 0, 1, 'subnet'])).toBe('ipam.ranges[0][1].subnet');
    expect(formatJsonPath(['runtimeConfig', 'io.kubernetes.cri.pod-annotations'])).toBe(
      'runtimeConfig["io.kubernetes.cri.pod-annotations"]',
    );
    expect(formatJsonPath([])).toBe('(root)');
  });
});
