// The loaded configuration: every default applied, every value validated. This is what plugin/ and plan/ see;
// nothing downstream re-reads the raw stdin document for settings.
import type { RuntimeConfig } from '../cni/runtime-config.js';
import type { Attachment } from '../cni/types.js';
import type { EndpointPolicy, NetworkType } from '../hns/types.js';
import type { IpamConfig } from '../ipam/config.js';
import type { Family, FamilySource } from './family.js';
import type { GatewayFrom, HostNetworkDetection, HostNetworkMode, NetworkMode, NetworkOwner } from './schema.js';

export type { Family, GatewayFrom, HostNetworkDetection, HostNetworkMode, NetworkMode, NetworkOwner };
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

export interface VxlanSettings {
  vni: number;
  port: number;
  drMac?: string;
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
  /** IPv4 values; the `*6` ones are the IPv6 half of a dual-stack cluster ("v4,v6" in the config). */
  clusterCIDR?: string;
  clusterCIDR6?: string;
  serviceCIDR?: string;
  serviceCIDR6?: string;
  adapter?: string;
  nodeIP?: string;
  nodeIP6?: string;
  nodeSubnet?: string;
  nodeSubnet6?: string;
  /** Explicit pod gateway; absent = the mode's rule (plan/gateway.ts). */
  gateway?: string;
  /** Explicit IPv6 pod gateway (WCN's `additionalRoutes` ::/0); absent = the mode's rule. */
  gateway6?: string;
  /** Transparent mode's outbound network; in nat mode its subnet is used when no IPAM gives one. */
  natNetwork: NatNetworkSettings;
  outboundNAT: { enabled: boolean; exceptions: string[]; podSubnet: boolean };
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

  // ---- the rules of the plugin the config came from (family.ts; docs/config.md "Moving from ...") ----
  /** hns-cni's own rules, or those of the anchor plugin the config was written for. */
  family: Family;
  familySource: FamilySource;
  /** Why that family (the executable's name, the `type`, or the field that gave the config away). */
  familyReason: string;
  /** Who creates the HNS network: hns-cni (when missing), or another component (a missing one is code 11). */
  networkOwner: NetworkOwner;
  /** Types an existing network may have to be used (the mode's own type for native configs). */
  acceptedNetworkTypes: NetworkType[];
  /** Subnet and gateway hns-cni gives the network it creates when no IPAM allocation says (WCN `ipam.subnet`). */
  networkIpam?: { subnet: string; gateway: string };
  /** Where the pods' gateway comes from when `gateway` is not set (plan/gateway.ts). */
  gatewayFrom: GatewayFrom;
  /** The same for the IPv6 gateway (the anchors take it from the address source whatever their IPv4 rule). */
  gatewayFrom6: GatewayFrom;
  /** Overlay: the VXLAN settings of a network hns-cni creates. */
  vxlan: VxlanSettings;
  /** Overlay: kube-proxy's source VIP, kept out of the built-in IPAM's pool (default: the pod subnet's .2). */
  sourceVip?: string | false;
  /** First two octets of the endpoint MAC (`xx-xx` + the IPv4 address): win-overlay's `endpointMacPrefix`. */
  macPrefix: string;
  /** The endpoint's policy list: hns-cni's generated set, or exactly the anchor's list in the anchor's order. */
  policyLayout: 'generated' | 'win-bridge' | 'win-overlay' | 'wcn';
  /** PortMapping extras: NatFlags LocalRoutedVip, and an inbound allow ACL per mapped port (WCN optionalFlags). */
  portMapping: { localRoutedVip: boolean; inboundAcl: boolean };
  /** WCN writes the pod namespace in front of the first search domain; win-bridge ignores runtime DNS options. */
  dnsRules: { namespaceSearch: boolean; runtimeOptions: boolean };
  /** Ignored fields and deliberate differences from the anchor: logged once per invocation, printed by migrate. */
  notes: ConfigNote[];
}

export interface ConfigNote {
  level: 'warn' | 'info' | 'debug';
  /** The JSON path the note is about, when there is one. */
  path?: string;
  text: string;
}
