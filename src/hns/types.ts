// The HNS v2 (HCN) JSON schema, as far as a CNI plugin uses it (reference: hns-api.md §3-§5, §9).
// Field names are HNS's own (PascalCase). Outputs omit empty members, so almost everything is optional; readers
// default what HNS leaves out (networkType() for the NAT-has-no-Type rule).

export interface SchemaVersion {
  Major: number;
  Minor: number;
}

export const SCHEMA_V2: SchemaVersion = { Major: 2, Minor: 0 };

export interface Route {
  NextHop?: string;
  DestinationPrefix?: string;
  Metric?: number;
}

export interface Dns {
  Domain?: string;
  Search?: string[];
  ServerList?: string[];
  Options?: string[];
}

export interface Policy<T extends string = string, S = Record<string, unknown>> {
  Type: T;
  Settings?: S;
}

// ---- network ------------------------------------------------------------------------------------------------

export type NetworkType =
  | 'NAT'
  | 'ICS'
  | 'Transparent'
  | 'L2Bridge'
  | 'L2Tunnel'
  | 'Overlay'
  | 'Private'
  | 'Internal'
  | 'Mirrored'
  | 'Infiniband'
  | 'ConstrainedICS';

export const NETWORK_TYPES: readonly NetworkType[] = [
  'NAT',
  'ICS',
  'Transparent',
  'L2Bridge',
  'L2Tunnel',
  'Overlay',
  'Private',
  'Internal',
  'Mirrored',
  'Infiniband',
  'ConstrainedICS',
];

export interface NetAdapterNamePolicy extends Policy<'NetAdapterName', { NetworkAdapterName: string }> {}
export interface ProviderAddressPolicy extends Policy<'ProviderAddress', { ProviderAddress: string }> {}
export interface DrMacAddressPolicy extends Policy<'DrMacAddress', { Address: string }> {}
export interface RemoteSubnetRoutePolicy
  extends Policy<
    'RemoteSubnetRoute',
    { DestinationPrefix: string; IsolationId: number; ProviderAddress: string; DistributedRouterMacAddress: string }
  > {}
export interface VxlanPortPolicy extends Policy<'VxlanPort', { Port: number }> {}
export interface HostRoutePolicy extends Policy<'HostRoute', Record<string, never>> {}
export interface AutomaticDnsPolicy extends Policy<'AutomaticDNS', { Enable: boolean }> {}

export type NetworkPolicy =
  | NetAdapterNamePolicy
  | ProviderAddressPolicy
  | DrMacAddressPolicy
  | RemoteSubnetRoutePolicy
  | VxlanPortPolicy
  | HostRoutePolicy
  | AutomaticDnsPolicy
  | Policy; // anything else HNS reports, kept as is

export interface SubnetPolicy extends Policy<'VLAN' | 'VSID', { IsolationId: number }> {}

export interface IpSubnet {
  ID?: string;
  IpAddressPrefix?: string;
  Flags?: number;
}

export interface Subnet {
  ID?: string;
  IpAddressPrefix?: string;
  Policies?: SubnetPolicy[];
  Routes?: Route[];
  IpSubnets?: IpSubnet[];
  Flags?: number; // SubnetFlags: DoNotReserveGatewayAddress = 1
}

export interface Ipam {
  Type?: 'Static' | 'Dhcp';
  Subnets?: Subnet[];
}

export interface MacRange {
  StartMacAddress: string;
  EndMacAddress: string;
}

export interface MacPool {
  Ranges?: MacRange[];
}

/** NetworkFlags bit values (hns-api.md §3.2). */
export const NETWORK_FLAGS = {
  None: 0,
  EnableDns: 1,
  EnableDhcp: 2,
  EnableMirroring: 4,
  EnableNonPersistent: 8,
  EnablePersistent: 16,
  IsolateVSwitch: 32,
} as const;

interface Base {
  ID?: string;
  Name?: string;
  Owner?: string;
  Version?: number;
  AdditionalParams?: Record<string, unknown>;
  Health?: Record<string, unknown>;
  SchemaVersion?: SchemaVersion;
  State?: number;
}

