// Host-network pods end to end with the built plugin, over the HCN and IP Helper stubs, and the real
// @kubernetes/client-node against the stand-in API server: recognised from the pod's spec.hostNetwork (cached per
// pod; a slow or absent API server falls back to the annotation without failing the ADD), declared ports published
// as PortMapping with LocalRoutedVip (reachable from the node itself) on a node that has its host endpoint, DNS as
// kubelet hands it for ClusterFirstWithHostNet and Default, and refusals with code 107 for reserved ports and ports
// a process of the node holds, naming the port and its owner — leaving nothing behind.
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeApiServer, startKubeApiServer } from '../fixtures/kube/api-server.js';
import { runPlugin } from '../helpers/plugin-process.js';
import { startNode, status, writeConflist } from './node-helpers.js';
import type { SimNode } from './plugin-harness.js';

let node: SimNode;
let api: KubeApiServer;
let confDir: string;
let plugin: Record<string, unknown>;

const CLUSTER_DNS = {
  Servers: ['10.96.0.10'],
  Searches: ['default.svc.cluster.local', 'svc.cluster.local'],
  Options: ['ndots:5'],
};

function pod(name: string, spec: Record<string, unknown>) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, uid: `uid-${name}` }, spec };
}

function conf(runtimeConfig: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { cniVersion: '1.0.0', name: 'cbr0', ...plugin, ...extra, runtimeConfig };
}

const ports = (...list: [number, string][]) =>
  list.map(([p, protocol]) => ({ HostPort: p, ContainerPort: p, Protocol: protocol }));

