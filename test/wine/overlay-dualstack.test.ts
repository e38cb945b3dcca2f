// Overlay and dual-stack pods with the shipped hns-cni.exe under Wine (issue 12), driven through libcni (cnictl.exe)
// as containerd drives it: ADD, repeated ADD, CHECK, DEL, GC, with the HCN documents the Linux side reads back (the
// Overlay network's VSID and VxlanPort, the endpoint's OutBoundNAT / SDNRoute / ProviderAddress policies and 0E-2A
// MAC, both IpConfigurations of a dual-stack pod) and the IPAM store at its Windows default.
import { describe, expect, it } from 'vitest';
import {
  allocationsOf,
  type CniResult100,
  createNamespace,
  deleteNamespace,
  endpointsIn,
  expectOk,
  type PodRef,
  podVerb,
} from './hns-view.js';
import { cnictlExe, simCli, writeConflist } from './stage.js';

interface Policy {
  Type: string;
  Settings?: Record<string, unknown>;
}
interface OverlayNetwork {
  Name: string;
  Type?: string;
  Policies?: Policy[];
  Ipams?: { Subnets?: { IpAddressPrefix?: string; Policies?: Policy[] }[] }[];
}
interface OverlayEndpoint {
  ID: string;
  MacAddress?: string;
  Policies?: Policy[];
  IpConfigurations?: { IpAddress: string; PrefixLength?: number }[];
}

const networkNamed = (name: string) =>
  simCli<OverlayNetwork[]>(['hns', 'networks', '--json']).find((n) => n.Name === name);
const endpointOf = (netns: string) => endpointsIn(netns) as unknown as OverlayEndpoint[];

function conflist(name: string, cniVersion: string, dual: boolean): object {
  return {
    cniVersion,
    name,
    plugins: [
      {
        type: 'hns-cni',
        mode: 'overlay',
        clusterCIDR: dual ? '10.244.0.0/16,fd00:10:244::/56' : '10.244.0.0/16',
        serviceCIDR: dual ? '10.96.0.0/12,fd00:10:96::/112' : '10.96.0.0/12',
        ipam: dual ? { subnet: '10.244.32.0/24', subnet6: 'fd00:10:244:32::/64' } : { subnet: '10.244.31.0/24' },
      },
    ],
  };
}

describe('an overlay pod under Wine', () => {
  it('ADD creates the Overlay network and an endpoint with win-overlay policies; repeated ADD, CHECK, DEL', () => {
    const net = 'wine-vxlan';
    writeConflist(`50-${net}.conflist`, conflist(net, '1.0.0', false));
    const pod: PodRef = { net, containerId: 'pod-overlay-1', netns: createNamespace() };
    const add = podVerb('add', pod);
    expectOk(add);
    const result = add.out.result as CniResult100;
    const podIP = (add.out.podNetwork as { podIP: string }).podIP;
    expect(result.ips).toEqual([{ interface: 0, address: `${podIP}/24`, gateway: '10.244.31.1' }]);
    expect(['10.244.31.1', '10.244.31.2']).not.toContain(podIP); // distributed router, kube-proxy's source VIP

    const network = networkNamed(net)!;
    expect(network.Type).toBe('Overlay');
    expect(network.Policies).toEqual(expect.arrayContaining([{ Type: 'VxlanPort', Settings: { Port: 4789 } }]));
    expect(network.Ipams?.[0]?.Subnets?.[0]?.Policies).toEqual([{ Type: 'VSID', Settings: { IsolationId: 4096 } }]);
    const [ep] = endpointOf(pod.netns);
    expect(ep!.MacAddress?.toUpperCase()).toBe(
      `0E-2A-${podIP
        .split('.')
        .map((o) => Number(o).toString(16).padStart(2, '0').toUpperCase())
        .join('-')}`,
    );
    expect(ep!.Policies).toEqual([
      { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.244.0.0/16', '10.96.0.0/12'] } },
      { Type: 'SDNRoute', Settings: { DestinationPrefix: '10.96.0.0/12', NeedEncap: true } },
      { Type: 'ProviderAddress', Settings: { ProviderAddress: expect.any(String) } },
    ]);

    const again = podVerb('add', pod);
    expectOk(again);
    expect(again.out.result).toEqual(add.out.result);
    expectOk(podVerb('check', pod));
    expectOk(podVerb('del', pod));
    expect(endpointsIn(pod.netns)).toEqual([]);
    expect(allocationsOf(net, pod.containerId)).toEqual([]);
    deleteNamespace(pod.netns);
  });
});

describe('a dual-stack overlay pod under Wine', () => {
  it('both addresses in HNS, in the result and in the store; CHECK; DEL and GC release both', () => {
    const net = 'wine-vxlan-dual';
    writeConflist(`51-${net}.conflist`, conflist(net, '1.0.0', true));
    const v110 = writeConflist(`52-${net}-v110.conflist`, conflist(net, '1.1.0', true));
    const pod: PodRef = { net, containerId: 'pod-dual-1', netns: createNamespace() };
    const add = podVerb('add', pod);
    expectOk(add);
    const [ep] = endpointOf(pod.netns);
    const [v4, v6] = ep!.IpConfigurations!;
    expect(v4).toEqual({ IpAddress: expect.stringMatching(/^10\.244\.32\.\d+$/), PrefixLength: 24 });
    expect(v6).toEqual({ IpAddress: expect.stringMatching(/^fd00:10:244:32::[0-9a-f]+$/), PrefixLength: 64 });
    const result = add.out.result as CniResult100;
    expect(result.ips).toEqual([
      { interface: 0, address: `${v4!.IpAddress}/24`, gateway: '10.244.32.1' },
      { interface: 0, address: `${v6!.IpAddress}/64`, gateway: 'fd00:10:244:32::1' },
    ]);
    expect(ep!.Policies?.filter((p) => p.Type === 'OutBoundNAT')).toEqual([
      { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.244.0.0/16', '10.96.0.0/12'] } },
      { Type: 'OutBoundNAT', Settings: { Exceptions: ['fd00:10:244::/56', 'fd00:10:96::/112'] } },
    ]);
    expect(allocationsOf(net, pod.containerId).sort()).toEqual(
      [`${v4!.IpAddress} eth0`, `${v6!.IpAddress} eth0`].sort(),
    );
    expectOk(podVerb('check', pod));

    // GC with no valid attachment: the pod's endpoint and both addresses go.
    const lost: PodRef = { net, containerId: 'pod-dual-lost', netns: createNamespace() };
    expectOk(podVerb('add', lost));
    expect(allocationsOf(net, lost.containerId)).toHaveLength(2);
    const gc = cnictlExe(['gc', '--conflist', v110, '--valid', `${pod.containerId}:eth0`]);
    expectOk(gc);
    expect(endpointsIn(lost.netns)).toEqual([]);
    expect(allocationsOf(net, lost.containerId)).toEqual([]);
    expect(allocationsOf(net, pod.containerId)).toHaveLength(2);

    expectOk(podVerb('del', pod));
    expect(endpointsIn(pod.netns)).toEqual([]);
    expect(allocationsOf(net, pod.containerId)).toEqual([]);
    deleteNamespace(pod.netns);
    deleteNamespace(lost.netns);
  });
});
