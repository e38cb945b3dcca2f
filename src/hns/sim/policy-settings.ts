// The Settings of the policies whose shape hcsshim's hcn types pin down (hcnpolicy.go): addresses must be
// addresses, ports ports, MACs MACs. A malformed one is HCN_E_INVALID_POLICY, as HNS answers a bad policy
// configuration (§4, hcsshim#1059). Types not listed here are stored as given.
import { HR } from '../hresult.js';
import type { Policy } from '../types.js';
import { parseIp, parseMac, parsePrefix } from './addresses.js';
import { fail } from './failure.js';
import type { JsonObject } from './schema-check.js';

type Check = (s: JsonObject) => boolean;

const isIp = (v: unknown) => typeof v === 'string' && parseIp(v) !== undefined;
const isMac = (v: unknown) => typeof v === 'string' && parseMac(v) !== undefined;
const isPrefix = (v: unknown) => typeof v === 'string' && parsePrefix(v) !== undefined;
const isUint = (v: unknown, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
const optional = (v: unknown, ok: (x: unknown) => boolean) => v === undefined || v === null || v === '' || ok(v);
const isAddressOrPrefix = (v: unknown) => isIp(v) || isPrefix(v);

const NETWORK_CHECKS: Record<string, Check> = {
  ProviderAddress: (s) => isIp(s.ProviderAddress),
  DrMacAddress: (s) => isMac(s.Address),
  SourceMacAddress: (s) => isMac(s.SourceMacAddress),
  VxlanPort: (s) => isUint(s.Port, 65535) && s.Port !== 0,
  // RemoteSubnetRoutePolicySetting: four members without omitempty (IsolationId is a uint16 there).
  RemoteSubnetRoute: (s) =>
    isPrefix(s.DestinationPrefix) &&
    isUint(s.IsolationId, 65535) &&
    isIp(s.ProviderAddress) &&
    isMac(s.DistributedRouterMacAddress),
  NetAdapterName: (s) => typeof s.NetworkAdapterName === 'string' && s.NetworkAdapterName !== '',
};

const SUBNET_CHECKS: Record<string, Check> = {
  // VXLAN network identifiers are 24 bits; VLAN ids 12 bits.
  VSID: (s) => isUint(s.IsolationId, 0xffffff),
  VLAN: (s) => isUint(s.IsolationId, 4095),
};

const ENDPOINT_CHECKS: Record<string, Check> = {
  ProviderAddress: (s) => isIp(s.ProviderAddress),
  EncapOverhead: (s) => isUint(s.Overhead, 65535),
  SDNRoute: (s) => optional(s.DestinationPrefix, isPrefix) && optional(s.NextHop, isIp),
  OutBoundNAT: (s) =>
    optional(s.VirtualIP, isIp) &&
    optional(s.Exceptions, (v) => Array.isArray(v) && v.every(isAddressOrPrefix)) &&
    optional(s.Destinations, (v) => Array.isArray(v) && v.every(isAddressOrPrefix)),
  VLAN: (s) => isUint(s.IsolationId, 4095),
  InterfaceParameters: (s) => optional(s.Mtu, (v) => isUint(v, 65535)),
};

const CHECKS = { network: NETWORK_CHECKS, subnet: SUBNET_CHECKS, endpoint: ENDPOINT_CHECKS };

export function checkPolicySettings(scope: keyof typeof CHECKS, policy: Policy): void {
  const check = CHECKS[scope][policy.Type];
  if (check !== undefined && !check((policy.Settings ?? {}) as JsonObject)) fail(HR.HCN_E_INVALID_POLICY);
}
