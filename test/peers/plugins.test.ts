// The anchor plugins (containernetworking/plugins win-bridge and win-overlay, shared/peers/PEERS.md) through a
// pod's lifecycle under Wine against the simulator: ADD, CHECK, DEL, DEL, with ApiVersion 1 (the v1 HNSCall API and
// HCS hot attach) and 2 (HCN), host-local as IPAM. Configs are the plugins' own sample-*.conf files, with the
// cniVersion CHECK needs and host-local added. The network exists first, as flannel leaves it. Checked: the CNI
// result, the HNS state through both the v2 and the v1 view (which must agree), the IPAM store, and that every
// out-string the Go programs received was freed and every handle closed.
import { existsSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { SimOptions } from '../../src/hns/sim/options.js';
import type { HostComputeEndpoint, HostComputeNetwork } from '../../src/hns/types.js';
import { WIN_BRIDGE_SAMPLE_V2 } from '../fixtures/win-bridge-sample.js';
import { expectEveryOutStringFreed, onDriveC, type Ran } from '../wine/stage.js';
import { createContainer, hcn, hnsCallV1, peers, report, resetSimulator, runPeer, simState } from './peers.js';

interface Lifecycle {
  plugin: 'win-bridge' | 'win-overlay';
  apiVersion: 1 | 2;
  /** The HNS network as flannel creates it (v2 document). */
  network: HostComputeNetwork;
  /** The plugin's sample config (plugins/main/windows/<plugin>/sample*.conf at 3d27709faaa4). */
  sample: Record<string, unknown>;
  /** The node the sample was written for. */
  options?: Partial<SimOptions>;
  /** Gateway the plugin reports: win-bridge computes subnet + 2 (the bridge endpoint), win-overlay the network's. */
  gateway: string;
}

const subnet = (prefix: string, gateway: string, vsid?: number) => ({
  IpAddressPrefix: prefix,
  Routes: [{ NextHop: gateway, DestinationPrefix: '0.0.0.0/0' }],
  ...(vsid === undefined ? {} : { Policies: [{ Type: 'VSID' as const, Settings: { IsolationId: vsid } }] }),
});

const l2bridge: HostComputeNetwork = {
  Name: 'cbr0',
  Type: 'L2Bridge',
  Ipams: [{ Type: 'Static', Subnets: [subnet('10.244.1.0/24', '10.244.1.1')] }],
  SchemaVersion: { Major: 2, Minor: 0 },
};

/** flannel's VXLAN backend: VNI 4096 on the subnet, the VXLAN port; HNS adds the provider address and DR MAC. */
const overlay = (name: string, prefix: string, gateway: string): HostComputeNetwork => ({
  Name: name,
  Type: 'Overlay',
  Ipams: [{ Type: 'Static', Subnets: [subnet(prefix, gateway, 4096)] }],
  Policies: [{ Type: 'VxlanPort', Settings: { Port: 4789 } }],
  SchemaVersion: { Major: 2, Minor: 0 },
});

const policy = (value: Record<string, unknown>) => ({ name: 'EndpointPolicy', value });

const cases: Lifecycle[] = [
  {
    plugin: 'win-bridge',
    apiVersion: 1,
    network: l2bridge,
    gateway: '10.244.1.2',
    sample: {
      name: 'cbr0',
      type: 'win-bridge',
      dns: { nameservers: ['11.0.0.10'], search: ['svc.cluster.local'] },
      policies: [
        policy({ Type: 'OutBoundNAT', ExceptionList: ['192.168.0.0/16', '11.0.0.0/8', '10.137.196.0/23'] }),
        policy({ Type: 'ROUTE', DestinationPrefix: '11.0.0.0/8', NeedEncap: true }),
        policy({ Type: 'ROUTE', DestinationPrefix: '10.137.198.27/32', NeedEncap: true }),
      ],
      loopbackDSR: true,
    },
  },
  {
    plugin: 'win-bridge',
    apiVersion: 2,
    network: l2bridge,
    gateway: '10.244.1.2',
    // sample-v2.conf is flannel's wrapper; this is its delegate, as flannel hands it to win-bridge.
    sample: { ...WIN_BRIDGE_SAMPLE_V2 },
  },
  {
    plugin: 'win-overlay',
    apiVersion: 1,
    network: overlay('vxlan0', '10.244.2.0/24', '10.244.2.1'),
    gateway: '10.244.2.1',
    sample: {
      name: 'vxlan0',
      type: 'win-overlay',
      dns: { nameservers: ['11.0.0.10'], search: ['svc.cluster.local'] },
      policies: [
        policy({ Type: 'OutBoundNAT', ExceptionList: ['192.168.0.0/16', '11.0.0.0/8'] }),
        policy({ Type: 'ROUTE', DestinationPrefix: '11.0.0.0/8', NeedEncap: true }),
      ],
    },
  },
  {
    plugin: 'win-overlay',
    apiVersion: 2,
    network: overlay('OVNKubernetesHybridOverlayNetwork', '10.132.0.0/24', '10.132.0.1'),
    options: { hostAddress: '10.0.133.170' },
    gateway: '10.132.0.1',
    sample: {
      name: 'OVNKubernetesHybridOverlayNetwork',
      type: 'win-overlay',
      apiVersion: 2,
      capabilities: { portMappings: true, dns: true },
      policies: [
        policy({ Type: 'OutBoundNAT', Settings: { Exceptions: ['172.30.0.0/16'] } }),
        policy({ Type: 'SDNRoute', Settings: { DestinationPrefix: '172.30.0.0/16', NeedEncap: true } }),
        policy({ Type: 'ProviderAddress', Settings: { ProviderAddress: '10.0.133.170' } }),
      ],
    },
  },
];

interface CniResult {
  interfaces?: { name: string; mac: string }[];
  ips?: { address: string; gateway?: string }[];
  dns?: { nameservers?: string[] };
}

interface V1Endpoint {
  ID: string;
  Name: string;
  VirtualNetwork: string;
  IPAddress?: string;
  MacAddress?: string;
  GatewayAddress?: string;
  SharedContainers?: string[];
  State?: number;
  Policies?: { Type: string; [k: string]: unknown }[];
}

const figures: string[] = [];
const same = (a?: string, b?: string) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
const prefixOf = (n: HostComputeNetwork) => n.Ipams![0]!.Subnets![0]!.IpAddressPrefix!;

function settingsOf(e: HostComputeEndpoint, type: string): Record<string, unknown>[] {
  return (e.Policies ?? []).filter((p) => p.Type === type).map((p) => (p.Settings ?? {}) as Record<string, unknown>);
}

describe.each(cases)('$plugin with ApiVersion $apiVersion: ADD, CHECK, DEL, DEL', (c) => {
  const label = `${c.plugin} v${c.apiVersion}`;
  const tag = `${c.plugin}-v${c.apiVersion}`;
  const ipamDir = `C:\\peers-ipam\\${tag}`;
  const conf = {
    cniVersion: '0.4.0',
    ...c.sample,
    ipam: {
      type: 'host-local',
      subnet: prefixOf(c.network),
      rangeStart: prefixOf(c.network).replace(/0\/24$/, '10'),
      dataDir: ipamDir,
    },
  };
  // A v1 plugin attaches to the pod's infra container through HCS (netns "none", as dockershim ran it); a v2 one
  // to an HCN namespace created first, as containerd does.
  const container = `${tag.replace(/-/g, '')}0123456789abcdef0123456789abcdef0123456789abcdef`.slice(0, 64);
  const endpointName = `${container}_${c.sample.name as string}`;
  const steps: string[] = [];

  let network: HostComputeNetwork;
  let netns = 'none';

  function cni(command: 'ADD' | 'CHECK' | 'DEL'): Ran {
    const ran = runPeer(`${c.plugin}.exe`, [], {
      stdin: JSON.stringify(conf),
      what: `${c.plugin}.exe ${command}`,
      env: {
        CNI_COMMAND: command,
        CNI_CONTAINERID: container,
        CNI_NETNS: netns,
        CNI_IFNAME: 'eth0',
        CNI_PATH: peers().windowsDir,
      },
    });
    steps.push(`${command} ${ran.status === 0 ? 'ok' : `exit ${ran.status}`}`);
    return ran;
  }

  const ipamFile = (ip: string) => onDriveC(`${ipamDir}\\${c.sample.name as string}\\${ip}`);

  it('starts from the network flannel created (and the pod sandbox the runtime created)', async () => {
    await resetSimulator(c.options);
    rmSync(onDriveC(ipamDir), { recursive: true, force: true });
    network = await hcn().createNetwork(c.network);
    if (c.apiVersion === 2) netns = (await hcn().createNamespace({ SchemaVersion: { Major: 2, Minor: 0 } })).ID!;
    else await createContainer(container);
    expect(network.ID).toBeDefined();
  });

  it('ADD: a result with host-local address, and one endpoint as the plugin described it', async () => {
    const ran = cni('ADD');
    expect(ran.status, ran.stderr + ran.stdout).toBe(0);
    const result = JSON.parse(ran.stdout) as CniResult;
    const [ip, length] = result.ips![0]!.address.split('/');
    expect(length).toBe('24');
    expect(ip).toBe(prefixOf(c.network).replace(/0\/24$/, '10'));
    expect(result.ips![0]!.gateway).toBe(c.gateway);
    expect(existsSync(ipamFile(ip!))).toBe(true);

    const eps = await hcn().listEndpoints();
    expect(eps.map((e) => e.Name)).toEqual([endpointName]);
    const ep = eps[0]!;
    expect(same(ep.HostComputeNetwork, network.ID)).toBe(true);
    expect(ep.IpConfigurations?.map((x) => x.IpAddress)).toEqual([ip]);
    expect(result.interfaces?.[0]?.mac).toBe(ep.MacAddress);
    const nat = settingsOf(ep, 'OutBoundNAT');
    const exceptions = ((c.sample.policies as { value: Record<string, unknown> }[])[0]!.value.ExceptionList ??
      (c.sample.policies as { value: { Settings: Record<string, unknown> } }[])[0]!.value.Settings
        .Exceptions) as string[];
    expect(nat.map((s) => s.Exceptions).filter(Boolean)).toEqual([exceptions]);
    expect(settingsOf(ep, 'SDNRoute').every((s) => s.NeedEncap === true)).toBe(true);
    if (c.plugin === 'win-bridge') {
      // loopbackDSR: an OutBoundNAT with the pod's own address as destination (HNS ≥ 9.3 supports DSR).
      expect(nat.map((s) => s.Destinations).filter(Boolean)).toEqual([[ip]]);
    } else {
      // win-overlay: the MAC from its 0E-2A prefix and the address, the provider address of the node.
      expect(ep.MacAddress).toBe(
        `0E-2A-${ip!
          .split('.')
          .map((o) => Number(o).toString(16).padStart(2, '0'))
          .join('-')}`,
      );
      const pa = (
        (network.Policies ?? []).find((p) => p.Type === 'ProviderAddress')?.Settings as
          | { ProviderAddress?: string }
          | undefined
      )?.ProviderAddress;
      expect(settingsOf(ep, 'ProviderAddress').map((s) => s.ProviderAddress)).toEqual([pa]);
    }

    // The v1 view of the same endpoint agrees, and shows where it is attached.
    const v1 = await hnsCallV1<V1Endpoint>('GET', `/endpoints/${ep.ID}`);
    expect({
      id: v1.ID.toLowerCase(),
      net: v1.VirtualNetwork.toLowerCase(),
      ip: v1.IPAddress,
      mac: v1.MacAddress,
    }).toEqual({
      id: ep.ID!.toLowerCase(),
      net: network.ID!.toLowerCase(),
      ip,
      mac: ep.MacAddress,
    });
    if (c.apiVersion === 1) {
      expect({ shared: v1.SharedContainers, state: v1.State }).toEqual({ shared: [container], state: 2 });
    } else {
      expect(same(ep.HostComputeNamespace, netns)).toBe(true);
      expect(v1.State).toBe(2);
    }
  });

  it('CHECK succeeds and changes nothing', async () => {
    const before = simState().endpoints;
    const ran = cni('CHECK');
    expect(ran.status, ran.stderr + ran.stdout).toBe(0);
    expect(simState().endpoints).toEqual(before);
  });

  it('DEL removes the endpoint and releases the address; a second DEL succeeds', async () => {
    const ran = cni('DEL');
    expect(ran.status, ran.stderr + ran.stdout).toBe(0);
    expect(await hcn().listEndpoints()).toEqual([]);
    expect(existsSync(ipamFile(prefixOf(c.network).replace(/0\/24$/, '10')))).toBe(false);
    const again = cni('DEL');
    expect(again.status, again.stderr + again.stdout).toBe(0);
    expect(await hcn().listEndpoints()).toEqual([]);
    expect(await hcn().listNetworks()).toHaveLength(1);
  });

  it('freed every out-string it received and closed every handle', () => {
    expectEveryOutStringFreed();
  });

  afterAll(() => {
    figures.push(`${label}: ${steps.join(', ')}`);
  });
});

afterAll(() => {
  for (const line of figures) report(line);
});
