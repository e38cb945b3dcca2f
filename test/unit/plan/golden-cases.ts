// The inputs of the golden plans: for each mode the minimal config and a full config. The expected plans
// live in test/fixtures/plan/<case>.json, reviewed by hand against hns-api.md §9 (E1, E3, E9-E13) and
// cni-contract.md §D; golden.test.ts compares them exactly.
import { loadNetConf } from '../../../src/config/load.js';
import type { AddPlanInput } from '../../../src/plan/types.js';
import { minimalConfig } from '../../fixtures/minimal-config.js';

export const NETNS = '2a5a8d11-7d97-4c2e-9a55-0c8d7e6b9a10';
export const CONTAINER_ID = '4f5c2a0e9b7d41c3a8e6f1d2c3b4a596';

const minimal = (mode: string) => minimalConfig(mode);

/** What containerd sends: go-cni's structs have no JSON tags, so the keys are PascalCase. */
const containerdRuntimeConfig = {
  dns: {
    Servers: ['10.96.0.10'],
    Searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
    Options: ['ndots:5'],
  },
  portMappings: [{ HostPort: 8080, ContainerPort: 80, Protocol: 'tcp', HostIP: '' }],
};

const request = { containerId: CONTAINER_ID, netns: NETNS, ifName: 'eth0' };
const allocation = { address: '10.244.3.5/24', gateway: '10.244.3.1' };

/** A network flanneld's vxlan backend created (VSID 4096, gateway .1, the provider address HNS added). */
const flannelVxlan = {
  ID: '5C2A0E9B-7D41-4C3A-8E6F-1D2C3B4A5960',
  Name: 'flannel.4096',
  Type: 'Overlay' as const,
  Policies: [
    { Type: 'ProviderAddress' as const, Settings: { ProviderAddress: '10.0.0.4' } },
    { Type: 'DrMacAddress' as const, Settings: { Address: '00-15-5D-DF-00-01' } },
  ],
  Ipams: [
    {
      Type: 'Static' as const,
      Subnets: [
        {
          IpAddressPrefix: '10.244.3.0/24',
          Policies: [{ Type: 'VSID' as const, Settings: { IsolationId: 4096 } }],
          Routes: [{ NextHop: '10.244.3.1', DestinationPrefix: '0.0.0.0/0' }],
        },
      ],
    },
  ],
};

/** A dual-stack pod's addresses, as the built-in IPAM hands them out (node podCIDRs 10.244.3.0/24, fd00:10:244:3::/64). */
const dualAllocation = {
  address: '10.244.3.5/24',
  gateway: '10.244.3.1',
  ipv6: { address: 'fd00:10:244:3::5/64', gateway: 'fd00:10:244:3::1' },
};

/** A network flannel host-gw created (random GUID, upper case as HNS reports it, gateway .1). */
const flannelCbr0 = {
  ID: '7198D0AB-9758-4C83-8CED-311F4DD0CF9C',
  Name: 'cbr0',
  Type: 'L2Bridge' as const,
  Ipams: [
    {
      Type: 'Static' as const,
      Subnets: [
        { IpAddressPrefix: '10.244.3.0/24', Routes: [{ NextHop: '10.244.3.1', DestinationPrefix: '0.0.0.0/0' }] },
      ],
    },
  ],
};

