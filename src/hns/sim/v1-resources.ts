// The resources of the v1 API (§2) over the simulator's one state: each handler maps a v1 request onto the same
// model functions the v2 ABI uses, and renders v1 views of the result.
import { HR } from '../hresult.js';
import { attach, detach, readAttachRequest } from './attachments.js';
import { createEndpoint, deleteEndpoint } from './endpoints.js';
import { fail } from './failure.js';
import type { V1Handler, V1Request } from './hns-call.js';
import { createLoadBalancer, deleteLoadBalancer } from './load-balancers.js';
import { guidKey, requireEndpoint, requireNamespace, requireNetwork } from './lookup.js';
import { createNamespace, deleteNamespace, modifyNamespace } from './namespaces.js';
import { createNetwork, deleteNetwork, findNetworkByName } from './networks.js';
import { parseVersion } from './options.js';
import { formatGuid } from './output.js';
import { v1LoadBalancerView, v1RouteView } from './output-policy-lists.js';
import { v1EndpointView, v1NamespaceView, v1NetworkView } from './output-v1.js';
import { endpointPolicies } from './policies.js';
import { type JsonObject, optArray, optString, parseJsonObject } from './schema-check.js';
import { createRoute, deleteRoute } from './sdn-routes.js';
import type { SimState } from './state.js';
import { v1PolicyToV2 } from './v1-policies.js';
import { v1PolicyListToV2 } from './v1-policy-lists.js';

const unsupported = (): never => fail(HR.HCN_E_REQUEST_UNSUPPORTED);

function body(req: V1Request): JsonObject {
  return parseJsonObject(req.body);
}

/** The body's ID (v1 lets the caller choose it, e.g. SDN's New-HnsRemoteEndpoint). */
function bodyId(doc: JsonObject): string | undefined {
  const id = optString(doc, 'ID') ?? optString(doc, 'Id');
  return id === '' ? undefined : id;
}

/** GET /globals/version: hcsshim's feature detection (§3.7). */
const globals: V1Handler = (state, req) => {
  if (req.method !== 'GET' || req.rest.join('/').toLowerCase() !== 'version') unsupported();
  return parseVersion(state.options.hnsVersion);
};

const networks: V1Handler = (state, req) => {
  const [id, action] = req.rest;
  if (action !== undefined) unsupported();
  switch (req.method) {
    case 'GET':
      if (id === undefined) return Object.values(state.networks).map((n) => v1NetworkView(state, n));
      return v1NetworkView(state, requireNetwork(state, id));
    case 'POST': {
      if (id !== undefined) return updateNetwork(state, id, body(req));
      const doc = body(req);
      delete doc.ID;
      const key = createNetwork(state, bodyId(body(req)), JSON.stringify(doc));
      return v1NetworkView(state, state.networks[key]!);
    }
    case 'DELETE':
      if (id === undefined) unsupported();
      deleteNetwork(state, id);
      return undefined;
    default:
      return unsupported();
  }
};

/** POST /networks/{id}: SDN's Set-HnsSwitchExtension sends {"Extensions":[{"Id","IsEnabled"}]}; nothing else. */
function updateNetwork(state: SimState, id: string, doc: JsonObject): unknown {
  const network = requireNetwork(state, id);
  const extensions = optArray(doc, 'Extensions') ?? unsupported();
  const others = (network.Policies ?? []).filter((p) => p.Type !== 'VSwitchExtension');
  const updated = extensions.map((e) => {
    const x = (e ?? {}) as JsonObject;
    return { Type: 'VSwitchExtension', Settings: { ExtensionID: x.Id, Enable: x.IsEnabled === true } };
  });
  network.Policies = [...others, ...updated];
  return v1NetworkView(state, network);
}

