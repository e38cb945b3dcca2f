// Every function the simulator answers: the HCN ABI (computenetwork.dll's Hcn* exports and vmcompute.dll!HNSCall,
// src/hns/abi.ts) and the vmcompute.dll HCS compute-system calls a v1 CNI plugin's hot attach makes (hcsshim's
// HotAttachEndpoint: open, properties, modify Network Add/Remove, callback registration, close). The plugin itself
// never calls HCS, so those stay out of the plugin's ABI and live here.
import { IPHLP_FUNCTIONS, type IphlpFunction } from '../../iphlp/abi.js';
import { type AbiCall, HCN_FUNCTIONS, type HcnFunction } from '../abi.js';

export const HCS_FUNCTIONS = [
  'HcsOpenComputeSystem',
  'HcsCloseComputeSystem',
  'HcsGetComputeSystemProperties',
  'HcsModifyComputeSystem',
  'HcsRegisterComputeSystemCallback',
  'HcsUnregisterComputeSystemCallback',
] as const;

export type HcsFunction = (typeof HCS_FUNCTIONS)[number];
/** HCN, the HCS calls, and iphlpapi.dll's routing-table and socket-table calls (the host's own IP stack). */
export type SimFunction = HcnFunction | HcsFunction | IphlpFunction;

export const SIM_FUNCTIONS: readonly SimFunction[] = [...HCN_FUNCTIONS, ...HCS_FUNCTIONS, ...IPHLP_FUNCTIONS];

export function isSimFunction(fn: string): fn is SimFunction {
  return (SIM_FUNCTIONS as readonly string[]).includes(fn);
}

export function isHcsFunction(fn: string): fn is HcsFunction {
  return (HCS_FUNCTIONS as readonly string[]).includes(fn);
}

/**
 * One call as the simulator sees it: an AbiCall, or an HCS call. HCS calls use `handle`, `query` (the property
 * query), `settings` (the modify document) and `systemId` (HcsOpenComputeSystem's id: a container name). IP Helper
 * calls carry their request line(s) in `settings` (ip-helper-text.ts).
 */
export interface SimCall extends Omit<AbiCall, 'fn'> {
  fn: SimFunction;
  systemId?: string;
}