export interface HostComputeNetwork extends Base {
  Type?: NetworkType; // absent in output for NAT
  Policies?: NetworkPolicy[];
  MacPool?: MacPool;
  Dns?: Dns;
  Ipams?: Ipam[];
  Flags?: number;
}

/** HNS omits Type for NAT networks (hns-api.md §3). */
export function networkType(n: HostComputeNetwork): NetworkType {
  return n.Type ?? 'NAT';
}

// ---- endpoint -----------------------------------------------------------------------------------------------

export interface PortMappingSettings {
  Protocol: number | string; // 6 TCP, 17 UDP (hcsshim sends numbers)
  InternalPort: number;
  ExternalPort: number;
  VIP?: string;
  Flags?: number; // NatFlags: LocalRoutedVip 1, IPv6 2, ExternalPortReserved 4
}

export interface OutBoundNatSettings {
  VirtualIP?: string;
  Exceptions?: string[];
  Destinations?: string[];
  Flags?: number;
  MaxPortPoolUsage?: number;
}

export interface SdnRouteSettings {
  DestinationPrefix: string;
  NextHop?: string;
  NeedEncap?: boolean;
  AutomaticEndpointMonitor?: boolean;
}

export interface AclSettings {
  Id?: string;
  Protocols?: string;
  Action: 'Allow' | 'Block' | 'Pass';
  Direction: 'In' | 'Out';
  LocalAddresses?: string;
  RemoteAddresses?: string;
  LocalPorts?: string;
  RemotePorts?: string;
  RuleType?: 'Host' | 'Switch';
  Priority?: number;
}

export type PortMappingPolicy = Policy<'PortMapping', PortMappingSettings>;
export type OutBoundNatPolicy = Policy<'OutBoundNAT', OutBoundNatSettings>;
export type SdnRoutePolicy = Policy<'SDNRoute', SdnRouteSettings>;
export type AclPolicy = Policy<'ACL', AclSettings>;
export type EndpointProviderAddressPolicy = Policy<'ProviderAddress', { ProviderAddress: string }>;
export type EncapOverheadPolicy = Policy<'EncapOverhead', { Overhead: number }>;
export type InterfaceParametersPolicy = Policy<'InterfaceParameters', { Mtu: number }>;

/**
 * Every v2 endpoint policy type (hns-api.md §4.2), canonically spelled, in the schema's order: HNS accepts the
 * numeric index too (PortName = 9 is confirmed by WSL; later positions follow the list, UNCONFIRMED).
 */
export const ENDPOINT_POLICY_TYPES = [
  'PortMapping',
  'ACL',
  'QOS',
  'L2Driver',
  'OutBoundNAT',
  'SDNRoute',
  'L4Proxy',
  'L4WFPPROXY',
  'ProviderAddress',
  'PortName',
  'EncapOverhead',
  'InterfaceConstraint',
  'Encryption',
  'VLAN',
  'InterfaceParameters',
  'Iov',
  'TierAcl',
  'Firewall',
] as const;

export type EndpointPolicy =
  | PortMappingPolicy
  | OutBoundNatPolicy
  | SdnRoutePolicy
  | AclPolicy
  | EndpointProviderAddressPolicy
  | EncapOverheadPolicy
  | InterfaceParametersPolicy
  | Policy;

export interface IpConfiguration {
  IpAddress: string;
  PrefixLength?: number;
  IpSubnetId?: string;
}

/** EndpointFlags bit values (hns-api.md §3.3). */
export const ENDPOINT_FLAGS = {
  None: 0,
  RemoteEndpoint: 1,
  DisableInterComputeCommunication: 2,
  EnableMirroring: 4,
  EnableLowInterfaceMetric: 8,
  OverrideDNSServerOrder: 16,
  EnableDhcp: 32,
} as const;