const endpoints: V1Handler = (state, req) => {
  const [id, action] = req.rest;
  if (action !== undefined) {
    if (req.method !== 'POST' || id === undefined) unsupported();
    return attachOrDetach(state, id, action.toLowerCase(), body(req));
  }
  switch (req.method) {
    case 'GET':
      if (id === undefined) return Object.values(state.endpoints).map((e) => v1EndpointView(state, e));
      return v1EndpointView(state, requireEndpoint(state, id));
    case 'POST':
      return id === undefined ? createV1Endpoint(state, body(req)) : updateEndpoint(state, id, body(req));
    case 'DELETE':
      if (id === undefined) unsupported();
      deleteEndpoint(state, id);
      return undefined;
    default:
      return unsupported();
  }
};

/** POST /endpoints/: the network by VirtualNetwork (GUID) or VirtualNetworkName. */
function createV1Endpoint(state: SimState, doc: JsonObject): unknown {
  const byId = optString(doc, 'VirtualNetwork');
  const byName = optString(doc, 'VirtualNetworkName');
  const network =
    byId !== undefined && byId !== ''
      ? requireNetwork(state, byId)
      : (findNetworkByName(state, byName ?? '') ?? fail(state.options.networkNotFoundHresult));
  const id = bodyId(doc);
  delete doc.ID;
  delete doc.Id;
  const key = createEndpoint(state, network, id, JSON.stringify(doc));
  return v1EndpointView(state, state.endpoints[key]!);
}

/** POST /endpoints/{id}: hcsshim's Update (ApplyACLPolicy/ApplyProxyPolicy) sends the endpoint with its new Policies. */
function updateEndpoint(state: SimState, id: string, doc: JsonObject): unknown {
  const endpoint = requireEndpoint(state, id);
  const policies = optArray(doc, 'Policies');
  if (policies !== undefined) {
    const next = endpointPolicies(policies.map(v1PolicyToV2));
    if (next.length > 0) endpoint.Policies = next;
    else delete endpoint.Policies;
  }
  return v1EndpointView(state, endpoint);
}

function attachOrDetach(state: SimState, id: string, action: string, doc: JsonObject): unknown {
  const endpoint = requireEndpoint(state, id);
  const target = readAttachRequest(doc);
  if (action === 'attach' && target.SystemType === 'Host' && state.options.overlayHostAttach === 'reject') {
    const network = state.networks[guidKey(endpoint.HostComputeNetwork ?? '')];
    if (network?.Type === 'Overlay') fail(HR.HCN_E_INVALID_ENDPOINT, '{{SystemType,Host}}');
  }
  if (action === 'attach') attach(endpoint, target);
  else if (action === 'detach') detach(state, endpoint, target);
  else unsupported();
  return undefined;
}

/** GET /endpointstats/{id}: the simulator moves no packets, so every counter is 0. */
const endpointStats: V1Handler = (state, req) => {
  const [id] = req.rest;
  if (req.method !== 'GET' || id === undefined) unsupported();
  const e = requireEndpoint(state, id);
  const eid = formatGuid(state, 'endpoint', e.ID!);
  return {
    BytesReceived: 0,
    BytesSent: 0,
    DroppedPacketsIncoming: 0,
    DroppedPacketsOutgoing: 0,
    EndpointId: eid,
    InstanceId: eid,
    PacketsReceived: 0,
    PacketsSent: 0,
  };
};

/** /policylists: ELB lists are load balancers, ROUTE lists SDN routes (v1-policy-lists.ts). */
const policyLists: V1Handler = (state, req) => {
  const [id] = req.rest;
  switch (req.method) {
    case 'GET': {
      if (id !== undefined) return policyListView(state, id);
      return [
        ...Object.values(state.loadBalancers).map((lb) => v1LoadBalancerView(state, lb)),
        ...Object.values(state.routes).map((r) => v1RouteView(state, r)),
      ];
    }
    case 'POST': {
      if (id !== undefined) unsupported();
      const doc = body(req);
      const converted = v1PolicyListToV2(doc);
      const listId = bodyId(doc);
      if (converted.kind === 'loadBalancer') {
        const key = createLoadBalancer(state, listId, JSON.stringify(converted.settings));
        return v1LoadBalancerView(state, state.loadBalancers[key]!);
      }
      const key = createRoute(state, listId, JSON.stringify(converted.settings));
      return v1RouteView(state, state.routes[key]!);
    }
    case 'DELETE': {
      if (id === undefined) unsupported();
      const key = guidKey(id);
      if (state.loadBalancers[key] !== undefined) deleteLoadBalancer(state, key);
      else if (state.routes[key] !== undefined) deleteRoute(state, key);
      else fail(state.options.loadBalancerNotFoundHresult);
      return undefined;
    }
    default:
      return unsupported();
  }
};

