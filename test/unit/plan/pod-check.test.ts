// `hns-cni pod check`'s rules (plan/pod-check.ts) and how the command finds pod specs in workloads.
import { describe, expect, it } from 'vitest';
import { workloadsOf } from '../../../src/commands/pod.js';
import { loadNetConf } from '../../../src/config/load.js';
import { checkPod, type PodCheckFacts } from '../../../src/plan/pod-check.js';
import { minimalConfig } from '../../fixtures/minimal-config.js';

const settings = (extra: Record<string, unknown> = {}) =>
  loadNetConf(minimalConfig('l2bridge', { hostNetwork: extra })).hostNetwork;
const facts = (extra: Partial<PodCheckFacts> = {}): PodCheckFacts => ({
  settings: settings(),
  detection: 'api',
  ...extra,
});
const container = (...ports: [number, string?][]) => ({
  name: 'app',
  ports: ports.map(([containerPort, protocol]) => ({ containerPort, ...(protocol && { protocol }) })),
});
const levels = (findings: { level: string; topic: string }[], topic: string) =>
  findings.filter((f) => f.topic === topic).map((f) => f.level);

describe('checkPod', () => {
  it('an ordinary pod has nothing to check', () => {
    expect(checkPod({ containers: [container([80])] }, {}, facts())).toEqual([
      expect.objectContaining({ level: 'info', topic: 'hostNetwork' }),
    ]);
  });

  it('hostNetwork without HostProcess: emulation explained, ClusterFirst warned, ports judged one by one', () => {
    const f = checkPod(
      { hostNetwork: true, containers: [container([8080], [10250], [31000], [9000], [53, 'UDP'], [7000, 'SCTP'])] },
      {},
      facts({
        portsInUse: [{ protocol: 'tcp', address: '0.0.0.0', port: 9000, pid: 4321 }],
        namespaceLevel: 'privileged',
      }),
    );
    const text = f.map((x) => `${x.level} ${x.topic}: ${x.message}`).join('\n');
    expect(text).toMatch(/info hostNetwork: .*HostProcess pods: this pod gets a pod IP of its own/);
    expect(text).toMatch(/warning dnsPolicy: .*ClusterFirstWithHostNet/);
    expect(text).toMatch(/info ports: 8080\/tcp \(container app\) will be published on the node/);
    expect(text).toMatch(/error ports: 10250\/tcp .* reserved .* code 107/);
    expect(text).toMatch(/error ports: 31000\/tcp .* NodePort range 30000-32767/);
    expect(text).toMatch(/error ports: 9000\/tcp .* in use on this node by pid 4321/);
    expect(text).toMatch(/error ports: 53\/udp .* reserved/);
    expect(text).not.toMatch(/7000/);
    expect(levels(f, 'podSecurity')).toEqual(['info']);
  });

  it('refuse mode, Pod Security baseline and a node that only sees the annotation', () => {
    expect(
      levels(
        checkPod({ hostNetwork: true }, {}, { ...facts(), settings: settings({ mode: 'refuse' }) }),
        'hostNetwork',
      ),
    ).toEqual(['error']);
    const baseline = checkPod(
      { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' },
      {},
      facts({ namespaceLevel: 'baseline' }),
    );
    expect(baseline.find((x) => x.topic === 'podSecurity')).toMatchObject({ level: 'error' });
    expect(levels(baseline, 'dnsPolicy')).toEqual(['info']);
    expect(levels(checkPod({ hostNetwork: true }, {}, facts({ detection: 'annotation' })), 'detection')).toEqual([
      'warning',
    ]);
    expect(
      levels(
        checkPod({ hostNetwork: true }, { 'hns-cni.dev/host-network': 'true' }, facts({ detection: 'annotation' })),
        'detection',
      ),
    ).toEqual([]);
  });

  it("a HostProcess pod: CNI is not involved, its ports are not hns-cni's to publish", () => {
    const f = checkPod(
      {
        hostNetwork: true,
        securityContext: { windowsOptions: { hostProcess: true } },
        containers: [container([10250])],
      },
      {},
      facts(),
    );
    expect(f.find((x) => x.topic === 'hostNetwork')?.message).toMatch(/does not call CNI/);
    expect(levels(f, 'ports')).toEqual([]);
  });
});

describe('workloadsOf', () => {
  it('finds the pod template of every workload kind and ignores the rest', () => {
    const spec = { hostNetwork: true };
    const found = workloadsOf([
      { kind: 'Pod', metadata: { name: 'p', namespace: 'kube-system', annotations: { a: 'b' } }, spec },
      {
        kind: 'DaemonSet',
        metadata: { name: 'ds' },
        spec: { template: { metadata: { annotations: { x: 'y' } }, spec } },
      },
      { kind: 'CronJob', metadata: { name: 'cj' }, spec: { jobTemplate: { spec: { template: { spec } } } } },
      { kind: 'ConfigMap', metadata: { name: 'cm' }, data: {} },
    ]);
    expect(found.map((w) => `${w.kind} ${w.namespace}/${w.name} ${JSON.stringify(w.annotations)}`)).toEqual([
      'Pod kube-system/p {"a":"b"}',
      'DaemonSet default/ds {"x":"y"}',
      'CronJob default/cj {}',
    ]);
  });
});
