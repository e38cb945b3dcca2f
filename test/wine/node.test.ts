// The node agent as it ships: hns-cni.exe under Wine, through the mingw stubs of computenetwork.dll (system32) and
// iphlpapi (hns-cni-iphlpapi.dll by path), with its kubeconfig at the Windows default C:\k\config, against the
// stand-in API server on the Linux side. `node --once` after each change of the nodes (join, address change, leave),
// the converged routing table and HNS state read from Linux after each, foreign routes never touched; `node status`
// and `node teardown` from the exe; every out-string of both stubs freed.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeStatusReport } from '../../src/node/status.js';
import { type RemoteKubeApiServer, startRemoteKubeApiServer } from '../fixtures/kube/api-server-remote.js';
import { createNamespace, deleteNamespace, endpoints, networkNamed } from './hns-view.js';
import { expectEveryOutStringFreed, onDriveC, runExe, simCli, stage, win } from './stage.js';

interface RouteRow {
  destinationPrefix: string;
  nextHop: string;
  interfaceIndex: number;
  metric: number;
}

const confDir = 'C:\\hns-cni-test\\node-conf';
const env = { HNS_CNI_IPHLP_LIBRARY: win.iphlpDll };
// In a process of its own: runExe blocks this process's event loop while hns-cni.exe runs.
let api: RemoteKubeApiServer;

const routes = () => simCli<RouteRow[]>(['sim', 'routes', '--json']);
const via = (prefix: string) =>
  routes()
    .filter((r) => r.destinationPrefix === prefix)
    .map((r) => r.nextHop)
    .sort();
const foreign = () =>
  routes()
    .filter((r) => !r.destinationPrefix.startsWith('10.248.'))
    .map((r) => `${r.destinationPrefix} via ${r.nextHop} metric ${r.metric}`)
    .sort();

function once(): void {
  const r = runExe(['node', '--once', '--conf-dir', confDir, '--node-name', 'win-a'], { env });
  expect(r.status, `${r.stderr}${r.stdout}`).toBe(0);
  expect(r.stderr).toBe(''); // no warning of the Kubernetes client leaks onto stderr
}

function nodeStatus(): NodeStatusReport {
  const r = runExe(['node', 'status', '--json', '--conf-dir', confDir], { env });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as NodeStatusReport;
}

let foreignBefore: string[];
const plugin = {
  type: 'hns-cni',
  mode: 'l2bridge',
  clusterCIDR: '10.248.0.0/16',
  serviceCIDR: '10.96.0.0/12',
  nodeIP: '10.0.0.4',
  ipam: { subnetFrom: 'node', nodeName: 'win-a' },
};

beforeAll(async () => {
  api = await startRemoteKubeApiServer(stage().runDir);
  await api.setNode({ name: 'win-a', podCIDRs: ['10.248.1.0/24'], internalIP: '10.0.0.4' });
  await api.setNode({ name: 'win-b', podCIDRs: ['10.248.2.0/24'], internalIP: '10.0.0.5' });
  mkdirSync(onDriveC('C:\\k'), { recursive: true });
  writeFileSync(onDriveC(win.kubeconfig), readKubeconfig());
  rmSync(onDriveC(confDir), { recursive: true, force: true });
  mkdirSync(onDriveC(confDir), { recursive: true });
  writeFileSync(
    join(onDriveC(confDir), '10-wine-node.conflist'),
    JSON.stringify({ cniVersion: '1.0.0', name: 'wine-node', plugins: [plugin] }),
  );
  simCli(['sim', 'routes', '--add', '10.60.0.0/16', '--via', '10.0.0.9']);
  foreignBefore = foreign();
}, 120_000);

afterAll(async () => {
  await api?.close();
  rmSync(onDriveC('C:\\k'), { recursive: true, force: true });
});

function readKubeconfig(): string {
  return readFileSync(api.kubeconfig, 'utf8');
}