function policyListView(state: SimState, id: string): unknown {
  const key = guidKey(id);
  const lb = state.loadBalancers[key];
  if (lb !== undefined) return v1LoadBalancerView(state, lb);
  const route = state.routes[key];
  if (route !== undefined) return v1RouteView(state, route);
  return fail(state.options.loadBalancerNotFoundHresult);
}

/** /namespaces (hcsshim internal/hns/namespace.go): create, get, delete, add/remove an endpoint resource. */
const namespaces: V1Handler = (state, req) => {
  const [id, action] = req.rest;
  if (action !== undefined) {
    if (req.method !== 'POST' || id === undefined) unsupported();
    return namespaceResource(state, id, action.toLowerCase(), body(req));
  }
  switch (req.method) {
    case 'GET':
      if (id === undefined) return Object.values(state.namespaces).map((ns) => v1NamespaceView(state, ns));
      return v1NamespaceView(state, requireNamespace(state, id));
    case 'POST': {
      if (id !== undefined) unsupported();
      const key = createNamespace(state, undefined, req.body.trim() === '' ? '{}' : req.body);
      return v1NamespaceView(state, state.namespaces[key]!);
    }
    case 'DELETE':
      if (id === undefined) unsupported();
      deleteNamespace(state, id);
      return undefined;
    default:
      return unsupported();
  }
};

/** {"Type":"Endpoint","Data":{"Id":...}} → the v2 namespace modify request. */
function namespaceResource(state: SimState, id: string, action: string, doc: JsonObject): unknown {
  const requestType = action === 'addresource' ? 'Add' : action === 'removeresource' ? 'Remove' : unsupported();
  const data = (doc.Data ?? {}) as JsonObject;
  const resourceId = optString(data, 'Id') ?? optString(data, 'ID');
  const type = optString(doc, 'Type');
  if (resourceId === undefined || (type !== 'Endpoint' && type !== 'Container')) fail(HR.E_INVALIDARG);
  const settings = type === 'Endpoint' ? { EndpointId: resourceId } : { ContainerId: resourceId };
  modifyNamespace(state, id, JSON.stringify({ ResourceType: type, RequestType: requestType, Settings: settings }));
  return v1NamespaceView(state, requireNamespace(state, id));
}

/** /accelnet/: the management MAC list excluded from VF reassignment (hcsshim hnsaccelnet.go). */
const accelnet: V1Handler = (state, req) => {
  if (req.rest.length > 0) unsupported();
  switch (req.method) {
    case 'GET':
      break;
    case 'POST':
      state.accelnetMacs = (optArray(body(req), 'MacAddressList') ?? []).map((m) => {
        const mac = optString((m ?? {}) as JsonObject, 'MacAddress');
        if (mac === undefined) fail(HR.E_INVALIDARG, '{{MacAddress}}');
        return mac;
      });
      break;
    case 'DELETE':
      state.accelnetMacs = [];
      break;
    default:
      unsupported();
  }
  return { MacAddressList: state.accelnetMacs.map((MacAddress) => ({ MacAddress })) };
};

/** Resource type (first path segment, lower case) → handler. Unknown types: HCN_E_REQUEST_UNSUPPORTED. */
export const v1Resources: Record<string, V1Handler> = {
  globals,
  networks,
  endpoints,
  endpointstats: endpointStats,
  policylists: policyLists,
  namespaces,
  accelnet,
};
