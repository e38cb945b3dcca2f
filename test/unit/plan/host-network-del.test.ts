import { describe, expect, it } from 'vitest';
import { CNI_CODE, CniError } from '../../../src/cni/errors.js';
import { loadNetConf } from '../../../src/config/load.js';
import { planAdd } from '../../../src/plan/add.js';
import { planDel, rollbackSteps } from '../../../src/plan/del.js';
import { HOST_NETWORK_ANNOTATION, isHostNetworkPod } from '../../../src/plan/host-network.js';
import { endpointIdFor } from '../../../src/plan/identity.js';
import { completeResult } from '../../../src/plan/result.js';
import { minimalConfig } from '../../fixtures/minimal-config.js';

const NETNS = '2a5a8d11-7d97-4c2e-9a55-0c8d7e6b9a10';
const request = { containerId: 'c1', netns: NETNS, ifName: 'eth0' };
const allocation = { address: '10.244.3.5/24' };

const config = (extra: Record<string, unknown> = {}) =>
  loadNetConf({
    cniVersion: '1.0.0',
    name: 'k8s-pods',
    type: 'hns-cni',
    mode: 'l2bridge',
    ipam: { subnet: '10.244.3.0/24' },
    ...extra,
  });

const hostNetworkRuntime = (ports: number[], servers = ['127.0.0.1']) => ({
  'io.kubernetes.cri.pod-annotations': { [HOST_NETWORK_ANNOTATION]: 'true' },
  dns: { Servers: servers },
  portMappings: ports.map((p) => ({ HostPort: p, ContainerPort: p, Protocol: 'tcp' })),
});

describe('host-network pods', () => {
  it('are recognised only by the opt-in annotation', () => {
    expect(isHostNetworkPod({ 'io.kubernetes.cri.pod-annotations': { [HOST_NETWORK_ANNOTATION]: 'True' } })).toBe(true);
    expect(isHostNetworkPod({ 'io.kubernetes.cri.pod-annotations': { [HOST_NETWORK_ANNOTATION]: 'false' } })).toBe(
      false,
    );
    expect(isHostNetworkPod({ 'io.kubernetes.cri.pod-annotations': { other: 'true' } })).toBe(false);
    expect(isHostNetworkPod({ portMappings: [] })).toBe(false);
  });

  it('emulate (default): declared ports become PortMappings and loopback DNS becomes the host resolvers', () => {
    const c = config({ hostNetwork: { dnsServers: ['10.0.0.2'] }, runtimeConfig: hostNetworkRuntime([8080]) });
    const plan = planAdd({ config: c, request, allocation, hns: { podNetwork: null } });
    const ep = plan.steps.find((s) => s.kind === 'createEndpoint');
    expect(ep?.kind === 'createEndpoint' && ep.document.Dns).toEqual({ ServerList: ['10.0.0.2'] });
    expect(ep?.kind === 'createEndpoint' && ep.document.Policies?.filter((p) => p.Type === 'PortMapping')).toHaveLength(
      1,
    );
    expect(plan.notes.join('\n')).toMatch(/host-network pod/);
  });

  // The defaults of issue 13: 6443, 9890, 9099, 10250, 10256, 30000-32767, 22, 53, 80, 443.
  for (const port of [10250, 10256, 6443, 9890, 9099, 22, 53, 80, 443, 30000, 32767]) {
    it(`emulate refuses host port ${port} with code 107`, () => {
      const c = config({ runtimeConfig: hostNetworkRuntime([8080, port]) });
      try {
        planAdd({ config: c, request, allocation, hns: { podNetwork: null } });
        expect.unreachable();
      } catch (e) {
        expect((e as CniError).code).toBe(CNI_CODE.HOST_NETWORK_REFUSED);
        expect((e as CniError).message).toContain(`${port}/tcp`);
        expect((e as CniError).message).not.toContain('8080/tcp');
      }
    });
  }

  it('the same ports are fine for an ordinary pod', () => {
    const runtime = { portMappings: [{ HostPort: 10250, ContainerPort: 80, Protocol: 'tcp' }] };
    expect(() =>
      planAdd({ config: config({ runtimeConfig: runtime }), request, allocation, hns: { podNetwork: null } }),
    ).not.toThrow();
  });

  it('refuse: any host-network pod fails with code 107 pointing at HostProcess', () => {
    const c = config({ hostNetwork: { mode: 'refuse' }, runtimeConfig: hostNetworkRuntime([]) });
    expect(() => planAdd({ config: c, request, allocation, hns: { podNetwork: null } })).toThrow(CniError);
    expect(() => planAdd({ config: c, request, allocation, hns: { podNetwork: null } })).toThrow(/hostProcess=true/);
  });
});

