// The node agent end to end: the built `hns-cni node`, koffi → the HCN and IP Helper stubs → `sim serve`, and the
// real @kubernetes/client-node against a stand-in API server. Prepare (L2Bridge network + host endpoint attached to
// the host), routes to the other nodes' pod CIDRs as nodes join, change address and leave (converged state asserted
// after each change), an API-server outage (last state kept, a removed route repaired, convergence once it is back),
// and teardown. Routes nobody asked hns-cni to make are compared before and after every step: never touched.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeApiServer, startKubeApiServer } from '../fixtures/kube/api-server.js';
import {
  eventually,
  type RouteRow,
  type RunningAgent,
  routes,
  routesExcept,
  startAgent,
  startNode,
  status,
  writeConflist,
} from './node-helpers.js';
import type { SimNode } from './plugin-harness.js';

let node: SimNode;
let api: KubeApiServer;
let confDir: string;
const POD_CIDRS = ['10.244.1.0/24', '10.244.2.0/24', '10.244.3.0/24', '10.244.4.0/24'];
let foreignBefore: string[];

const viaOf = (rows: RouteRow[], prefix: string) =>
  rows
    .filter((r) => r.destinationPrefix === prefix)
    .map((r) => r.nextHop)
    .sort();

beforeAll(async () => {
  node = await startNode('hns-node-agent-');
  api = await startKubeApiServer(node.dir);
  api.setNode({ name: 'win-a', podCIDRs: ['10.244.1.0/24'], internalIP: '10.0.0.4' });
  api.setNode({ name: 'win-b', podCIDRs: ['10.244.2.0/24'], internalIP: '10.0.0.5' });
  // win-c's subnet is already routed by someone else (a cloud route agent): hns-cni must leave it alone.
  api.setNode({ name: 'win-c', podCIDRs: ['10.244.3.0/24'], internalIP: '10.0.0.6' });
  for (const [prefix, via] of [
    ['10.244.3.0/24', '10.0.0.254'],
    ['10.50.0.0/16', '10.0.0.9'],
  ]) {
    const r = await node.command(
      ['sim', 'routes', '--add', prefix!, '--via', via!, '--state', node.env.HNS_CNI_SIM_STATE!],
      false,
    );
    expect(r.code, r.stderr).toBe(0);
  }
  confDir = writeConflist(node, {
    mode: 'l2bridge',
    clusterCIDR: '10.244.0.0/16',
    serviceCIDR: '10.96.0.0/12',
    ipam: { subnetFrom: 'node', kubeconfig: api.kubeconfig, nodeName: 'win-a' },
  });
}, 180_000);

afterAll(async () => {
  await api?.close();
  await node?.stop();
});