describe('hns-cni.exe node under Wine', () => {
  it('prepares the network and its host endpoint, with the pod CIDR from the Node object (C:\\k\\config)', () => {
    once();
    expect(networkNamed('wine-node')?.Type).toBe('L2Bridge');
    const hostEp = endpoints().find((e) => e.Name === 'wine-node_ep');
    expect(hostEp?.IpConfigurations?.[0]?.IpAddress).toBe('10.248.1.2');
    const s = nodeStatus();
    expect(s.hostEndpoints.map((e) => e.name)).toEqual(['wine-node_ep']);
    expect(s.agent?.api).toMatchObject({ state: 'connected', nodes: 2, source: win.kubeconfig });
    // IPv4 forwarding on the host endpoint's and the node address's interfaces: MIB_IPINTERFACE_ROW through the
    // mingw DLL (GetIpInterfaceEntry, SetIpInterfaceEntry), read back live by `node status`.
    expect(s.forwarding.map((f) => `${f.address} ${f.present} ${f.enabled}`)).toEqual([
      '10.248.1.2 true true',
      '10.0.0.4 true true',
    ]);
    expect(via('10.248.1.0/24')).toEqual(['0.0.0.0']); // the host endpoint's on-link route
    expect(via('10.248.2.0/24')).toEqual(['10.0.0.5']);
    expect(foreign()).toEqual(foreignBefore);
  });

  it('converges after each change of the nodes: join, address change, leave', async () => {
    await api.setNode({ name: 'win-c', podCIDRs: ['10.248.3.0/24'], internalIP: '10.0.0.6' });
    once();
    expect([via('10.248.2.0/24'), via('10.248.3.0/24')]).toEqual([['10.0.0.5'], ['10.0.0.6']]);
    await api.setNode({ name: 'win-b', podCIDRs: ['10.248.2.0/24'], internalIP: '10.0.0.15' });
    once();
    expect(via('10.248.2.0/24')).toEqual(['10.0.0.15']);
    await api.deleteNode('win-c');
    once();
    expect(via('10.248.3.0/24')).toEqual([]);
    expect(foreign()).toEqual(foreignBefore);
    const s = nodeStatus();
    expect(s.routes.map((r) => `${r.node} ${r.destinationPrefix} ${r.nextHop} ${r.present}`)).toEqual([
      'win-b 10.248.2.0/24 10.0.0.15 true',
    ]);
  });

  it('a host-network pod whose port a process of the node holds is refused by the exe (IP Helper through the DLL)', () => {
    simCli(['sim', 'listen', '--tcp', '9000', '--pid', '4321']);
    const netns = createNamespace();
    const before = endpoints().length;
    const r = runExe([], {
      env: {
        ...env,
        CNI_COMMAND: 'ADD',
        CNI_CONTAINERID: 'wine-hostnet',
        CNI_NETNS: netns,
        CNI_IFNAME: 'eth0',
        CNI_PATH: win.binDir,
      },
      stdin: JSON.stringify({
        ...plugin,
        cniVersion: '1.0.0',
        name: 'wine-node',
        runtimeConfig: {
          portMappings: [{ hostPort: 9000, containerPort: 9000, protocol: 'tcp' }],
          'io.kubernetes.cri.pod-annotations': { 'hns-cni.dev/host-network': 'true' },
        },
      }),
    });
    expect(r.status, r.stderr).toBe(1);
    const error = JSON.parse(r.stdout) as { code: number; msg: string };
    expect(error.code).toBe(107);
    expect(error.msg).toContain('9000/tcp (pid 4321 on 0.0.0.0)');
    expect(endpoints()).toHaveLength(before);
    deleteNamespace(netns);
  });

  it('teardown removes what it made and nothing else; every out-string of both stubs was freed', () => {
    const r = runExe(['node', 'teardown'], { env });
    expect(r.status, r.stderr).toBe(0);
    expect(networkNamed('wine-node')).toBeUndefined();
    expect(endpoints().some((e) => e.Name === 'wine-node_ep')).toBe(false);
    expect(via('10.248.2.0/24')).toEqual([]);
    expect(foreign()).toEqual(foreignBefore);
    expect(nodeStatus().forwarding).toEqual([]);
    expectEveryOutStringFreed();
  });
});
