// deploy/hns-cni.yaml applied to the stand-in API server with @kubernetes/client-node's generic object API (what
// `kubectl apply` does: discovery, then a create per object), and then used: the node agent and the plugin, holding
// only the service account's token, must get by with the RBAC the manifest grants — the agent lists and watches
// Nodes and converges on a join, ADD looks a pod up to recognise host networking. A service account without the
// binding is refused (the server enforces RBAC, so the check can fail).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeApiServer, type KubeObject, startKubeApiServer } from '../fixtures/kube/api-server.js';
import { eventually, repoRoot, routes, startAgent, startNode, writeConflist } from './node-helpers.js';
import type { SimNode } from './plugin-harness.js';

let node: SimNode;
let api: KubeApiServer;
let confDir: string;
let saKubeconfig: string;

beforeAll(async () => {
  node = await startNode('hns-deploy-');
  api = await startKubeApiServer(node.dir);
  api.setNode({ name: 'win-a', podCIDRs: ['10.244.1.0/24'], internalIP: '10.0.0.4' });
  api.setNode({ name: 'win-b', podCIDRs: ['10.244.2.0/24'], internalIP: '10.0.0.5' });
  api.setPod('default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'hostnet', uid: 'uid-hostnet' },
    spec: { hostNetwork: true, containers: [] },
  });
}, 180_000);

afterAll(async () => {
  await api?.close();
  await node?.stop();
});

describe('deploy/hns-cni.yaml applied and used', () => {
  it('applies with the generic client: discovery, then one create per object', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfig);
    const client = k8s.KubernetesObjectApi.makeApiClient(kc);
    const docs = k8s.loadAllYaml(fs.readFileSync(path.join(repoRoot, 'deploy/hns-cni.yaml'), 'utf8')) as KubeObject[];
    for (const doc of docs) await client.create(doc);
    expect([...api.created.keys()].sort()).toEqual([
      '/api/v1/namespaces/kube-system/serviceaccounts',
      '/apis/apps/v1/namespaces/kube-system/daemonsets',
      '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles',
    ]);
    const ds = docs.find((d) => d.kind === 'DaemonSet') as unknown as k8s.V1DaemonSet;
    saKubeconfig = api.serviceAccountKubeconfig('kube-system', ds.spec!.template.spec!.serviceAccountName!);
  });

  it("with only the service account's token, the agent lists and watches Nodes and converges on a join", async () => {
    confDir = writeConflist(node, {
      mode: 'l2bridge',
      clusterCIDR: '10.244.0.0/16',
      serviceCIDR: '10.96.0.0/12',
      hostNetwork: { kubeconfig: saKubeconfig, apiTimeoutMs: 30_000 },
      ipam: { subnet: '10.244.1.0/24' },
    });
    const agent = startAgent(node, ['--conf-dir', confDir, '--node-name', 'win-a', '--kubeconfig', saKubeconfig]);
    try {
      const via = async (prefix: string) =>
        (await routes(node)).filter((r) => r.destinationPrefix === prefix).map((r) => r.nextHop);
      await eventually('win-b routed', async () => (await via('10.244.2.0/24')).join() === '10.0.0.5');
      api.setNode({ name: 'win-c', podCIDRs: ['10.244.3.0/24'], internalIP: '10.0.0.6' });
      await eventually(
        'win-c routed through the watch',
        async () => (await via('10.244.3.0/24')).join() === '10.0.0.6',
      );
      expect(api.requests.some((r) => r.startsWith('GET /api/v1/nodes?') && r.includes('watch=true'))).toBe(true);
    } finally {
      expect(await agent.stop()).toBe(0);
    }
  });

  it('ADD, with the same token, looks the pod up and recognises it as host-network', async () => {
    const netns = await node.createNamespace();
    const conf = JSON.parse(fs.readFileSync(path.join(confDir, '10-hns-cni.conflist'), 'utf8'));
    const run = await node.cni(
      'ADD',
      {
        ...conf.plugins[0],
        name: conf.name,
        cniVersion: conf.cniVersion,
        runtimeConfig: { portMappings: [{ hostPort: 10250, containerPort: 10250, protocol: 'tcp' }] },
      },
      { containerId: 'hostnet-pod', netns },
      { CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=hostnet;K8S_POD_UID=uid-hostnet' },
    );
    // Recognised through the API (not annotated): the kubelet port is refused.
    expect(run.json).toMatchObject({ code: 107 });
    expect(String(run.json?.msg)).toContain('10250/tcp');
  });

  it('a service account the manifest does not bind is refused by the server', async () => {
    const other = api.serviceAccountKubeconfig('kube-system', 'someone-else');
    const run = await node.command(
      ['node', '--once', '--conf-dir', confDir, '--node-name', 'win-a', '--kubeconfig', other],
      false,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/forbidden|Forbidden|403/);
  });

  it("overlay: with the same token the agent patches its own Node's DR MAC annotation", async () => {
    const overlayConf = path.join(node.dir, 'conf-overlay');
    fs.mkdirSync(overlayConf, { recursive: true });
    fs.writeFileSync(
      path.join(overlayConf, '10-hns-cni.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'vxlan0',
        plugins: [
          {
            type: 'hns-cni',
            mode: 'overlay',
            clusterCIDR: '10.244.0.0/16',
            ipam: { subnet: '10.244.9.0/24' },
            vxlan: { drMac: '0E-2A-0A-00-00-09' },
          },
        ],
      }),
    );
    const run = await node.command(
      ['node', '--once', '--conf-dir', overlayConf, '--node-name', 'win-a', '--kubeconfig', saKubeconfig],
      false,
    );
    expect(run.code, run.stderr).toBe(0);
    const annotations = api.getNode('win-a')?.metadata.annotations as Record<string, string>;
    expect(annotations['hns-cni.dev/dr-mac']).toBe('0E-2A-0A-00-00-09');
    expect(api.requests.filter((r) => r.startsWith('PATCH /api/v1/nodes/win-a'))).toHaveLength(1);
  });
});