describe('host-network facts from I/O (plugin/host-network.ts gathers them)', () => {
  const plain = (ports: number[], hostIP = '') => ({
    portMappings: ports.map((p) => ({ HostPort: p, ContainerPort: p, Protocol: 'tcp', HostIP: hostIP })),
  });
  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e as CniError;
    }
    return undefined;
  };

  it('spec.hostNetwork from the API makes the rules apply without the annotation', () => {
    const c = config({ runtimeConfig: plain([10250]) });
    expect(() => planAdd({ config: c, request, allocation, hns: { podNetwork: null } })).not.toThrow();
    const e = refusal(() =>
      planAdd({ config: c, request, allocation, hns: { podNetwork: null }, hostNetwork: { apiSaysHostNetwork: true } }),
    );
    expect(e?.code).toBe(CNI_CODE.HOST_NETWORK_REFUSED);
  });

  it('a socket of the node takes the port unless it is loopback-only, another protocol or another address', () => {
    const listener = (address: string, port: number, protocol: 'tcp' | 'udp' = 'tcp') => ({
      protocol,
      address,
      port,
      pid: 99,
    });
    const plan = (runtime: object, portsInUse: ReturnType<typeof listener>[]) =>
      refusal(() =>
        planAdd({
          config: config({ runtimeConfig: { ...hostNetworkRuntime([]), ...runtime } }),
          request,
          allocation,
          hns: { podNetwork: null },
          hostNetwork: { portsInUse },
        }),
      );
    expect(plan(plain([8080]), [listener('0.0.0.0', 8080)])?.message).toContain('8080/tcp (pid 99 on 0.0.0.0)');
    expect(plan(plain([8080]), [listener('::', 8080)])?.code).toBe(CNI_CODE.HOST_NETWORK_REFUSED);
    expect(plan(plain([8080]), [listener('10.0.0.4', 8080)])?.code).toBe(CNI_CODE.HOST_NETWORK_REFUSED);
    expect(plan(plain([8080], '10.0.0.4'), [listener('10.0.0.4', 8080)])?.code).toBe(CNI_CODE.HOST_NETWORK_REFUSED);
    expect(plan(plain([8080], '10.0.0.5'), [listener('10.0.0.4', 8080)])).toBeUndefined();
    expect(plan(plain([8080]), [listener('127.0.0.1', 8080)])).toBeUndefined();
    expect(plan(plain([8080]), [listener('0.0.0.0', 8080, 'udp')])).toBeUndefined();
    expect(plan(plain([8080]), [listener('0.0.0.0', 8081)])).toBeUndefined();
  });
});

describe('DEL and rollback need no lookups', () => {
  it('DEL detaches then deletes the deterministic endpoints (both in transparent mode)', () => {
    const c = loadNetConf(minimalConfig('transparent'));
    const pod = endpointIdFor('c1', 'k8s-pods');
    const nat = endpointIdFor('c1', 'k8s-pods-nat');
    expect(planDel(c, request).steps).toEqual([
      {
        kind: 'detachEndpoints',
        namespaceId: NETNS,
        requests: [
          { ResourceType: 'Endpoint', RequestType: 'Remove', Settings: { EndpointId: pod } },
          { ResourceType: 'Endpoint', RequestType: 'Remove', Settings: { EndpointId: nat } },
        ],
      },
      { kind: 'deleteEndpoint', role: 'pod', name: 'c1_eth0_k8s-pods', id: pod },
      { kind: 'deleteEndpoint', role: 'nat', name: 'c1_eth0_k8s-pods-nat', id: nat },
    ]);
  });

  it('DEL with an empty CNI_NETNS only deletes', () => {
    expect(planDel(config(), { ...request, netns: '' }).steps.map((s) => s.kind)).toEqual(['deleteEndpoint']);
  });

  it('DEL finds what ADD created', () => {
    const c = config();
    const add = planAdd({ config: c, request, allocation, hns: { podNetwork: null } });
    const deleted = planDel(c, request).steps.flatMap((s) => (s.kind === 'deleteEndpoint' ? [s.id] : []));
    expect(deleted).toEqual(add.endpoints.map((e) => e.id));
  });

  it('rollback undoes completed steps in reverse and never deletes a network', () => {
    const plan = planAdd({ config: config(), request, allocation, hns: { podNetwork: null } });
    expect(plan.steps.map((s) => s.kind)).toEqual(['createNetwork', 'createEndpoint', 'attachEndpoints']);
    expect(rollbackSteps(plan.steps, 3).map((s) => s.kind)).toEqual(['detachEndpoints', 'deleteEndpoint']);
    expect(rollbackSteps(plan.steps, 1)).toEqual([]);
  });
});

describe('completeResult fills an HNS-assigned address', () => {
  it('from the created endpoint', () => {
    const c = loadNetConf({ cniVersion: '1.0.0', name: 'dev', type: 'hns-cni', mode: 'nat' });
    const plan = planAdd({ config: c, request, hns: { podNetwork: null } });
    const result = completeResult(plan, {
      IpConfigurations: [{ IpAddress: '172.24.0.7', PrefixLength: 20 }],
      Routes: [{ NextHop: '172.24.0.1', DestinationPrefix: '0.0.0.0/0' }],
    });
    expect(result.ips).toEqual([{ address: '172.24.0.7/20', gateway: '172.24.0.1', interface: 0 }]);
    expect(result.interfaces?.[0]?.name).toBe('eth0');
  });
});
