import { describe, expect, it } from 'vitest';
import { CNI_CODE, CniError } from '../../../src/cni/errors.js';
import { loadNetConf } from '../../../src/config/load.js';
import { minimalConfig } from '../../fixtures/minimal-config.js';

const minimal = (extra: Record<string, unknown> = {}) => minimalConfig('transparent', extra);

/** The issues of the CniError 7 that loading `raw` throws, as "path: reason" strings. */
function issuesOf(raw: unknown): { path: string; reason: string }[] {
  try {
    loadNetConf(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(CniError);
    expect((e as CniError).code).toBe(CNI_CODE.INVALID_CONFIG);
    return JSON.parse((e as CniError).details);
  }
  throw new Error('expected loadNetConf to throw');
}

describe("the issue's minimal config loads in every mode with sensible defaults", () => {
  for (const mode of ['transparent', 'nat', 'l2bridge', 'overlay'] as const) {
    it(mode, () => {
      const c = loadNetConf(minimal({ mode }));
      expect(c.mode).toBe(mode);
      expect(c.network).toBe('k8s-pods'); // KUBE_NETWORK defaults to `name`
      expect(c.natNetwork).toEqual({
        name: 'k8s-pods-nat',
        subnet: '172.24.0.0/20',
        gateway: '172.24.0.1',
        subnetSource: 'auto',
      });
      expect(c.adapter).toBeUndefined(); // HNS chooses
      expect(c.outboundNAT).toEqual({ enabled: true, exceptions: [], podSubnet: false });
      expect(c.loopbackDSR).toBe(false);
      expect(c.routes).toEqual([]);
      expect(c.dns).toEqual({ nameservers: [], search: [], options: [] });
      expect(c.hostNetwork).toEqual({
        mode: 'emulate',
        dnsServers: [],
        // issue 13's list: 6443, 9890, 9099, 10250, 10256, 30000-32767 (the range below), 22, 53, 80, 443
        reservedPorts: [22, 53, 80, 443, 6443, 9099, 9890, 10250, 10256],
        nodePortRange: { min: 30000, max: 32767 },
        detect: 'auto',
        apiTimeoutMs: 2_000,
        checkPortsInUse: true,
      });
      expect(c.timeouts.hnsCallMs).toBe(30_000);
      expect(c.log.level).toBe('info');
      expect(c.policies).toEqual([]);
      expect(c.ipam).toEqual({ subnet: '10.244.3.0/24' });
    });
  }

  it('defaults mode to l2bridge, as win-bridge behaves', () => {
    const { mode: _drop, ...noMode } = minimal();
    expect(loadNetConf(noMode).mode).toBe('l2bridge');
  });

  it('keeps explicit values and canonicalises CIDRs', () => {
    const c = loadNetConf(
      minimal({
        network: 'kube',
        clusterCIDR: '10.244.7.9/16',
        adapter: 'Ethernet 2',
        natNetwork: { name: 'out', subnet: '192.168.208.0/20' },
        timeouts: { hnsCallMs: 5000 },
        log: { file: 'C:\\k\\hns-cni.log', level: 'debug' },
      }),
    );
    expect(c.network).toBe('kube');
    expect(c.clusterCIDR).toBe('10.244.0.0/16');
    expect(c.natNetwork).toEqual({
      name: 'out',
      subnet: '192.168.208.0/20',
      gateway: '192.168.208.1',
      subnetSource: 'config',
    });
    expect(c.timeouts.hnsCallMs).toBe(5000);
    expect(c.log).toEqual({ file: 'C:\\k\\hns-cni.log', level: 'debug' });
  });

  it('the automatic NAT subnet avoids every configured prefix', () => {
    const c = loadNetConf(minimal({ clusterCIDR: '172.24.0.0/14', nodeSubnet: '172.28.0.0/20' }));
    expect(c.natNetwork.subnet).toBe('172.28.16.0/20');
  });

  it('reads runtimeConfig keys case-insensitively (containerd sends PascalCase)', () => {
    const c = loadNetConf(
      minimal({
        runtimeConfig: {
          DNS: { Servers: ['10.96.0.10'], Searches: ['svc.cluster.local'] },
          PortMappings: [{ HostPort: 8080, ContainerPort: 80, Protocol: 'tcp', HostIP: '' }],
        },
      }),
    );
    expect(c.runtimeConfig.dns).toEqual({ servers: ['10.96.0.10'], searches: ['svc.cluster.local'] });
    expect(c.runtimeConfig.portMappings).toEqual([{ hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '' }]);
  });
});

describe('every validation error names its JSON path', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['a non-CIDR clusterCIDR', { clusterCIDR: '10.244.0.0' }, 'clusterCIDR', /IPv4 CIDR/],
    ['two IPv4 cluster CIDRs', { clusterCIDR: '10.244.0.0/16,10.245.0.0/16' }, 'clusterCIDR', /different families/],
    ['a placeholder serviceCIDR', { serviceCIDR: '<service cidr>' }, 'serviceCIDR', /placeholder.*containerd#5729/],
    ['a bad nodeIP', { nodeIP: '10.0.0.300' }, 'nodeIP', /IPv4 address/],
    ['an IPv6 route via an IPv4 gw', { routes: [{ dst: 'fd00::/64', gw: '10.0.0.1' }] }, 'routes[0].gw', /same family/],
    ['a placeholder in a route', { routes: [{ dst: '{{.Routes}}' }] }, 'routes[0].dst', /placeholder/],
    ['an unknown mode', { mode: 'bridge' }, 'mode', /one of transparent, nat, l2bridge, overlay/],
    ['a VNI below 4096', { mode: 'overlay', vxlan: { vni: 4095 } }, 'vxlan.vni', /4096/],
    ['vxlan outside overlay', { mode: 'l2bridge', vxlan: { vni: 4096 } }, 'vxlan', /overlay mode only/],
    ['sourceVip outside the subnet', { mode: 'overlay', sourceVip: '10.244.4.2' }, 'sourceVip', /outside the pod/],
    ['an unknown field', { adaptor: 'Ethernet' }, 'adaptor', /unknown field/],
    ['a bad host port', { hostNetwork: { reservedPorts: [70000] } }, 'hostNetwork.reservedPorts[0]', /./],
    ['a short HNS timeout', { timeouts: { hnsCallMs: 5 } }, 'timeouts.hnsCallMs', /./],
    ['a bad IPAM subnet', { ipam: { subnet: '10.244.3.0' } }, 'ipam.subnet', /IPv4 CIDR/],
    ['transparent without clusterCIDR', { clusterCIDR: undefined }, 'clusterCIDR', /required in transparent/],
    ['transparent without ipam', { ipam: undefined }, 'ipam', /HNS assigns no addresses/],
    ['loopbackDSR in nat', { mode: 'nat', loopbackDSR: true }, 'loopbackDSR', /l2bridge and overlay modes only/],
    ['outboundNAT in transparent', { outboundNAT: { enabled: false } }, 'outboundNAT', /l2bridge and overlay/],
    ['natNetwork in l2bridge', { mode: 'l2bridge', natNetwork: { name: 'x' } }, 'natNetwork', /transparent and nat/],
    ['a gateway outside the subnet', { gateway: '10.244.4.1' }, 'gateway', /outside the pod subnet/],
    [
      'a NAT subnet overlapping the cluster',
      { natNetwork: { subnet: '10.244.16.0/20' } },
      'natNetwork.subnet',
      /overlaps 10\.244\.0\.0\/16/,
    ],
    [
      'an inverted NodePort range',
      { hostNetwork: { nodePortRange: { min: 32767, max: 30000 } } },
      'hostNetwork.nodePortRange',
      /greater than max/,
    ],
  ];
  for (const [what, extra, path, reason] of cases) {
    it(what, () => {
      const issue = issuesOf(minimal(extra)).find((i) => i.path === path);
      expect(issue, `no issue at ${path}`).toBeDefined();
      expect(issue!.reason).toMatch(reason);
    });
  }

  it('reports all issues at once, in the message too', () => {
    try {
      loadNetConf(minimal({ clusterCIDR: 'x', serviceCIDR: 'y' }));
      expect.unreachable();
    } catch (e) {
      expect((e as CniError).message).toMatch(/clusterCIDR: .*; serviceCIDR: /);
    }
  });

  it('IPv6 in transparent or nat mode is code 2 (unsupported), naming where it came from', () => {
    for (const [mode, extra] of [
      ['transparent', { clusterCIDR: '10.244.0.0/16,fd00:10:244::/56' }],
      ['nat', { ipam: { subnet: '10.244.3.0/24', subnet6: 'fd00:10:244:3::/64' } }],
    ] as const) {
      try {
        loadNetConf(minimal({ mode, ...extra }));
        expect.unreachable();
      } catch (e) {
        expect((e as CniError).code).toBe(2);
        expect((e as CniError).message).toMatch(new RegExp(`not supported in ${mode} mode.*"l2bridge" or "overlay"`));
      }
    }
  });

  it('dual-stack values split by family; overlay defaults (VNI 4096, port 4789, 0E-2A)', () => {
    const c = loadNetConf(
      minimal({
        mode: 'overlay',
        clusterCIDR: 'fd00:10:244::/56,10.244.0.0/16',
        serviceCIDR: '10.96.0.0/12,fd00:10:96::/112',
        nodeIP: '10.0.0.4,fd00::4',
        gateway: '10.244.3.1,fd00:10:244:3::1',
      }),
    );
    expect(c).toMatchObject({
      clusterCIDR: '10.244.0.0/16',
      clusterCIDR6: 'fd00:10:244::/56',
      serviceCIDR: '10.96.0.0/12',
      serviceCIDR6: 'fd00:10:96::/112',
      nodeIP: '10.0.0.4',
      nodeIP6: 'fd00::4',
      gateway: '10.244.3.1',
      gateway6: 'fd00:10:244:3::1',
      vxlan: { vni: 4096, port: 4789 },
      macPrefix: '0E-2A',
      gatewayFrom: 'addressSource',
      acceptedNetworkTypes: ['Overlay'],
    });
  });

  it('refuses a non-object document', () => {
    expect(issuesOf([1, 2])).toEqual([{ path: '(root)', reason: 'the network configuration must be a JSON object' }]);
  });
});
