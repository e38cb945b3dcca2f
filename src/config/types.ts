// The loaded configuration: every default applied, every value validated. This is what plugin/ and plan/ see;
// nothing downstream re-reads the raw stdin document for settings.
import type { RuntimeConfig } from '../cni/runtime-config.js';
import type { Attachment } from '../cni/types.js';
import type { EndpointPolicy } from '../hns/types.js';
import type { IpamConfig } from '../ipam/config.js';
import type { HostNetworkDetection, HostNetworkMode, NetworkMode } from './schema.js';

export type { HostNetworkDetection, HostNetworkMode, NetworkMode };
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface StaticRoute {
  dst: string;
  /** Absent: the mode's pod gateway. */
  gw?: string;
}

export interface DnsSettings {
  nameservers: string[];
  domain?: string;
  search: string[];
  options: string[];
}

export interface NatNetworkSettings {
  name: string;
  subnet: string;
  /** The subnet's first address: WinNAT's host-side address and the NAT endpoint's next hop. */
  gateway: string;
  /** "auto" when hns-cni chose the subnet: an existing NAT network with another subnet is then fine. */
  subnetSource: 'config' | 'auto';
}

export interface HostNetworkSettings {
  mode: HostNetworkMode;
  dnsServers: string[];
  reservedPorts: number[];
  nodePortRange: { min: number; max: number };
  /** "auto": the API when a kubeconfig is available at ADD time, else the annotation alone. */
  detect: HostNetworkDetection | 'auto';
  kubeconfig?: string;
  apiTimeoutMs: number;
  checkPortsInUse: boolean;
}

export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  mode: NetworkMode;
  /** HNS network name (KUBE_NETWORK). */
  network: string;
  clusterCIDR?: string;
  serviceCIDR?: string;
  adapter?: string;
  nodeIP?: string;
  nodeSubnet?: string;
  /** Explicit pod gateway; absent = the mode's rule (plan/gateway.ts). */
  gateway?: string;
  /** Transparent mode's outbound network; in nat mode its subnet is used when no IPAM gives one. */
  natNetwork: NatNetworkSettings;
  outboundNAT: { enabled: boolean; exceptions: string[] };
  loopbackDSR: boolean;
  routes: StaticRoute[];
  dns: DnsSettings;
  hostNetwork: HostNetworkSettings;
  /** Endpoint policies from win-bridge `policies` / `HcnPolicyArgs`, translated to typed HCN v2 form. */
  policies: EndpointPolicy[];
  capabilities: Record<string, boolean>;
  /** Capability arguments with canonical key spelling (cni/runtime-config.ts). */
  runtimeConfig: RuntimeConfig;
  /** Absent: HNS assigns the address (nat and l2bridge only). */
  ipam?: IpamConfig;
  timeouts: { hnsCallMs: number };
  log: { file?: string; level: LogLevel };
  validAttachments?: Attachment[];
  prevResult?: Record<string, unknown>;
  /** What the win-bridge compatibility layer saw, for `hns-cni plan` and the logs. */
  compat: { apiVersion?: 1 | 2; ipMasq?: boolean; ipMasqNetwork?: string };
}
