// The plan: what an ADD (or DEL) must do to HNS, as data. plugin/ executes the steps in order through HcnClient
// and, on failure, runs `undoStep` of every completed step in reverse (and of the failing one: every inverse
// tolerates not-found). `hns-cni plan` prints the same steps. Nothing here performs I/O.

import type { CniResult } from '../cni/types.js';
import type { NetConf } from '../config/types.js';
import type { HnsVersion, HostComputeEndpoint, HostComputeNetwork, ModifyNamespaceRequest } from '../hns/types.js';

/** The pod network (named `config.network`, KUBE_NETWORK) or transparent mode's outbound NAT network. */
export type NetworkRole = 'pod' | 'nat';
export type EndpointRole = 'pod' | 'nat';

/** What the IPAM handed out. Absent when HNS assigns the address (nat/l2bridge/overlay without `ipam`). */
export interface PodAddress {
  /**
   * CIDR form: "10.244.3.5/24" (the prefix length is the pod subnet's). The IPv4 address; for an IPv6-only pod
   * the IPv6 one.
   */
  address: string;
  /** The gateway the IPAM reports (host-local and the built-in IPAM: the subnet's .1). */
  gateway?: string;
  /** A dual-stack pod's IPv6 address ("fd00:10:244:3::5/64") and the gateway the IPAM reports for it. */
  ipv6?: { address: string; gateway?: string };
}

export interface PlanRequest {
  containerId: string;
  /** CNI_NETNS: the HCN namespace GUID; '' on a DEL after the namespace is gone. */
  netns: string;
  ifName: string;
  /** CNI_ARGS K8S_POD_NAMESPACE, when the runtime sends it (WCN's DNS rule uses it). */
  podNamespace?: string;
}

/** The read-only lookups the executor made before planning. */
export interface HnsView {
  /** The network named `config.network`; null when HNS has none by that name. */
  podNetwork: HostComputeNetwork | null;
  /** Transparent mode: the network named `config.natNetwork.name`; null when missing. Ignored in other modes. */
  natNetwork?: HostComputeNetwork | null;
  /**
   * The HNS version, when the plan depends on it: loopback DSR, a pod with an IPv6 address (IPv6DualStack), an
   * Overlay network to create (VxlanPort). Absent: unknown (a query that failed), and the plan says so.
   */
  hnsVersion?: HnsVersion;
  /** True when HNS was seen to drop an endpoint's non-default routes on the pod network (issue 10 F2). */
  podNetworkDropsRoutes?: boolean;
}

export interface AddPlanInput {
  config: NetConf;
  request: PlanRequest;
  allocation?: PodAddress;
  hns: HnsView;
  /** What the executor learned about a host-network pod (plan/host-network.ts); absent: the annotation alone. */
  hostNetwork?: HostNetworkFacts;
}

/** Facts about the pod and the node that only I/O can give (the API server, IP Helper's socket tables). */
export interface HostNetworkFacts {
  /** The API server says spec.hostNetwork is true (undefined: not asked, or no answer in time). */
  apiSaysHostNetwork?: boolean;
  /** Sockets bound on the node now, for host ports: the TCP listeners and UDP sockets with their owning process. */
  portsInUse?: { protocol: 'tcp' | 'udp'; address: string; port: number; pid: number }[];
}

export interface CreateNetworkStep {
  kind: 'createNetwork';
  role: NetworkRole;
  name: string;
  /** Caller-chosen GUID (identity.ts networkIdFor). */
  id: string;
  document: HostComputeNetwork;
  /** Transparent/L2Bridge bind an external vSwitch: the node's connectivity blips for a few seconds. */
  disruptive: boolean;
}

export interface CreateEndpointStep {
  kind: 'createEndpoint';
  role: EndpointRole;
  name: string;
  id: string;
  networkId: string;
  document: HostComputeEndpoint;
}

export interface AttachEndpointsStep {
  kind: 'attachEndpoints';
  namespaceId: string;
  /** One HcnModifyNamespace request per endpoint (E13), pod endpoint first. */
  requests: ModifyNamespaceRequest[];
}

export type AddStep = CreateNetworkStep | CreateEndpointStep | AttachEndpointsStep;

export interface DetachEndpointsStep {
  kind: 'detachEndpoints';
  namespaceId: string;
  requests: ModifyNamespaceRequest[];
}

export interface DeleteEndpointStep {
  kind: 'deleteEndpoint';
  role: EndpointRole;
  name: string;
  id: string;
}

export type UndoStep = DetachEndpointsStep | DeleteEndpointStep;

/** An endpoint the plan creates, with what the result and CHECK need to know about it. */
export interface PlannedEndpoint {
  role: EndpointRole;
  name: string;
  id: string;
  networkName: string;
  networkId: string;
  /** HNS form, e.g. "0E-2A-0A-F4-03-05". */
  mac: string;
  /** The result's interface name. */
  ifName: string;
  /** CIDR form; absent when HNS assigns it. */
  address?: string;
  gateway?: string;
  /** A dual-stack pod's IPv6 address (CIDR form) and gateway. */
  address6?: string;
  gateway6?: string;
}

export interface AddPlan {
  mode: NetConf['mode'];
  steps: AddStep[];
  endpoints: PlannedEndpoint[];
  /**
   * The result to return. When the pod address is HNS-assigned (`podAddressFromHns`), `ips` is empty until
   * completeResult() fills it from the created endpoint.
   */
  result: CniResult;
  podAddressFromHns: boolean;
  /** Decisions worth a log line or a line of `hns-cni plan` output (skipped DSR, host-network rules, ...). */
  notes: string[];
}

export interface DelPlan {
  steps: UndoStep[];
}
