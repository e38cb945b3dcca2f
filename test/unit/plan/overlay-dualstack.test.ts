// Overlay (VXLAN) and dual-stack plans beyond the golden documents: the rules that refuse what HNS cannot do (code
// 2), the feature gates taken from the HNS version, win-overlay's policy list against the network HNS reports, and
// the documents that follow hcsshim's and flannel's (VSID per subnet, VxlanPort, the provider address).
import { describe, expect, it } from 'vitest';
import { CNI_CODE, CniError } from '../../../src/cni/errors.js';
import { loadNetConf } from '../../../src/config/load.js';
import type { HostComputeNetwork } from '../../../src/hns/types.js';
import { planAdd } from '../../../src/plan/add.js';
import { networkCompatibility } from '../../../src/plan/network.js';
import type { AddPlan, AddPlanInput, PodAddress } from '../../../src/plan/types.js';
import { minimalConfig } from '../../fixtures/minimal-config.js';
import { GOLDEN_CASES, NETNS } from './golden-cases.js';

const request = { containerId: 'c1', netns: NETNS, ifName: 'eth0' };
const v4: PodAddress = { address: '10.244.3.5/24', gateway: '10.244.3.1' };
const dual: PodAddress = { ...v4, ipv6: { address: 'fd00:10:244:3::5/64', gateway: 'fd00:10:244:3::1' } };
const v6only: PodAddress = { address: 'fd00:10:244:3::5/64', gateway: 'fd00:10:244:3::1' };
const V15 = { Major: 15, Minor: 4 };

function plan(mode: string, allocation: PodAddress | undefined, hns: AddPlanInput['hns'], extra = {}): AddPlan {
  return planAdd({
    config: loadNetConf(minimalConfig(mode, extra)),
    request,
    ...(allocation && { allocation }),
    hns,
  });
}

function refusal(run: () => unknown): CniError {
  try {
    run();
  } catch (e) {
    if (e instanceof CniError) return e;
    throw e;
  }
  throw new Error('expected a CniError');
}

const endpointOf = (p: AddPlan) => p.steps.find((s) => s.kind === 'createEndpoint')!.document;
const networkOf = (p: AddPlan) => p.steps.find((s) => s.kind === 'createNetwork')!.document as HostComputeNetwork;

/** An Overlay network as flanneld makes it, HNS's provider address added; optionally dual-stack. */
function overlayNetwork(dualStack = false): HostComputeNetwork {
  const vsid = [{ Type: 'VSID' as const, Settings: { IsolationId: 4096 } }];
  return {
    ID: '5C2A0E9B-7D41-4C3A-8E6F-1D2C3B4A5960',
    Name: 'k8s-pods',
    Type: 'Overlay',
    Policies: [{ Type: 'ProviderAddress', Settings: { ProviderAddress: '10.0.0.4' } }],
    Ipams: [
      {
        Type: 'Static',
        Subnets: [
          {
            IpAddressPrefix: '10.244.3.0/24',
            Policies: vsid,
            Routes: [{ NextHop: '10.244.3.1', DestinationPrefix: '0.0.0.0/0' }],
          },
          ...(dualStack
            ? [
                {
                  IpAddressPrefix: 'fd00:10:244:3::/64',
                  Policies: vsid,
                  Routes: [{ NextHop: 'fd00:10:244:3::1', DestinationPrefix: '::/0' }],
                },
              ]
            : []),
        ],
      },
    ],
  };
}

