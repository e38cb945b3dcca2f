// Namespaces (§3.4, §7.8): create (compartment ids handed out from 2; 1 is the host's), attach/detach endpoints
// and containers through HcnModifyNamespace, delete (refused while containers use it).
import { HR } from '../hresult.js';
import type { HostComputeNamespace, NamespaceType } from '../types.js';
import { fail } from './failure.js';
import { guidKey, newObjectId, requireEndpoint, requireNamespace } from './lookup.js';
import { parseModifyRequest } from './modify-request.js';
import { attachEndpoint, detachEndpoint, resourceEndpointId } from './namespace-membership.js';
import { enumValue, optNumber, optString, parseDocument } from './schema-check.js';
import type { SimState } from './state.js';
import { v1Namespace } from './v1-input.js';

const NAMESPACE_TYPES: readonly NamespaceType[] = ['Host', 'HostDefault', 'Guest', 'GuestDefault'];

export function createNamespace(state: SimState, id: string | undefined, settings: string | undefined): string {
  const parsed = parseDocument(settings, 'namespace', state.options.rejectUnknownFields);
  const doc = parsed.v1 ? v1Namespace(parsed.doc) : parsed.doc;
  const ns: HostComputeNamespace = {};
  const name = optString(doc, 'Name');
  if (name !== undefined) ns.Name = name;
  const type = enumValue(doc.Type, NAMESPACE_TYPES, HR.E_INVALIDARG, 'Type');
  if (type !== undefined) ns.Type = type;
  const nsGuid = optString(doc, 'NamespaceGuid');
  if (nsGuid !== undefined) ns.NamespaceGuid = guidKey(nsGuid);
  const key = newObjectId(state, 'namespace', id, doc.ID);
  const compartment = optNumber(doc, 'NamespaceId');
  if (compartment !== undefined && compartment !== 0) ns.NamespaceId = compartment;
  else ns.NamespaceId = ++state.cursors.compartment;
  state.namespaces[key] = { ID: key, ...ns };
  return key;
}

/** HcnModifyNamespace (§5): Endpoint Add/Remove {EndpointId}, Container Add/Remove {ContainerId}. */
export function modifyNamespace(state: SimState, namespaceId: string, settings: string | undefined): void {
  const ns = requireNamespace(state, namespaceId);
  const req = parseModifyRequest(settings, ['Container', 'Endpoint'] as const);
  if (req.resourceType === 'Endpoint') {
    const endpointId = optString(req.settings, 'EndpointId');
    if (endpointId === undefined) fail(HR.E_INVALIDARG);
    const endpoint = requireEndpoint(state, endpointId);
    if (req.requestType === 'Add') attachEndpoint(state, ns, endpoint);
    else if (req.requestType !== 'Remove') fail(HR.HCN_E_REQUEST_UNSUPPORTED);
    else if (endpoint.HostComputeNamespace === ns.ID) detachEndpoint(state, endpoint);
    else if (state.options.detachNotAttachedHresult !== 0) fail(state.options.detachNotAttachedHresult);
    return;
  }
  const containerId = optString(req.settings, 'ContainerId');
  if (containerId === undefined) fail(HR.E_INVALIDARG);
  const resources = ns.Resources ?? [];
  const isIt = (r: { Type: string; Data: Record<string, unknown> }) =>
    r.Type === 'Container' && (r.Data.ID ?? r.Data.Id) === containerId;
  if (req.requestType === 'Add') {
    if (!resources.some(isIt)) ns.Resources = [...resources, { Type: 'Container', Data: { Id: containerId } }];
  } else if (req.requestType === 'Remove') {
    if (!resources.some(isIt)) fail(HR.ERROR_NOT_FOUND);
    ns.Resources = resources.filter((r) => !isIt(r));
    if (ns.Resources.length === 0) delete ns.Resources;
  } else fail(HR.HCN_E_REQUEST_UNSUPPORTED);
}

export function deleteNamespace(state: SimState, id: string | undefined): void {
  const ns = requireNamespace(state, id);
  const resources = ns.Resources ?? [];
  // Still used by containers: HCN_E_REQUEST_UNSUPPORTED (Windows-Containers#485).
  if (resources.some((r) => r.Type === 'Container')) fail(HR.HCN_E_REQUEST_UNSUPPORTED);
  const endpointIds = resources.map(resourceEndpointId).filter((x): x is string => x !== undefined);
  if (endpointIds.length > 0 && state.options.namespaceDeleteWithEndpoints === 'error') {
    fail(HR.HCN_E_REQUEST_UNSUPPORTED);
  }
  for (const eid of endpointIds) {
    const e = state.endpoints[guidKey(eid)];
    if (e !== undefined) detachEndpoint(state, e);
  }
  delete state.namespaces[ns.ID!];
}
