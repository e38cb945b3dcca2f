// SDN routes (§3.6; hcsshim hcn/hcnroute.go): routes applied to a set of endpoints. The schema calls the list
// `Routes` (HNS_Schema.md, hns.v2.psm1), hcsshim sends it as `Setting`; both are read, and outputs use the key the
// option sdnRouteOutputKey names. HcnModifySdnRoute takes the whole document, like load balancers. The same
// objects are the v1 API's ROUTE policy lists (hns-call.ts).
import { HR } from '../hresult.js';
import type { HostComputeRoute, SdnRouteSettings } from '../types.js';
import { fail } from './failure.js';
import { newObjectId, requireObject } from './lookup.js';
import { checkEndpointReferences } from './policy-list-references.js';
import { checkPolicySettings } from './policy-settings.js';
import { type JsonObject, optArray, parseDocument } from './schema-check.js';
import type { SimState } from './state.js';

export function createRoute(state: SimState, id: string | undefined, settings: string | undefined): string {
  const { route, documentId } = readRoute(state, settings);
  const key = newObjectId(state, 'route', id, documentId);
  state.routes[key] = { ID: key, ...route };
  return key;
}

export function modifyRoute(state: SimState, id: string, settings: string | undefined): void {
  const current = requireObject(state, 'route', id);
  state.routes[current.ID!] = { ID: current.ID!, ...readRoute(state, settings).route };
}

export function deleteRoute(state: SimState, id: string | undefined): void {
  delete state.routes[requireObject(state, 'route', id).ID!];
}

function readRoute(state: SimState, settings: string | undefined): { route: HostComputeRoute; documentId: unknown } {
  const { doc } = parseDocument(settings, 'route', state.options.rejectUnknownFields);
  const route: HostComputeRoute = {};
  const endpoints = checkEndpointReferences(state, optArray(doc, 'HostComputeEndpoints'));
  if (endpoints.length > 0) route.HostComputeEndpoints = endpoints;
  const routes = [...(optArray(doc, 'Routes') ?? []), ...(optArray(doc, 'Setting') ?? [])].map(readRouteSetting);
  if (routes.length > 0) route.Routes = routes;
  return { route, documentId: doc.ID };
}

/** SDNRoutePolicySetting, checked as the SDNRoute endpoint policy is. */
function readRouteSetting(value: unknown): SdnRouteSettings {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(HR.HCN_E_INVALID_POLICY);
  const settings = value as JsonObject;
  checkPolicySettings('endpoint', { Type: 'SDNRoute', Settings: settings });
  return settings as unknown as SdnRouteSettings;
}
