// Two overlay nodes, two agents, one API server: each agent publishes its own network's DR MAC in its Node's
// `hns-cni.dev/dr-mac` annotation (a merge patch through @kubernetes/client-node), and the other agent's
// RemoteSubnetRoute to that node carries it. Node A's MAC is the one its HNS assigned (the simulator's DR MAC pool),
// node B's a configured `vxlan.drMac`. A removed annotation is restored; a node rebuilt with a new network (a new
// HNS-assigned MAC) republishes it and the other node's policy follows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostComputeNetwork } from '../../src/hns/types.js';
import { type KubeApiServer, type KubeObject, startKubeApiServer } from '../fixtures/kube/api-server.js';
import { eventually, type RunningAgent, startAgent, startNode, status, writeConflist } from './node-helpers.js';
import type { SimNode } from './plugin-harness.js';

const ANNOTATION = 'hns-cni.dev/dr-mac';
let a: SimNode;
let b: SimNode;
let api: KubeApiServer;
let confA: string;
let confB: string;
let agentA: RunningAgent | undefined;
let agentB: RunningAgent | undefined;

const overlay = (node: string, extra: Record<string, unknown> = {}) => ({
  mode: 'overlay',
  clusterCIDR: '10.244.0.0/16',
  serviceCIDR: '10.96.0.0/12',
  ipam: { subnetFrom: 'node', kubeconfig: api.kubeconfig, nodeName: node },
  ...extra,
});
const agentArgs = (conf: string, node: string) => [
  '--conf-dir',
  conf,
  '--node-name',
  node,
  '--resync-seconds',
  '2',
  '--backoff-max-seconds',
  '1',
];
const drMacOf = async (node: SimNode) => {
  const network = ((await node.networks()) as HostComputeNetwork[]).find((n) => n.Name === 'vxlan0');
  const p = network?.Policies?.find((x) => x.Type === 'DrMacAddress');
  return (p?.Settings as { Address: string } | undefined)?.Address;
};
const routeTo = async (node: SimNode, prefix: string) => {
  const network = ((await node.networks()) as HostComputeNetwork[]).find((n) => n.Name === 'vxlan0');
  return (network?.Policies ?? [])
    .filter((p) => p.Type === 'RemoteSubnetRoute')
    .map((p) => p.Settings as { DestinationPrefix: string; DistributedRouterMacAddress: string })
    .filter((s) => s.DestinationPrefix === prefix)
    .map((s) => s.DistributedRouterMacAddress.toUpperCase());
};
const annotationOf = (name: string) => api.getNode(name)?.metadata.annotations as Record<string, string> | undefined;

beforeAll(async () => {
  a = await startNode('hns-node-drmac-a-');
  b = await startNode('hns-node-drmac-b-');
  api = await startKubeApiServer(a.dir);
  api.setNode({ name: 'win-a', podCIDRs: ['10.244.1.0/24'], internalIP: '10.0.0.4' });
  api.setNode({ name: 'win-b', podCIDRs: ['10.244.2.0/24'], internalIP: '10.0.0.5' });
  confA = writeConflist(a, overlay('win-a'), 'vxlan0');
  confB = writeConflist(b, overlay('win-b', { vxlan: { drMac: '0E-2A-0A-00-00-05' } }), 'vxlan0');
}, 180_000);

afterAll(async () => {
  await agentA?.stop();
  await agentB?.stop();
  await api?.close();
  await a?.stop();
  await b?.stop();
});

