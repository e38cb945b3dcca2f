// The pod subnet of this node for one network, found the way ADD finds it: the built-in IPAM's pool (its subnet
// source: the config, the Node's spec.podCIDR, flannel's subnet.env), a delegated IPAM's configured subnet
// (host-local's `subnet` or first range), or, in nat mode without IPAM, the NAT subnet. Undefined when nothing
// names one (an l2bridge network whose addresses HNS assigns must already exist).
import { canonicalCidr } from '../config/address.js';
import type { NetConf } from '../config/types.js';
import { type BuiltinIpamConfig, isDelegatedIpam } from '../ipam/config.js';
import { openIpam } from '../ipam/ipam.js';
import type { PodSubnetFacts } from '../plan/node-networks.js';

function delegatedSubnet(ipam: Record<string, unknown>): PodSubnetFacts | undefined {
  const ranges = ipam.ranges as { subnet?: unknown; gateway?: unknown }[][] | undefined;
  const first = Array.isArray(ranges) && Array.isArray(ranges[0]) ? ranges[0][0] : undefined;
  const subnet = typeof ipam.subnet === 'string' ? ipam.subnet : first?.subnet;
  if (typeof subnet !== 'string' || subnet.includes(':')) return undefined;
  const gateway = typeof ipam.gateway === 'string' ? ipam.gateway : first?.gateway;
  return { subnet: canonicalCidr(subnet), ...(typeof gateway === 'string' && { gateway }) };
}

export async function podSubnetFacts(conf: NetConf): Promise<PodSubnetFacts | undefined> {
  const ipam = conf.ipam;
  if (ipam === undefined) return conf.mode === 'nat' ? { subnet: conf.natNetwork.subnet } : undefined;
  if (isDelegatedIpam(ipam)) return delegatedSubnet(ipam);
  const opened = await openIpam(ipam as BuiltinIpamConfig, {
    network: conf.network,
    hostEndpoint: conf.mode === 'l2bridge',
  });
  const pool = opened.pools.find((p) => p.family === 4);
  return pool === undefined ? undefined : { subnet: pool.subnet, gateway: pool.gateway };
}