describe('overlay documents', () => {
  it('the network as flanneld and hcsshim make it: the VNI on every subnet, the VXLAN port, gateway .1', () => {
    const doc = networkOf(planAdd(GOLDEN_CASES['overlay-minimal']!()));
    expect(doc.Type).toBe('Overlay');
    expect(doc.Policies).toEqual([{ Type: 'VxlanPort', Settings: { Port: 4789 } }]);
    expect(doc.Ipams?.[0]?.Subnets?.[0]).toEqual({
      IpAddressPrefix: '10.244.3.0/24',
      Policies: [{ Type: 'VSID', Settings: { IsolationId: 4096 } }],
      Routes: [{ NextHop: '10.244.3.1', DestinationPrefix: '0.0.0.0/0' }],
    });
  });

  it('on HNS before 10.3 the port cannot be set: left out at 4789, refused (2) when another one is asked', () => {
    const old = { podNetwork: null, hnsVersion: { Major: 10, Minor: 1 } };
    expect(networkOf(plan('overlay', v4, old)).Policies ?? []).toEqual([]);
    const e = refusal(() => plan('overlay', v4, old, { vxlan: { port: 8472 } }));
    expect(e.code).toBe(CNI_CODE.UNSUPPORTED_FIELD);
    expect(e.message).toMatch(/vxlan.port 8472: HNS 10.1 .* needs HNS 10.3/);
  });

  it("pods route through HNS's distributed router (.1) and carry the network's provider address", () => {
    const p = plan('overlay', v4, { podNetwork: overlayNetwork() }, { nodeIP: '10.0.0.99' });
    const ep = endpointOf(p);
    expect(ep.Routes).toEqual([{ NextHop: '10.244.3.1', DestinationPrefix: '0.0.0.0/0' }]);
    expect(ep.MacAddress).toBe('0E-2A-0A-F4-03-05');
    expect(ep.Policies).toContainEqual({ Type: 'ProviderAddress', Settings: { ProviderAddress: '10.0.0.4' } });
    // overlay routes the service CIDR through VFP, not the node's /32 (that is l2bridge's host-endpoint rule)
    expect(ep.Policies?.filter((x) => x.Type === 'SDNRoute')).toEqual([
      { Type: 'SDNRoute', Settings: { DestinationPrefix: '10.96.0.0/12', NeedEncap: true } },
    ]);
  });

  it('an existing network with another VNI is a conflict for a network hns-cni owns', () => {
    const desired = networkOf(plan('overlay', v4, { podNetwork: null, hnsVersion: V15 }, { vxlan: { vni: 5000 } }));
    expect(networkCompatibility(overlayNetwork(), desired)).toEqual([
      'its VXLAN network id (VSID) is 4096, the config says 5000',
    ]);
  });
});