describe('the node agent publishes its DR MAC (overlay)', () => {
  it("B's agent alone: A is unroutable (no DR MAC published); B publishes its configured one", async () => {
    agentB = startAgent(b, agentArgs(confB, 'win-b'));
    await eventually('B publishes its DR MAC', async () => annotationOf('win-b')?.[ANNOTATION] === '0E-2A-0A-00-00-05');
    await eventually('B reports A unroutable', async () =>
      ((await status(b, confB)).agent?.routes.unroutable ?? []).some(
        (u) => u.node === 'win-a' && /no DR MAC published/.test(u.reason),
      ),
    );
    expect(await routeTo(b, '10.244.1.0/24')).toEqual([]);
    expect(api.requests.filter((r) => r.startsWith('PATCH /api/v1/nodes/win-b'))).toHaveLength(1);
  });

  it("after A's agent starts, B's RemoteSubnetRoute to A carries A's HNS-assigned DR MAC (and A's to B B's)", async () => {
    agentA = startAgent(a, agentArgs(confA, 'win-a'));
    await eventually('A has its network', async () => (await drMacOf(a)) !== undefined);
    const macA = (await drMacOf(a))!.toUpperCase();
    await eventually("B routes to A with A's MAC", async () => (await routeTo(b, '10.244.1.0/24')).join() === macA);
    expect(annotationOf('win-a')?.[ANNOTATION]).toBe(macA);
    await eventually(
      "A routes to B with B's MAC",
      async () => (await routeTo(a, '10.244.2.0/24')).join() === '0E-2A-0A-00-00-05',
    );
    const s = await status(a, confA);
    expect(s.agent?.drMac).toMatchObject({ state: 'published', mac: macA });
    // Only the annotation changed: the rest of the Node is as the API server had it.
    expect(api.getNode('win-a')?.spec).toEqual({ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] });
  });

  it('an annotation someone removed is restored; an unchanged one is not patched again', async () => {
    const macA = (await drMacOf(a))!.toUpperCase();
    const patchesBefore = api.requests.filter((r) => r.startsWith('PATCH /api/v1/nodes/win-a')).length;
    const node = api.getNode('win-a')!;
    const annotations = { ...(node.metadata.annotations as Record<string, string>) };
    delete annotations[ANNOTATION];
    api.setNode({ ...node, metadata: { ...node.metadata, annotations } } as KubeObject);
    await eventually('A restores its annotation', async () => annotationOf('win-a')?.[ANNOTATION] === macA);
    // Later syncs (a resync every 2 s) find it right: exactly one more PATCH.
    const restoredAt = (await status(a, confA)).agent?.api.lastSync;
    await eventually('two later syncs', async () => {
      const last = (await status(a, confA)).agent?.api.lastSync ?? '';
      return restoredAt !== undefined && Date.parse(last) - Date.parse(restoredAt) >= 3_000;
    });
    expect(api.requests.filter((r) => r.startsWith('PATCH /api/v1/nodes/win-a')).length).toBe(patchesBefore + 1);
  });

  it('a failing PATCH is retried with backoff, shown in the status meanwhile', async () => {
    const macA = (await drMacOf(a))!.toUpperCase();
    api.failPatches = 3;
    const node = api.getNode('win-a')!;
    const annotations = { ...(node.metadata.annotations as Record<string, string>), [ANNOTATION]: '0E-2A-00-00-00-99' };
    api.setNode({ ...node, metadata: { ...node.metadata, annotations } } as KubeObject);
    await eventually('the failure in the status', async () => {
      const d = (await status(a, confA)).agent?.drMac;
      return d?.state === 'failed' && /500|timed out/.test(d.lastError ?? '') && d.retries >= 1;
    });
    await eventually('published after the retries', async () => annotationOf('win-a')?.[ANNOTATION] === macA);
    expect(api.failPatches).toBe(0);
    expect((await status(a, confA)).agent?.drMac).toMatchObject({ state: 'published', retries: 0 });
  });

  it("a rebuilt node's new DR MAC is republished and the other node's policy follows", async () => {
    const oldMac = (await drMacOf(a))!.toUpperCase();
    expect(await agentA!.stop()).toBe(0);
    const down = await a.command(['node', 'teardown'], false);
    expect(down.code, down.stderr).toBe(0);
    agentA = startAgent(a, agentArgs(confA, 'win-a'));
    await eventually('A has its new network', async () => (await drMacOf(a)) !== undefined);
    const newMac = (await drMacOf(a))!.toUpperCase();
    expect(newMac).not.toBe(oldMac);
    await eventually('A republishes', async () => annotationOf('win-a')?.[ANNOTATION] === newMac);
    await eventually("B's policy follows", async () => (await routeTo(b, '10.244.1.0/24')).join() === newMac);
  });

  it('the API server down: prepare still succeeds, the publish waits and happens once it is back', async () => {
    expect(await agentA!.stop()).toBe(0);
    const node = api.getNode('win-a')!;
    const annotations = { ...(node.metadata.annotations as Record<string, string>) };
    delete annotations[ANNOTATION];
    api.setNode({ ...node, metadata: { ...node.metadata, annotations } } as KubeObject);
    await api.down();
    agentA = startAgent(a, agentArgs(confA, 'win-a'));
    await eventually('A prepared while the API is down', async () => {
      const s = await status(a, confA);
      return s.agent?.prepare.ok === true && s.agent.api.state === 'disconnected';
    });
    await api.up();
    const mac = (await drMacOf(a))!.toUpperCase();
    await eventually('A publishes once the API is back', async () => annotationOf('win-a')?.[ANNOTATION] === mac);
  });
});