async function add(name: string, runtimeConfig: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const netns = await node.createNamespace();
  const run = await node.cni(
    'ADD',
    conf(runtimeConfig, extra),
    { containerId: `c-${name}`, netns },
    {
      CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${name};K8S_POD_UID=uid-${name}`,
    },
  );
  return { run, netns };
}

async function endpointOf(name: string) {
  return (await node.endpoints()).find((e) => String(e.Name).startsWith(`c-${name}_`)) as
    | { Policies?: { Type: string; Settings: Record<string, unknown> }[]; Dns?: Record<string, unknown> }
    | undefined;
}

const log = () => fs.readFileSync(node.env.HNS_CNI_LOG!, 'utf8');

beforeAll(async () => {
  node = await startNode('hns-hostnet-');
  api = await startKubeApiServer(node.dir);
  api.setNode({ name: 'win-a', podCIDRs: ['10.244.1.0/24'], internalIP: '10.0.0.4' });
  api.setPod('default', pod('web-host', { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet', containers: [] }));
  api.setPod('default', pod('dns-default', { hostNetwork: true, dnsPolicy: 'Default', containers: [] }));
  api.setPod('default', pod('kubelet-clash', { hostNetwork: true, containers: [] }));
  api.setPod('default', pod('busy-port', { hostNetwork: true, containers: [] }));
  api.setPod('default', pod('slow-host', { hostNetwork: true, containers: [] }));
  api.setPod('default', pod('plain', { containers: [] }));
  api.setNamespace({ metadata: { name: 'default', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } });
  api.setNamespace({ metadata: { name: 'locked', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } });
  plugin = {
    type: 'hns-cni',
    mode: 'l2bridge',
    clusterCIDR: '10.244.0.0/16',
    serviceCIDR: '10.96.0.0/12',
    capabilities: { portMappings: true, dns: true, 'io.kubernetes.cri.pod-annotations': true },
    // A bound generous enough for a loaded CI machine; the slow case below sets its own, far below the delay.
    hostNetwork: { kubeconfig: api.kubeconfig, apiTimeoutMs: 30_000, dnsServers: ['10.0.0.2'] },
    ipam: { subnet: '10.244.1.0/24' },
  };
  confDir = writeConflist(node, plugin);
  const prepared = await node.command(
    ['node', '--once', '--conf-dir', confDir, '--node-name', 'win-a', '--kubeconfig', api.kubeconfig],
    false,
  );
  expect(prepared.code, prepared.stderr).toBe(0);
  // A process of the node holds 9000/tcp and 5353/udp.
  for (const args of [
    ['--tcp', '9000', '--pid', '4321', '--process', 'nginx.exe'],
    ['--udp', '5353', '--pid', '77'],
  ]) {
    const r = await node.command(['sim', 'listen', ...args, '--state', node.env.HNS_CNI_SIM_STATE!], false);
    expect(r.code, r.stderr).toBe(0);
  }
}, 180_000);

afterAll(async () => {
  await api?.close();
  await node?.stop();
});

describe('host-network pods recognised through the API server', () => {
  it('spec.hostNetwork without any annotation: ports published (LocalRoutedVip), cluster DNS for ClusterFirstWithHostNet', async () => {
    const { run } = await add('web-host', { portMappings: ports([8080, 'tcp']), dns: CLUSTER_DNS });
    expect(run.code, run.stderr).toBe(0);
    expect(api.requests).toContain('GET /api/v1/namespaces/default/pods/web-host');
    const ep = await endpointOf('web-host');
    const mapping = ep?.Policies?.find((p) => p.Type === 'PortMapping');
    expect(mapping?.Settings).toMatchObject({ ExternalPort: 8080, InternalPort: 8080, Protocol: 6 });
    expect(Number(mapping?.Settings.Flags) & 1).toBe(1); // LocalRoutedVip: the node reaches the port itself
    expect(ep?.Dns).toMatchObject({
      ServerList: ['10.96.0.10'],
      Search: ['default.svc.cluster.local', 'svc.cluster.local'],
    });
    expect(log()).toMatch(/"msg":"host-network: pod looked up","pod":"default\/web-host","hostNetwork":true/);
    // What makes the port reachable from outside and from the node on l2bridge: the node's leg on the pod network.
    expect((await status(node, confDir)).hostEndpoints.map((e) => e.address)).toEqual(['10.244.1.2']);
  });

  it('a repeated ADD answers from the cache: the API server is asked once per pod', async () => {
    const asked = api.requests.filter((r) => r.includes('/pods/web-host')).length;
    const { run } = await add('web-host', { portMappings: ports([8080, 'tcp']), dns: CLUSTER_DNS });
    expect(run.code, run.stderr).toBe(0);
    expect(api.requests.filter((r) => r.includes('/pods/web-host')).length).toBe(asked);
  });

  it("dnsPolicy Default: the host's resolvers as kubelet hands them, a loopback one replaced by hostNetwork.dnsServers", async () => {
    const { run } = await add('dns-default', { dns: { Servers: ['127.0.0.1'] } });
    expect(run.code, run.stderr).toBe(0);
    expect((await endpointOf('dns-default'))?.Dns).toEqual({ ServerList: ['10.0.0.2'] });
    expect(JSON.parse(run.stdout).dns).toEqual({ nameservers: ['10.0.0.2'] });
  });
});

describe('refusals (code 107) leave nothing behind', () => {
  const leftovers = async () => ({
    endpoints: (await node.endpoints()).length,
    allocations: (await node.allocations()).length,
  });

  it('a reserved port (kubelet 10250) is refused, naming it', async () => {
    const before = await leftovers();
    const { run } = await add('kubelet-clash', { portMappings: ports([8081, 'tcp'], [10250, 'tcp']) });
    expect(run.code).toBe(1);
    expect(run.json).toMatchObject({ code: 107 });
    expect(String(run.json?.msg)).toContain('10250/tcp');
    expect(String(run.json?.msg)).not.toContain('8081');
    expect(await leftovers()).toEqual(before);
  });

  it('a port a process of the node holds (IP Helper) is refused, naming the port and the owning pid', async () => {
    const before = await leftovers();
    const tcp = await add('busy-port', { portMappings: ports([9000, 'tcp']) });
    expect(tcp.run.json).toMatchObject({ code: 107 });
    expect(String(tcp.run.json?.msg)).toContain('9000/tcp (pid 4321 on 0.0.0.0)');
    const udp = await add('busy-port', { portMappings: ports([5353, 'udp']) });
    expect(String(udp.run.json?.msg)).toContain('5353/udp (pid 77 on 0.0.0.0)');
    expect(await leftovers()).toEqual(before);
    // The same host port for an ordinary pod is HNS's business (hostPort NAT), not refused.
    const plain = await add('plain', { portMappings: [{ HostPort: 9000, ContainerPort: 80, Protocol: 'tcp' }] });
    expect(plain.run.code, plain.run.stderr).toBe(0);
  });
});

describe('the API server slow or gone: ADD never fails for it', () => {
  it('slower than hostNetwork.apiTimeoutMs: the annotation alone decides, the ADD succeeds and the log says why', async () => {
    api.latencyMs = 20_000;
    const hurried = { hostNetwork: { ...(plugin.hostNetwork as object), apiTimeoutMs: 1_000 } };
    try {
      const { run } = await add('slow-host', { portMappings: ports([10250, 'tcp']) }, hurried);
      // Not annotated and no answer in time: an ordinary pod, so 10250 is not refused.
      expect(run.code, run.stderr).toBe(0);
      expect(log()).toMatch(/API lookup failed; using the annotation alone.*no answer within 1000 ms/);
      const annotated = await add(
        'slow-host-annotated',
        {
          portMappings: ports([10250, 'tcp']),
          'io.kubernetes.cri.pod-annotations': { 'hns-cni.dev/host-network': 'true' },
        },
        hurried,
      );
      expect(annotated.run.json).toMatchObject({ code: 107 });
    } finally {
      api.latencyMs = 0;
    }
  });

  it('down: the same fallback', async () => {
    await api.down();
    try {
      const { run } = await add(
        'gone-host',
        { portMappings: ports([8090, 'tcp']) },
        {
          hostNetwork: { ...(plugin.hostNetwork as object), apiTimeoutMs: 1_000 },
        },
      );
      expect(run.code, run.stderr).toBe(0);
    } finally {
      await api.up();
    }
  });
});

describe('hns-cni pod check', () => {
  const manifest = (namespace: string) =>
    [
      'apiVersion: apps/v1',
      'kind: DaemonSet',
      `metadata: {name: agent, namespace: ${namespace}}`,
      'spec:',
      '  template:',
      '    spec:',
      '      hostNetwork: true',
      '      containers:',
      '      - name: agent',
      '        ports: [{containerPort: 8080}, {containerPort: 9000}, {containerPort: 10250}]',
    ].join('\n');

  it("reads a file, asks the API for the namespace's Pod Security level, and names what will fail on this node", async () => {
    const file = `${node.dir}/agent.yaml`;
    fs.writeFileSync(file, manifest('locked'));
    const run = await node.command(
      ['pod', 'check', '-f', file, '--conf-dir', confDir, '--kubeconfig', api.kubeconfig, '--json'],
      true,
    );
    expect(run.code, run.stderr).toBe(1);
    const [report] = run.json as unknown as {
      kind: string;
      findings: { level: string; topic: string; message: string }[];
    }[];
    expect(report!.kind).toBe('DaemonSet');
    const errors = report!.findings.filter((f) => f.level === 'error').map((f) => `${f.topic}: ${f.message}`);
    expect(errors).toEqual([
      expect.stringMatching(/^ports: 9000\/tcp .* in use on this node by pid 4321/),
      expect.stringMatching(/^ports: 10250\/tcp .* reserved/),
      expect.stringMatching(/^podSecurity: .*"baseline"/),
    ]);
    expect(api.requests).toContain('GET /api/v1/namespaces/locked');
  });

  it('reads stdin; a privileged namespace and free ports pass (exit 0) with the DNS warning', async () => {
    const run = await runPlugin({
      env: node.env,
      args: ['pod', 'check', '--conf-dir', confDir, '--kubeconfig', api.kubeconfig],
      stdin: manifest('default').replace(', {containerPort: 9000}, {containerPort: 10250}', ''),
      expectJson: false,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/WARNING dnsPolicy: .*ClusterFirstWithHostNet/);
    expect(run.stdout).toMatch(/INFO {4}ports: 8080\/tcp \(container agent\) will be published on the node/);
    expect(run.stdout).toMatch(/INFO {4}podSecurity: .*"privileged"/);
  });
});
