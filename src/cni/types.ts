// The protocol-level shapes every verb handler sees. Results are always built in the 1.x shape (spec 1.1.0);
// cni/ converts them to the request's cniVersion on output.

export type CniVerb = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS' | 'VERSION';

export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}

export interface CniIpConfig {
  address: string; // CIDR
  gateway?: string;
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** A result in the 1.x shape (types/100). */
export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: CniRoute[];
  dns?: CniDns;
}

export interface Attachment {
  containerID: string;
  ifname: string;
}

/** One invocation, after the environment and stdin were read and validated. */
export interface CniRequest {
  verb: CniVerb;
  containerId: string; // '' for GC/STATUS
  netns: string; // an HCN namespace GUID on Windows; '' when absent (DEL may omit it)
  ifName: string; // '' for GC/STATUS
  /** CNI_ARGS as key/value pairs (K8S_POD_NAMESPACE, K8S_POD_NAME, IgnoreUnknown, IP, ...). */
  args: Record<string, string>;
  /** CNI_PATH split on the platform's list separator. */
  path: string[];
  cniVersion: string;
  /** The parsed stdin document, unchanged (delegated IPAM plugins get the exact bytes: see rawConfig). */
  config: Record<string, unknown>;
  rawConfig: Buffer;
}
