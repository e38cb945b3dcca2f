// Endpoints (§3.3, §7.5-7.7): created on a network (by handle), with validated or HNS-assigned addresses, a MAC, a
// default route, and port mappings unique per network; HostComputeNamespace is read-only (set by namespace Add).
import { sameGuid } from '../guid.js';
import { HR } from '../hresult.js';
import type { EndpointPolicy, HostComputeEndpoint, HostComputeNetwork, IpConfiguration } from '../types.js';
import { attachmentsOf, detachAll } from './attachments.js';
import { recordDeletedEndpoint } from './endpoint-linger.js';
import { fail } from './failure.js';
import { gateEndpointIpv6 } from './feature-gates.js';
import { assignAddresses, checkRequestedAddresses, defaultRoutes } from './ip-assignment.js';
import { endpointsOfNetwork, newObjectId, requireEndpoint } from './lookup.js';
import { assignMac } from './mac-assignment.js';
import { parseModifyRequest } from './modify-request.js';
import { detachEndpoint } from './namespace-membership.js';
import { endpointPolicies, type PortMappingKey, portMappingOf } from './policies.js';
import { applyPolicyChange } from './policy-change.js';
import { releaseEndpointReferences } from './policy-list-references.js';
import { effectiveRoutes } from './routing.js';
import { type JsonObject, optArray, optNumber, optObject, optString, parseDocument } from './schema-check.js';
import type { SimState } from './state.js';
import { v1Endpoint } from './v1-input.js';

export function createEndpoint(
  state: SimState,
  network: HostComputeNetwork,
  id: string | undefined,
  settings: string | undefined,
): string {
  const parsed = parseDocument(settings, 'endpoint', state.options.rejectUnknownFields);
  const doc = parsed.v1 ? v1Endpoint(parsed.doc) : parsed.doc;
  // hcsshim: "endpoint json HostComputeNamespace is read only and should not be set".
  if (doc.HostComputeNamespace !== undefined && doc.HostComputeNamespace !== '') {
    fail(HR.HCN_E_INVALID_ENDPOINT, '{{HostComputeNamespace,ReadOnly}}');
  }
  const named = optString(doc, 'HostComputeNetwork');
  if (named !== undefined && named !== '' && !sameGuid(named, network.ID)) fail(HR.HCN_E_INVALID_JSON_REFERENCE);
  const endpoint = readEndpoint(doc);
  const key = newObjectId(state, 'endpoint', id, doc.ID);
  checkPortMappings(state, network.ID!, endpoint.Policies ?? [], key);

  const requested = gateEndpointIpv6(state, endpoint.IpConfigurations ?? []);
  const configs =
    requested.length > 0 ? checkRequestedAddresses(state, network, requested) : assignAddresses(state, network);
  const result: HostComputeEndpoint = { ID: key, ...endpoint, HostComputeNetwork: network.ID! };
  if (configs.length > 0) result.IpConfigurations = configs;
  else delete result.IpConfigurations;
  const routes = effectiveRoutes(state.options.endpointRoutes, result.Routes ?? [], defaultRoutes(network, configs));
  if (routes.length > 0) result.Routes = routes;
  else delete result.Routes;
  result.MacAddress ??= assignMac(state, network);
  state.endpoints[key] = result;
  return key;
}

function readEndpoint(doc: JsonObject): HostComputeEndpoint {
  const e: HostComputeEndpoint = {};
  const name = optString(doc, 'Name');
  if (name !== undefined) e.Name = name;
  const policies = endpointPolicies(doc.Policies);
  if (policies.length > 0) e.Policies = policies;
  const ipconfigs = optArray(doc, 'IpConfigurations');
  if (ipconfigs !== undefined && ipconfigs.length > 0) {
    e.IpConfigurations = ipconfigs.map((c) => {
      if (typeof c !== 'object' || c === null) fail(HR.HCN_E_INVALID_JSON, '{{IpConfigurations,TypeMismatch}}');
      return c as IpConfiguration;
    });
  }
  const dns = optObject(doc, 'Dns');
  if (dns !== undefined) e.Dns = dns;
  const routes = optArray(doc, 'Routes');
  if (routes !== undefined && routes.length > 0) e.Routes = routes as HostComputeEndpoint['Routes'];
  const mac = optString(doc, 'MacAddress');
  if (mac !== undefined && mac !== '') e.MacAddress = mac;
  const flags = optNumber(doc, 'Flags');
  if (flags !== undefined) e.Flags = flags;
  const extra = optObject(doc, 'AdditionalParams');
  if (extra !== undefined) e.AdditionalParams = extra;
  return e;
}

function mappingKey(m: PortMappingKey): string {
  return `${m.protocol}/${m.externalPort}/${m.vip}/${m.family}`;
}

/** An external port (per protocol, VIP and family) is mapped at most once per network: HCN_E_PORT_ALREADY_EXISTS. */
function checkPortMappings(state: SimState, networkId: string, policies: EndpointPolicy[], self: string): void {
  const taken = new Set<string>();
  for (const e of endpointsOfNetwork(state, networkId)) {
    if (e.ID === self) continue;
    for (const p of e.Policies ?? []) if (p.Type === 'PortMapping') taken.add(mappingKey(portMappingOf(p)));
  }
  for (const p of policies) {
    if (p.Type !== 'PortMapping') continue;
    const k = mappingKey(portMappingOf(p));
    if (taken.has(k)) fail(HR.HCN_E_PORT_ALREADY_EXISTS);
    taken.add(k);
  }
}

export function deleteEndpoint(state: SimState, id: string | undefined, opts: { force?: boolean } = {}): void {
  const endpoint = requireEndpoint(state, id);
  // Attached through a v2 namespace or the v1 API (a container, the host, a VM): one option for both.
  if (endpoint.HostComputeNamespace !== undefined || attachmentsOf(endpoint).length > 0) {
    if (!opts.force && state.options.endpointDeleteWhileAttached === 'error') fail(HR.HCN_E_ENTITY_HAS_REFERENCES);
    detachEndpoint(state, endpoint);
    detachAll(endpoint);
  }
  releaseEndpointReferences(state, endpoint.ID!, opts.force === true);
  delete state.endpoints[endpoint.ID!];
  recordDeletedEndpoint(state, endpoint);
}

/** HcnModifyEndpoint (§5): Policy Add/Remove/Update (Update replaces the set); Port requests are accepted. */
export function modifyEndpoint(state: SimState, endpointId: string, settings: string | undefined): void {
  const endpoint = requireEndpoint(state, endpointId);
  const req = parseModifyRequest(settings, ['Port', 'Policy'] as const);
  if (req.resourceType === 'Port') return;
  const incoming = endpointPolicies(req.settings.Policies);
  const next = applyPolicyChange(endpoint.Policies ?? [], incoming, req.requestType);
  checkPortMappings(state, endpoint.HostComputeNetwork!, next, endpoint.ID!);
  if (next.length > 0) endpoint.Policies = next;
  else delete endpoint.Policies;
}
