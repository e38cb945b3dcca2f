// Full pod lifecycles with the shipped hns-cni.exe under Wine, driven the way containerd drives it: a Windows CNI
// runtime on libcni (cnictl.exe) executes hns-cni.exe from C:\Program Files\containerd\cni\bin with a conflist from
// ...\cni\conf, CNI_NETNS is an HCN namespace GUID created through the stub DLL, CNI_IFNAME is eth0. Every step is
// checked against the HNS state the Linux side sees and the plugin's IPAM store at its Windows default.
import { existsSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  allocationsOf,
  type CniResult100,
  createNamespace,
  deleteNamespace,
  endpoints,
  endpointsIn,
  expectOk,
  inSubnet,
  namespaceEndpointIds,
  networkNamed,
  networks,
  type PodRef,
  podVerb,
} from './hns-view.js';
import { cnictlExe, expectEveryOutStringFreed, onDriveC, runExe, win, writeConflist } from './stage.js';

interface ModeCase {
  mode: 'nat' | 'transparent' | 'l2bridge';
  /** The HNS network type the mode creates for the pod network. */
  hnsType: string;
  /** Endpoints per pod: transparent adds one on the NAT network for outbound traffic. */
  endpointsPerPod: number;
  subnet: string;
  /** The pod's gateway: .1, except l2bridge's host endpoint at .2 (flannel host-gw's cbr0_ep; docs/config.md). */
  gateway: string;
}

const modes: ModeCase[] = [
  { mode: 'nat', hnsType: 'NAT', endpointsPerPod: 1, subnet: '10.244.11.0/24', gateway: '10.244.11.1' },
  { mode: 'transparent', hnsType: 'Transparent', endpointsPerPod: 2, subnet: '10.244.12.0/24', gateway: '10.244.12.1' },
  { mode: 'l2bridge', hnsType: 'L2Bridge', endpointsPerPod: 1, subnet: '10.244.13.0/24', gateway: '10.244.13.2' },
];

/** The minimal plugin config for a mode (everything else defaulted by the plugin). */
function minimalPlugin(c: ModeCase): Record<string, unknown> {
  return {
    type: 'hns-cni',
    mode: c.mode,
    clusterCIDR: '10.244.0.0/16',
    serviceCIDR: '10.96.0.0/12',
    ipam: { subnet: c.subnet },
  };
}

/** As an operator writes it into the conf dir. */
function minimalConflist(c: ModeCase, name: string, cniVersion: string): object {
  return { cniVersion, name, plugins: [minimalPlugin(c)] };
}