export const GOLDEN_CASES: Record<string, () => AddPlanInput> = {
  'transparent-minimal': () => ({
    config: loadNetConf(minimal('transparent')),
    request,
    allocation,
    hns: { podNetwork: null, natNetwork: null },
  }),
  'nat-minimal': () => ({ config: loadNetConf(minimal('nat')), request, allocation, hns: { podNetwork: null } }),
  'l2bridge-minimal': () => ({
    config: loadNetConf(minimal('l2bridge')),
    request,
    allocation,
    hns: { podNetwork: null },
  }),
  'transparent-full': () => ({
    config: loadNetConf({
      ...minimal('transparent'),
      network: 'kube-transparent',
      adapter: 'Ethernet 2',
      nodeIP: '10.137.198.27',
      nodeSubnet: '10.137.196.0/23',
      natNetwork: { name: 'kube-outbound', subnet: '192.168.208.0/20' },
      routes: [{ dst: '10.50.0.0/16' }, { dst: '172.30.0.0/16', gw: '10.244.3.254' }],
      dns: { nameservers: ['10.96.0.10'], domain: 'cluster.local', search: ['svc.cluster.local'] },
      runtimeConfig: containerdRuntimeConfig,
    }),
    request,
    allocation,
    hns: { podNetwork: null, natNetwork: null },
  }),
  'nat-full': () => ({
    // No IPAM: HNS assigns the address from the NAT network's subnet.
    config: loadNetConf({
      cniVersion: '1.0.0',
      name: 'dev-nat',
      type: 'hns-cni',
      mode: 'nat',
      natNetwork: { subnet: '192.168.100.0/24' },
      routes: [{ dst: '10.50.0.0/16' }],
      runtimeConfig: containerdRuntimeConfig,
    }),
    request,
    hns: { podNetwork: null },
  }),
  'l2bridge-full': () => ({
    // flannel host-gw's delegate config, moved from win-bridge by changing `type`, on flannel's existing cbr0.
    config: loadNetConf({
      cniVersion: '0.3.1',
      name: 'cbr0',
      type: 'hns-cni',
      apiVersion: 2,
      ipMasq: true,
      ipMasqNetwork: '10.244.0.0/16',
      serviceCIDR: '10.96.0.0/12',
      nodeIP: '10.137.198.27',
      nodeSubnet: '10.137.196.0/23',
      adapter: 'Ethernet',
      loopbackDSR: true,
      ipam: { type: 'host-local', subnet: '10.244.3.0/24' },
      dns: { nameservers: ['10.96.0.10'], search: ['svc.cluster.local'] },
      policies: [
        { name: 'EndpointPolicy', value: { Type: 'OutBoundNAT', ExceptionList: ['192.168.0.0/16', '10.96.0.0/12'] } },
        { name: 'EndpointPolicy', value: { Type: 'ROUTE', DestinationPrefix: '10.96.0.0/12', NeedEncap: true } },
        {
          name: 'EndpointPolicy',
          value: { Type: 'ACL', Settings: { Action: 'Allow', Direction: 'In', Protocols: '6', Priority: 200 } },
        },
      ],
      runtimeConfig: containerdRuntimeConfig,
    }),
    request,
    allocation,
    hns: { podNetwork: flannelCbr0, hnsVersion: { Major: 13, Minor: 1 } },
  }),
  // hns-cni creates the Overlay network itself (no flanneld): the version is known because it is about to.
  'overlay-minimal': () => ({
    config: loadNetConf(minimal('overlay')),
    request,
    allocation,
    hns: { podNetwork: null, hnsVersion: { Major: 15, Minor: 4 } },
  }),
  // The same pod once the network exists (HNS added the provider address and a DR MAC).
  'overlay-existing': () => ({
    config: loadNetConf({ ...minimal('overlay'), network: 'flannel.4096', runtimeConfig: containerdRuntimeConfig }),
    request,
    allocation,
    hns: { podNetwork: flannelVxlan },
  }),
  // Dual-stack overlay with everything: its own VNI, port and DR MAC, loopback DSR, the node's addresses.
  'overlay-full': () => ({
    config: loadNetConf({
      ...minimal('overlay'),
      network: 'vxlan0',
      clusterCIDR: '10.244.0.0/16,fd00:10:244::/56',
      serviceCIDR: '10.96.0.0/12,fd00:10:96::/112',
      nodeIP: '10.0.0.4,fd00::4',
      nodeSubnet: '10.0.0.0/24,fd00::/64',
      adapter: 'Ethernet',
      vxlan: { vni: 4097, port: 4790, drMac: '0e:2a:00:00:00:01' },
      loopbackDSR: true,
      ipam: { subnet: '10.244.3.0/24', subnet6: 'fd00:10:244:3::/64' },
      runtimeConfig: containerdRuntimeConfig,
    }),
    request,
    allocation: dualAllocation,
    hns: { podNetwork: null, hnsVersion: { Major: 15, Minor: 4 } },
  }),
  'l2bridge-dualstack': () => ({
    config: loadNetConf({
      ...minimal('l2bridge'),
      clusterCIDR: '10.244.0.0/16,fd00:10:244::/56',
      serviceCIDR: '10.96.0.0/12,fd00:10:96::/112',
      nodeIP: '10.0.0.4,fd00::4',
      ipam: { subnetFrom: 'node' },
      runtimeConfig: containerdRuntimeConfig,
    }),
    request,
    allocation: dualAllocation,
    hns: { podNetwork: null, hnsVersion: { Major: 13, Minor: 1 } },
  }),
};
