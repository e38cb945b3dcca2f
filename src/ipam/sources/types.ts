// What a subnet source tells the IPAM: the node's pod subnets (IPv4 always, IPv6 for dual-stack) and, when the
// source knows it, the cluster-wide pod CIDR (flannel's FLANNEL_NETWORK), which the plugin may use as the default
// clusterCIDR for its OutBoundNAT exceptions.
import type { Cidr } from '../cidr.js';

export interface NodeSubnets {
  v4: Cidr;
  v6?: Cidr;
  clusterCidr?: string;
  clusterCidr6?: string;
  /** Where the subnet came from, for logs and the operator command ("config", "node n1 rv 1234", a file path). */
  origin: string;
}
