// Load balancers (§3.5; hcsshim hcn/hcnloadbalancer.go): a set of backend endpoints, a source VIP, frontend VIPs
// and port mappings. HcnModifyLoadBalancer takes the whole document (hcsshim's Update; HNS ≥ 15.4 by hcsshim's gate,
// which is the client's business). The same objects are the v1 API's ELB policy lists (hns-call.ts): SDN's
// hns.v2.psm1 reads its policy lists through the load balancer functions.
import { HR } from '../hresult.js';
import type { HostComputeLoadBalancer, LoadBalancerPortMapping } from '../types.js';
import { parseIp } from './addresses.js';
import { fail } from './failure.js';
import { newObjectId, requireObject } from './lookup.js';
import { checkEndpointReferences } from './policy-list-references.js';
import { type JsonObject, optArray, optNumber, optString, parseDocument } from './schema-check.js';
import type { SimState } from './state.js';

export function createLoadBalancer(state: SimState, id: string | undefined, settings: string | undefined): string {
  const { lb, documentId } = readLoadBalancer(state, settings);
  const key = newObjectId(state, 'loadBalancer', id, documentId);
  state.loadBalancers[key] = { ID: key, ...lb };
  return key;
}

/** HcnModifyLoadBalancer: the document replaces the load balancer's settings (its ID stays). */
export function modifyLoadBalancer(state: SimState, id: string, settings: string | undefined): void {
  const current = requireObject(state, 'loadBalancer', id);
  state.loadBalancers[current.ID!] = { ID: current.ID!, ...readLoadBalancer(state, settings).lb };
}

export function deleteLoadBalancer(state: SimState, id: string | undefined): void {
  delete state.loadBalancers[requireObject(state, 'loadBalancer', id).ID!];
}

function readLoadBalancer(
  state: SimState,
  settings: string | undefined,
): { lb: HostComputeLoadBalancer; documentId: unknown } {
  const { doc } = parseDocument(settings, 'loadBalancer', state.options.rejectUnknownFields);
  const lb: HostComputeLoadBalancer = {};
  const endpoints = checkEndpointReferences(state, optArray(doc, 'HostComputeEndpoints'));
  if (endpoints.length > 0) lb.HostComputeEndpoints = endpoints;
  const source = optString(doc, 'SourceVIP');
  if (source !== undefined && source !== '') lb.SourceVIP = requireIp(source);
  const frontends = (optArray(doc, 'FrontendVIPs') ?? []).map((v) => requireIp(v));
  if (frontends.length > 0) lb.FrontendVIPs = frontends;
  const mappings = (optArray(doc, 'PortMappings') ?? []).map(readPortMapping);
  if (mappings.length > 0) lb.PortMappings = mappings;
  const flags = optNumber(doc, 'Flags');
  if (flags !== undefined) lb.Flags = flags;
  return { lb, documentId: doc.ID };
}

function requireIp(v: unknown): string {
  if (typeof v !== 'string' || parseIp(v) === undefined) fail(HR.HCN_E_INVALID_POLICY, '{{VIP}}');
  return v;
}

const PORT_MAPPING_FIELDS = ['Protocol', 'InternalPort', 'ExternalPort', 'DistributionType', 'Flags'];

/** LoadBalancerPortMapping: numbers in their hcsshim widths (uint32 protocol, uint16 ports, distribution 0-2). */
function readPortMapping(value: unknown): LoadBalancerPortMapping {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(HR.HCN_E_INVALID_POLICY);
  const doc = value as JsonObject;
  const m: LoadBalancerPortMapping = {};
  for (const key of PORT_MAPPING_FIELDS) {
    const v = optNumber(doc, key);
    if (v === undefined) continue;
    const max = key === 'DistributionType' ? 2 : key.endsWith('Port') ? 65535 : 0xffffffff;
    if (!Number.isInteger(v) || v < 0 || v > max) fail(HR.HCN_E_INVALID_POLICY, `{{${key}}}`);
    m[key as keyof LoadBalancerPortMapping] = v;
  }
  return m;
}