describe('hns-cni node --once', () => {
  it('prepares the L2Bridge network and its host endpoint (.2, attached to the host), and routes win-b', async () => {
    foreignBefore = routesExcept(await routes(node), POD_CIDRS);
    const run = await node.command(['node', '--once', '--conf-dir', confDir, '--node-name', 'win-a'], false);
    expect(run.code, run.stderr).toBe(0);
    const s = await status(node, confDir);
    expect(s.networks).toEqual([expect.objectContaining({ name: 'cbr0', type: 'L2Bridge', podEndpoints: 0 })]);
    expect(s.hostEndpoints).toEqual([
      expect.objectContaining({ name: 'cbr0_ep', address: '10.244.1.2', network: 'cbr0' }),
    ]);
    // The host endpoint's interface forwards (flannel host-gw's "enable forwarding on the host interface and
    // endpoint"); without nodeIP and with no provider address on an L2Bridge network, only that one.
    expect(s.forwarding).toEqual([expect.objectContaining({ address: '10.244.1.2', present: true, enabled: true })]);
    expect(s.agent?.api).toMatchObject({ state: 'connected', nodes: 3, source: api.kubeconfig });
    expect(s.agent?.routes.foreign).toEqual([
      { node: 'win-c', destinationPrefix: '10.244.3.0/24', nextHop: '10.0.0.254' },
    ]);
    const table = await routes(node);
    // The host endpoint gives the node its leg on the pod subnet: an on-link route through a vNIC of its own.
    const onLink = table.find((r) => r.destinationPrefix === '10.244.1.0/24');
    const physical = table.find((r) => r.destinationPrefix === '10.0.0.0/24');
    expect(onLink?.nextHop).toBe('0.0.0.0');
    expect(onLink?.interfaceIndex).not.toBe(physical?.interfaceIndex);
    expect(viaOf(table, '10.244.2.0/24')).toEqual(['10.0.0.5']);
    // Through the interface that reaches 10.0.0.5 (the vNIC the L2Bridge switch put the host address on).
    expect(table.find((r) => r.destinationPrefix === '10.244.2.0/24')?.interfaceIndex).toBe(physical?.interfaceIndex);
    expect(viaOf(table, '10.244.3.0/24')).toEqual(['10.0.0.254']);
    expect(routesExcept(table, POD_CIDRS)).toEqual(foreignBefore);
  });

  it('a second run re-uses everything: no HNS object or route is created twice', async () => {
    const [eps, nets, table] = [await node.endpoints(), await node.networks(), await routes(node)];
    const before = await node.stats();
    const run = await node.command(['node', '--once', '--conf-dir', confDir, '--node-name', 'win-a'], false);
    expect(run.code, run.stderr).toBe(0);
    const after = await node.stats();
    for (const fn of ['HcnCreateNetwork', 'HcnCreateEndpoint', 'CreateIpForwardEntry2'] as const) {
      expect(after.calls[fn] ?? 0, fn).toBe(before.calls[fn] ?? 0);
    }
    expect(await node.endpoints()).toEqual(eps);
    expect(await node.networks()).toEqual(nets);
    expect((await routes(node)).map((r) => `${r.destinationPrefix} ${r.nextHop}`)).toEqual(
      table.map((r) => `${r.destinationPrefix} ${r.nextHop}`),
    );
  });

  it('the host endpoint is not a pod endpoint: GC with no valid attachment leaves it', async () => {
    const conflist = JSON.parse(fs.readFileSync(path.join(confDir, '10-hns-cni.conflist'), 'utf8'));
    const gc = await node.cni('GC', {
      ...conflist.plugins[0],
      name: 'cbr0',
      cniVersion: '1.1.0',
      'cni.dev/valid-attachments': [],
    });
    expect(gc.code, gc.stderr).toBe(0);
    expect((await status(node, confDir)).hostEndpoints).toHaveLength(1);
  });
});