describe('dual-stack', () => {
  it('both addresses, a default route and an OutBoundNAT per family, an SDN route for each service CIDR', () => {
    const p = plan(
      'overlay',
      dual,
      { podNetwork: overlayNetwork(true), hnsVersion: V15 },
      {
        clusterCIDR: '10.244.0.0/16,fd00:10:244::/56',
        serviceCIDR: '10.96.0.0/12,fd00:10:96::/112',
      },
    );
    const ep = endpointOf(p);
    expect(ep.IpConfigurations).toEqual([
      { IpAddress: '10.244.3.5', PrefixLength: 24 },
      { IpAddress: 'fd00:10:244:3::5', PrefixLength: 64 },
    ]);
    expect(ep.Routes).toEqual([
      { NextHop: '10.244.3.1', DestinationPrefix: '0.0.0.0/0' },
      { NextHop: 'fd00:10:244:3::1', DestinationPrefix: '::/0' },
    ]);
    expect(ep.Policies?.filter((x) => x.Type === 'OutBoundNAT')).toEqual([
      { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.244.0.0/16', '10.96.0.0/12'] } },
      { Type: 'OutBoundNAT', Settings: { Exceptions: ['fd00:10:244::/56', 'fd00:10:96::/112'] } },
    ]);
    expect(p.result.ips).toEqual([
      { address: '10.244.3.5/24', gateway: '10.244.3.1', interface: 0 },
      { address: 'fd00:10:244:3::5/64', gateway: 'fd00:10:244:3::1', interface: 0 },
    ]);
  });

  it('HNS before 11.10 (IPv6DualStack) is refused with code 2 naming the version; unknown: sent, with a note', () => {
    const e = refusal(() => plan('l2bridge', dual, { podNetwork: null, hnsVersion: { Major: 10, Minor: 1 } }));
    expect(e.code).toBe(CNI_CODE.UNSUPPORTED_FIELD);
    expect(e.message).toMatch(/HNS 10.1 on this node gives pods no IPv6 address \(IPv6DualStack needs HNS 11.10/);
    const unknown = plan('l2bridge', dual, { podNetwork: null });
    expect(unknown.notes.join('\n')).toMatch(/HNS version is unknown/);
  });

  it('an IPAM that hands out IPv6 in transparent or nat mode is refused with code 2', () => {
    for (const mode of ['transparent', 'nat']) {
      const e = refusal(() => plan(mode, dual, { podNetwork: null, natNetwork: null, hnsVersion: V15 }));
      expect(e.code).toBe(CNI_CODE.UNSUPPORTED_FIELD);
      expect(e.message).toMatch(new RegExp(`${mode} mode cannot carry`));
    }
  });

  it('IPv6-only: an l2bridge pod gets it (MAC from the last four bytes); an overlay pod is refused (2)', () => {
    const p = plan('l2bridge', v6only, { podNetwork: null, hnsVersion: V15 });
    const ep = endpointOf(p);
    expect(ep.IpConfigurations).toEqual([{ IpAddress: 'fd00:10:244:3::5', PrefixLength: 64 }]);
    expect(ep.Routes).toEqual([{ NextHop: 'fd00:10:244:3::2', DestinationPrefix: '::/0' }]);
    expect(ep.MacAddress).toBe('0E-2A-00-00-00-05');
    expect(p.result.ips).toEqual([{ address: 'fd00:10:244:3::5/64', gateway: 'fd00:10:244:3::2', interface: 0 }]);
    expect(p.result.routes).toEqual([{ dst: '::/0', gw: 'fd00:10:244:3::2' }]);
    const e = refusal(() => plan('overlay', v6only, { podNetwork: null, hnsVersion: V15 }));
    expect(e.code).toBe(CNI_CODE.UNSUPPORTED_FIELD);
    expect(e.message).toMatch(/IPv6-only pods are not possible in overlay mode/);
  });

  it('HNS assigns both families on a dual-stack network: no addresses in the document, a ::/0 route planned', () => {
    const config = loadNetConf({ cniVersion: '1.0.0', name: 'k8s-pods', type: 'hns-cni', mode: 'overlay' });
    const p = planAdd({ config, request, hns: { podNetwork: overlayNetwork(true), hnsVersion: V15 } });
    const ep = endpointOf(p);
    expect(ep.IpConfigurations).toBeUndefined();
    expect(ep.Routes).toEqual([
      { NextHop: '10.244.3.1', DestinationPrefix: '0.0.0.0/0' },
      { NextHop: 'fd00:10:244:3::1', DestinationPrefix: '::/0' },
    ]);
  });
});

describe("win-overlay's policy list against the network HNS reports (win-overlay_windows.go)", () => {
  const base = {
    cniVersion: '0.3.1',
    name: 'k8s-pods',
    type: 'win-overlay',
    ipMasq: true,
    loopbackDSR: true,
    ipam: { type: 'host-local', subnet: '10.244.3.0/24' },
    policies: [{ name: 'EndpointPolicy', value: { Type: 'OutBoundNAT', ExceptionList: ['10.96.0.0/12'] } }],
  };
  const run = (apiVersion?: number) =>
    endpointOf(
      planAdd({
        config: loadNetConf({ ...base, ...(apiVersion !== undefined && { apiVersion }) }),
        request,
        allocation: v4,
        hns: { podNetwork: overlayNetwork(), hnsVersion: V15 },
      }),
    ).Policies;
  const config = { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.96.0.0/12'] } };
  const paPolicy = { Type: 'ProviderAddress', Settings: { ProviderAddress: '10.0.0.4' } };
  const ipMasq = { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.244.3.0/24'] } };
  const dsr = { Type: 'OutBoundNAT', Settings: { Destinations: ['10.244.3.5'] } };

  it('ApiVersion 2: DSR while it builds the endpoint, then the network PA and the subnet exception', () => {
    expect(run(2)).toEqual([config, dsr, paPolicy, ipMasq]);
  });

  it('ApiVersion 1 (or none): PA and the subnet exception, DSR last', () => {
    expect(run()).toEqual([config, paPolicy, ipMasq, dsr]);
  });

  it("the gateway is the network's, whatever the IPAM reports; the MAC takes endpointMacPrefix", () => {
    const p = planAdd({
      config: loadNetConf({ ...base, endpointMacPrefix: '0e-2b' }),
      request,
      allocation: { address: '10.244.3.5/24', gateway: '10.244.3.254' },
      hns: { podNetwork: overlayNetwork(), hnsVersion: V15 },
    });
    expect(endpointOf(p).Routes?.[0]?.NextHop).toBe('10.244.3.1');
    expect(endpointOf(p).MacAddress).toBe('0E-2B-0A-F4-03-05');
  });
});