export interface HostComputeEndpoint extends Base {
  HostComputeNetwork?: string;
  /** Read-only: set by HNS when the endpoint is attached to a namespace. Never send it. */
  HostComputeNamespace?: string;
  Policies?: EndpointPolicy[];
  IpConfigurations?: IpConfiguration[];
  Dns?: Dns;
  Routes?: Route[];
  MacAddress?: string;
  Flags?: number;
}

// ---- namespace ----------------------------------------------------------------------------------------------

export type NamespaceType = 'Host' | 'HostDefault' | 'Guest' | 'GuestDefault';

export interface NamespaceResource {
  Type: 'Container' | 'Endpoint';
  Data: { ID?: string; Id?: string; [k: string]: unknown };
}

export interface HostComputeNamespace extends Base {
  NamespaceId?: number;
  NamespaceGuid?: string;
  Type?: NamespaceType;
  Resources?: NamespaceResource[];
}

// ---- modify requests (§5) -----------------------------------------------------------------------------------

export type ModifyRequestType = 'Add' | 'Remove' | 'Update' | 'Refresh' | 'Reset';

export interface ModifyNamespaceRequest {
  ResourceType: 'Endpoint' | 'Container';
  RequestType: ModifyRequestType;
  Settings: { EndpointId: string } | { ContainerId: string };
}

export interface ModifyEndpointRequest {
  ResourceType: 'Policy' | 'Port';
  RequestType: ModifyRequestType;
  Settings: { Policies: EndpointPolicy[] } | Record<string, unknown>;
}

export interface ModifyNetworkRequest {
  ResourceType: 'Policy' | 'DNS' | 'Extension' | 'Subnet' | 'IPSubnet';
  RequestType: ModifyRequestType;
  Settings: Record<string, unknown>;
}

// ---- queries (§1.5) -----------------------------------------------------------------------------------------

/** Filter keys are HNS's internal (v1) property names: ID, Name, VirtualNetwork, VirtualNetworkName, Flags. */
export type HcnFilter = Record<string, string | number | boolean>;

export interface HostComputeQuery {
  SchemaVersion: SchemaVersion;
  Flags?: number;
  /** A JSON object serialised as a string (double-encoded), as HNS expects. */
  Filter?: string;
}

export function queryFor(filter?: HcnFilter): HostComputeQuery {
  const q: HostComputeQuery = { SchemaVersion: SCHEMA_V2 };
  if (filter && Object.keys(filter).length > 0) q.Filter = JSON.stringify(filter);
  return q;
}

export interface HnsVersion {
  Major: number;
  Minor: number;
}

// ---- load balancers and SDN routes (§3.5, §3.6) -------------------------------------------------------------

/** LoadBalancerFlags (hcsshim hcn): DSR 1, IPv6 2. */
export const LOAD_BALANCER_FLAGS = { None: 0, EnableDirectServerReturn: 1, IPv6: 2 } as const;

/** LoadBalancerPortMappingFlags (hcsshim hcn): ILB 1, LocalRoutedVip 2, UseMux 4, PreserveDip 8. */
export const LOAD_BALANCER_PORT_MAPPING_FLAGS = {
  None: 0,
  EnableInternalLoadBalancer: 1,
  LocalRoutedVip: 2,
  UseMux: 4,
  EnablePreserveDip: 8,
} as const;

export interface LoadBalancerPortMapping {
  Protocol?: number; // 6 TCP, 17 UDP
  InternalPort?: number;
  ExternalPort?: number;
  DistributionType?: number; // None 0, SourceIPProtocol 1, SourceIP 2
  Flags?: number;
}

export interface HostComputeLoadBalancer extends Base {
  HostComputeEndpoints?: string[];
  SourceVIP?: string;
  FrontendVIPs?: string[];
  PortMappings?: LoadBalancerPortMapping[];
  Flags?: number;
}

/** An SDN route object: the endpoints it applies to and its routes (the schema's `Routes`, hcsshim's `Setting`). */
export interface HostComputeRoute extends Base {
  HostComputeEndpoints?: string[];
  Routes?: SdnRouteSettings[];
}