describe('hns-cni node (long-running), nodes joining, changing and leaving', () => {
  let agent: RunningAgent;
  beforeAll(() => {
    agent = startAgent(node, [
      '--conf-dir',
      confDir,
      '--node-name',
      'win-a',
      '--resync-seconds',
      '2',
      '--backoff-max-seconds',
      '1',
    ]);
  });
  afterAll(async () => {
    await agent?.stop();
  });

  const converged = (what: string, wanted: Record<string, string[]>) =>
    eventually(what, async () => {
      const table = await routes(node);
      for (const [prefix, vias] of Object.entries(wanted)) {
        if (JSON.stringify(viaOf(table, prefix)) !== JSON.stringify(vias)) {
          throw new Error(`${prefix}: ${viaOf(table, prefix).join(',') || 'none'} (want ${vias.join(',') || 'none'})`);
        }
      }
      expect(routesExcept(table, POD_CIDRS)).toEqual(foreignBefore);
      return true;
    });

  it('a node joins: its pod CIDR is routed through its InternalIP', async () => {
    api.setNode({ name: 'win-d', podCIDRs: ['10.244.4.0/24'], internalIP: '10.0.0.7' });
    await converged('win-d routed', { '10.244.2.0/24': ['10.0.0.5'], '10.244.4.0/24': ['10.0.0.7'] });
    const s = await status(node, confDir);
    expect(
      s.routes
        .filter((r) => r.present)
        .map((r) => r.node)
        .sort(),
    ).toEqual(['win-b', 'win-d']);
    expect(s.agent?.api.state).toBe('connected');
  });

  it('a node changes address: the old route goes, the new one comes', async () => {
    api.setNode({ name: 'win-b', podCIDRs: ['10.244.2.0/24'], internalIP: '10.0.0.15' });
    await converged('win-b re-routed', { '10.244.2.0/24': ['10.0.0.15'], '10.244.4.0/24': ['10.0.0.7'] });
  });

  it('a node leaves: its route goes; the foreign route of win-c stays as it was', async () => {
    api.deleteNode('win-d');
    await converged('win-d gone', { '10.244.4.0/24': [], '10.244.3.0/24': ['10.0.0.254'] });
  });

  it('an API-server outage keeps the last state, a removed route is put back, and changes converge once it is up', async () => {
    await api.down();
    await eventually(
      'the agent notices the outage',
      async () => (await status(node, confDir)).agent?.api.state === 'disconnected',
    );
    const removed = await node.command(
      ['sim', 'routes', '--delete', '10.244.2.0/24', '--via', '10.0.0.15', '--state', node.env.HNS_CNI_SIM_STATE!],
      false,
    );
    expect(removed.code, removed.stderr).toBe(0);
    await converged('the removed route repaired from the last known nodes', { '10.244.2.0/24': ['10.0.0.15'] });
    api.setNode({ name: 'win-e', podCIDRs: ['10.244.4.0/24'], internalIP: '10.0.0.8' });
    await api.up();
    await converged('win-e routed after the outage', { '10.244.4.0/24': ['10.0.0.8'], '10.244.2.0/24': ['10.0.0.15'] });
    expect((await status(node, confDir)).agent?.api.state).toBe('connected');
  });

  it('SIGTERM stops the agent and leaves the routes for the pods', async () => {
    expect(await agent.stop()).toBe(0);
    expect(viaOf(await routes(node), '10.244.4.0/24')).toEqual(['10.0.0.8']);
    expect((await status(node, confDir)).agent?.phase).toBe('stopped');
  });
});

describe('hns-cni node teardown', () => {
  it('removes its routes, host endpoint and network, and nothing else', async () => {
    const run = await node.command(['node', 'teardown'], false);
    expect(run.code, run.stderr).toBe(0);
    const table = await routes(node);
    for (const prefix of ['10.244.1.0/24', '10.244.2.0/24', '10.244.4.0/24']) expect(viaOf(table, prefix)).toEqual([]);
    expect(routesExcept(table, POD_CIDRS)).toEqual(foreignBefore);
    expect(viaOf(table, '10.244.3.0/24')).toEqual(['10.0.0.254']);
    const s = await status(node, confDir);
    expect(s.networks).toEqual([]);
    expect(s.hostEndpoints).toEqual([]);
    expect(s.routes).toEqual([]);
    expect(s.forwarding).toEqual([]);
  });
});

describe('transparent mode: the gateway on the node', () => {
  it('both networks, and a <network>_gw host endpoint with the network gateway .1 attached to the host', async () => {
    const transparentConf = path.join(node.dir, 'conf-transparent');
    fs.mkdirSync(transparentConf, { recursive: true });
    fs.writeFileSync(
      path.join(transparentConf, '10-hns-cni.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'tpods',
        plugins: [
          {
            type: 'hns-cni',
            mode: 'transparent',
            clusterCIDR: '10.244.0.0/16',
            serviceCIDR: '10.96.0.0/12',
            ipam: { subnet: '10.244.1.0/24' },
          },
        ],
      }),
    );
    const run = await node.command(['node', '--once', '--conf-dir', transparentConf, '--node-name', 'win-a'], false);
    expect(run.code, run.stderr).toBe(0);
    const s = await status(node, transparentConf);
    expect(s.networks.map((n) => `${n.name} ${n.type}`).sort()).toEqual(['tpods Transparent', 'tpods-nat NAT']);
    expect(s.hostEndpoints).toEqual([
      expect.objectContaining({ name: 'tpods_gw', address: '10.244.1.1', network: 'tpods' }),
    ]);
    expect(viaOf(await routes(node), '10.244.1.0/24')).toEqual(['0.0.0.0']);
    const down = await node.command(['node', 'teardown'], false);
    expect(down.code, down.stderr).toBe(0);
    expect((await status(node, transparentConf)).networks).toEqual([]);
  });
});