const sameId = (a: string | undefined, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();

describe.each(modes)('a pod lifecycle in $mode mode under Wine', (c) => {
  const net = `wine-${c.mode}`;

  it('ADD, repeated ADD, CHECK, DEL, repeated DEL', () => {
    writeConflist(`10-${net}.conflist`, minimalConflist(c, net, '1.0.0'));
    const pod: PodRef = { net, containerId: `pod-${c.mode}-1`, netns: createNamespace() };

    // ADD: the result libcni (and go-cni) accepted, and the HNS objects behind it.
    const add = podVerb('add', pod);
    expectOk(add);
    const result = add.out.result as CniResult100;
    expect(result.cniVersion).toBe('1.0.0');
    const podIP = (add.out.podNetwork as { podIP: string } | undefined)?.podIP ?? '';
    expect(inSubnet(podIP, c.subnet), `pod IP ${podIP} in ${c.subnet}`).toBe(true);
    // Never the network or broadcast address, the network's .1, or the gateway (l2bridge: the host endpoint's .2).
    const reserved = ['0', '1', '255'].map((last) => c.subnet.replace('0/24', last));
    expect([...reserved, c.gateway]).not.toContain(podIP);
    expect(result.interfaces?.length).toBe(c.endpointsPerPod);
    const eth0 = result.interfaces?.[0];
    expect(eth0?.name).toBe('eth0');
    expect(sameId(eth0?.sandbox, pod.netns)).toBe(true);
    expect(result.ips?.[0]).toEqual({ interface: 0, address: `${podIP}/24`, gateway: c.gateway });

    const network = networkNamed(net);
    expect(network, `HNS network ${net}`).toBeDefined();
    expect(network?.Type ?? 'NAT').toBe(c.hnsType);
    const attached = endpointsIn(pod.netns);
    expect(attached).toHaveLength(c.endpointsPerPod);
    expect(namespaceEndpointIds(pod.netns)).toEqual(attached.map((e) => e.ID.toLowerCase()).sort());
    const podEndpoint = attached.find((e) => sameId(e.HostComputeNetwork, network?.ID ?? ''));
    expect(podEndpoint?.IpConfigurations?.[0]?.IpAddress).toBe(podIP);
    expect(eth0?.mac).toMatch(/^([0-9a-f]{2}[-:]){5}[0-9a-f]{2}$/i);
    expect((podEndpoint?.MacAddress ?? '').toLowerCase().replaceAll(':', '-')).toBe(
      (eth0?.mac ?? '').toLowerCase().replaceAll(':', '-'),
    );
    if (c.mode === 'transparent') {
      // The second endpoint sits on a NAT network and carries the outbound traffic.
      const natEndpoint = attached.find((e) => e !== podEndpoint);
      const natNetwork = networks().find((n) => sameId(n.ID, natEndpoint?.HostComputeNetwork ?? ''));
      expect(natNetwork, 'the outbound NAT network').toBeDefined();
      expect(natNetwork?.ID).not.toBe(network?.ID);
      expect(natNetwork?.Type ?? 'NAT').toBe('NAT');
    }
    expect(existsSync(onDriveC(`${win.ipamDir}\\${net}`)), 'IPAM store at its Windows default').toBe(true);
    expect(allocationsOf(net, pod.containerId)).toEqual([`${podIP} eth0`]);

    // Repeated ADD: the same answer, no new HNS objects (attached or not).
    const endpointCount = endpoints().length;
    const again = podVerb('add', pod);
    expectOk(again);
    expect(again.out.result).toEqual(add.out.result);
    expect(endpointsIn(pod.netns).map((e) => e.ID)).toEqual(attached.map((e) => e.ID));
    expect(endpoints()).toHaveLength(endpointCount);

    expectOk(podVerb('check', pod));

    // DEL: endpoints detached and deleted, address released, the network kept.
    expectOk(podVerb('del', pod));
    expect(endpointsIn(pod.netns)).toEqual([]);
    expect(namespaceEndpointIds(pod.netns)).toEqual([]);
    expect(allocationsOf(net, pod.containerId)).toEqual([]);
    expect(networkNamed(net)?.ID).toBe(network?.ID);

    // Repeated DEL succeeds (the runtime retries until it does).
    expectOk(podVerb('del', pod));
    deleteNamespace(pod.netns);
  });
});

describe.each(['0.3.1', '0.4.0'])('an older cniVersion (%s) through libcni under Wine', (cniVersion) => {
  it('ADD answers in that version, libcni and go-cni accept it, DEL releases it', () => {
    const c: ModeCase = { ...modes[0], subnet: '10.244.14.0/24', gateway: '10.244.14.1' };
    const net = `wine-v${cniVersion.replaceAll('.', '')}`;
    writeConflist(`20-${net}.conflist`, minimalConflist(c, net, cniVersion));
    const pod: PodRef = { net, containerId: `pod-v${cniVersion.replaceAll('.', '')}`, netns: createNamespace() };
    const add = podVerb('add', pod);
    expectOk(add);
    expect((add.out.result as CniResult100).cniVersion).toBe(cniVersion);
    const podIP = (add.out.podNetwork as { podIP: string }).podIP;
    expect(inSubnet(podIP, c.subnet), `pod IP ${podIP} in ${c.subnet}`).toBe(true);
    expect(endpointsIn(pod.netns)).toHaveLength(1);
    // libcni itself refuses CHECK below 0.4.0, before the plugin is run.
    if (cniVersion === '0.4.0') expectOk(podVerb('check', pod));
    expectOk(podVerb('del', pod));
    expect(endpointsIn(pod.netns)).toEqual([]);
    expect(allocationsOf(net, pod.containerId)).toEqual([]);
    deleteNamespace(pod.netns);
  });
});

describe('GC and STATUS with a 1.1.0 config under Wine', () => {
  const c = modes[0];
  const net = 'wine-gc';

  it('GC removes the endpoint and address of an attachment that is not valid, and keeps the valid one', () => {
    const gcCase = { ...c, subnet: '10.244.21.0/24', gateway: '10.244.21.1' };
    writeConflist(`10-${net}.conflist`, minimalConflist(gcCase, net, '1.0.0'));
    // Same network, 1.1.0: GC and STATUS need it, and Debian's libcni 1.1.2 cannot parse 1.1.0 ADD results.
    const v110 = writeConflist(`30-${net}-v110.conflist`, minimalConflist(gcCase, net, '1.1.0'));
    const keep: PodRef = { net, containerId: 'pod-gc-keep', netns: createNamespace() };
    const lost: PodRef = { net, containerId: 'pod-gc-lost', netns: createNamespace() };
    expectOk(podVerb('add', keep));
    expectOk(podVerb('add', lost));
    // The runtime lost track of one pod (no libcni cache entry): only the plugin's own GC can clean it up.
    rmSync(onDriveC(`${win.cniCache}\\results\\${net}-${lost.containerId}-eth0`));

    const gc = cnictlExe(['gc', '--conflist', v110, '--valid', `${keep.containerId}:eth0`]);
    expectOk(gc);
    expect(gc.out).toEqual({ ok: true, deleted: [], gcSent: true });
    expect(endpointsIn(lost.netns)).toEqual([]);
    expect(endpointsIn(keep.netns)).toHaveLength(1);
    expect(allocationsOf(net, keep.containerId)).toHaveLength(1);
    expect(allocationsOf(net, lost.containerId)).toEqual([]);

    expectOk(podVerb('del', keep));
    deleteNamespace(keep.netns);
    deleteNamespace(lost.netns);
  });

  it('STATUS answers success through libcni and when invoked directly', () => {
    const v110 = writeConflist('40-wine-status-v110.conflist', minimalConflist(c, 'wine-status', '1.1.0'));
    expectOk(cnictlExe(['status', '--conflist', v110]));

    const direct = runExe([], {
      env: { CNI_COMMAND: 'STATUS', CNI_PATH: win.binDir },
      stdin: JSON.stringify({ cniVersion: '1.1.0', name: 'wine-status', ...minimalPlugin(c) }),
    });
    expect({ status: direct.status, stdout: direct.stdout }).toEqual({ status: 0, stdout: '' });
  });
});

describe('after the lifecycles', () => {
  it('freed every out-string the stub allocated and closed every handle', () => {
    expectEveryOutStringFreed();
  });
});
