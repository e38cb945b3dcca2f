// One ABI call against the model: which object functions each Hcn* export maps to, what it returns (handle, out
// string), and how a failure becomes an HRESULT + ErrorRecord. Pure over the state (mutates it), no I/O.
import type { AbiReply } from '../abi.js';
import { errorRecordFor, hresultMessage } from '../hresult.js';
import { hcsCall, hcsFailureReply } from './compute-systems.js';
import { createEndpoint, deleteEndpoint, modifyEndpoint } from './endpoints.js';
import { HcnFailure } from './failure.js';
import { isHcsFunction, type SimCall } from './functions.js';
import { closeHandle, openHandle, resolveHandle } from './handles.js';
import { hnsCall } from './hns-call.js';
import { ipHelperCall, isIphlpFunction } from './ip-helper.js';
import { createLoadBalancer, deleteLoadBalancer, modifyLoadBalancer } from './load-balancers.js';
import { requireEndpoint, requireNamespace, requireNetwork, requireObject } from './lookup.js';
import { createNamespace, deleteNamespace, modifyNamespace } from './namespaces.js';
import { createNetwork, deleteNetwork, modifyNetwork } from './networks.js';
import { renderEndpoint, renderNamespace, renderNetwork } from './output.js';
import { renderLoadBalancer, renderRoute } from './output-policy-lists.js';
import { enumerate, parseQuery } from './queries.js';
import { createRoute, deleteRoute, modifyRoute } from './sdn-routes.js';
import type { SimState } from './state.js';

function call(state: SimState, c: SimCall): AbiReply {
  if (isHcsFunction(c.fn)) return hcsCall(state, c.fn, c);
  if (isIphlpFunction(c.fn)) return ipHelperCall(state, c.fn, c.settings);
  switch (c.fn) {
    case 'HcnEnumerateNetworks':
      return { hr: 0, output: enumerate(state, 'network', c.query) };
    case 'HcnCreateNetwork':
      return { hr: 0, handle: openHandle(state, 'network', createNetwork(state, c.id, c.settings)) };
    case 'HcnOpenNetwork':
      return { hr: 0, handle: openHandle(state, 'network', requireNetwork(state, c.id).ID!) };
    case 'HcnModifyNetwork':
      modifyNetwork(state, resolveHandle(state, 'network', c.handle).ID!, c.settings);
      return { hr: 0 };
    case 'HcnQueryNetworkProperties': {
      const n = resolveHandle(state, 'network', c.handle);
      return { hr: 0, output: renderNetwork(state, n, parseQuery(c.query).v2) };
    }
    case 'HcnDeleteNetwork':
      deleteNetwork(state, c.id);
      return { hr: 0 };
    case 'HcnCloseNetwork':
      closeHandle(state, 'network', c.handle);
      return { hr: 0 };

    case 'HcnEnumerateEndpoints':
      return { hr: 0, output: enumerate(state, 'endpoint', c.query) };
    case 'HcnCreateEndpoint': {
      const network = resolveHandle(state, 'network', c.handle);
      return { hr: 0, handle: openHandle(state, 'endpoint', createEndpoint(state, network, c.id, c.settings)) };
    }
    case 'HcnOpenEndpoint':
      return { hr: 0, handle: openHandle(state, 'endpoint', requireEndpoint(state, c.id).ID!) };
    case 'HcnModifyEndpoint':
      modifyEndpoint(state, resolveHandle(state, 'endpoint', c.handle).ID!, c.settings);
      return { hr: 0 };
    case 'HcnQueryEndpointProperties': {
      const e = resolveHandle(state, 'endpoint', c.handle);
      return { hr: 0, output: renderEndpoint(state, e, parseQuery(c.query).v2) };
    }
    case 'HcnDeleteEndpoint':
      deleteEndpoint(state, c.id);
      return { hr: 0 };
    case 'HcnCloseEndpoint':
      closeHandle(state, 'endpoint', c.handle);
      return { hr: 0 };

    case 'HcnEnumerateNamespaces':
      return { hr: 0, output: enumerate(state, 'namespace', c.query) };
    case 'HcnCreateNamespace':
      return { hr: 0, handle: openHandle(state, 'namespace', createNamespace(state, c.id, c.settings)) };
    case 'HcnOpenNamespace':
      return { hr: 0, handle: openHandle(state, 'namespace', requireNamespace(state, c.id).ID!) };
    case 'HcnModifyNamespace':
      modifyNamespace(state, resolveHandle(state, 'namespace', c.handle).ID!, c.settings);
      return { hr: 0 };
    case 'HcnQueryNamespaceProperties': {
      const ns = resolveHandle(state, 'namespace', c.handle);
      return { hr: 0, output: renderNamespace(state, ns, parseQuery(c.query).v2) };
    }
    case 'HcnDeleteNamespace':
      deleteNamespace(state, c.id);
      return { hr: 0 };
    case 'HcnCloseNamespace':
      closeHandle(state, 'namespace', c.handle);
      return { hr: 0 };

    case 'HcnEnumerateLoadBalancers':
      return { hr: 0, output: enumerate(state, 'loadBalancer', c.query) };
    case 'HcnCreateLoadBalancer':
      return { hr: 0, handle: openHandle(state, 'loadBalancer', createLoadBalancer(state, c.id, c.settings)) };
    case 'HcnOpenLoadBalancer':
      return { hr: 0, handle: openHandle(state, 'loadBalancer', requireObject(state, 'loadBalancer', c.id).ID!) };
    case 'HcnModifyLoadBalancer':
      modifyLoadBalancer(state, resolveHandle(state, 'loadBalancer', c.handle).ID!, c.settings);
      return { hr: 0 };
    case 'HcnQueryLoadBalancerProperties': {
      const lb = resolveHandle(state, 'loadBalancer', c.handle);
      return { hr: 0, output: renderLoadBalancer(state, lb, parseQuery(c.query).v2) };
    }
    case 'HcnDeleteLoadBalancer':
      deleteLoadBalancer(state, c.id);
      return { hr: 0 };
    case 'HcnCloseLoadBalancer':
      closeHandle(state, 'loadBalancer', c.handle);
      return { hr: 0 };

    case 'HcnEnumerateSdnRoutes':
      return { hr: 0, output: enumerate(state, 'route', c.query) };
    case 'HcnCreateSdnRoute':
      return { hr: 0, handle: openHandle(state, 'route', createRoute(state, c.id, c.settings)) };
    case 'HcnOpenSdnRoute':
      return { hr: 0, handle: openHandle(state, 'route', requireObject(state, 'route', c.id).ID!) };
    case 'HcnModifySdnRoute':
      modifyRoute(state, resolveHandle(state, 'route', c.handle).ID!, c.settings);
      return { hr: 0 };
    case 'HcnQuerySdnRouteProperties': {
      const route = resolveHandle(state, 'route', c.handle);
      return { hr: 0, output: renderRoute(state, route, parseQuery(c.query).v2) };
    }
    case 'HcnDeleteSdnRoute':
      deleteRoute(state, c.id);
      return { hr: 0 };
    case 'HcnCloseSdnRoute':
      closeHandle(state, 'route', c.handle);
      return { hr: 0 };

    case 'HNSCall':
      return hnsCall(state, c.method, c.path, c.request);
  }
}

export function failureReply(hr: number, detail?: string): AbiReply {
  return { hr: hr | 0, errorRecord: errorRecordFor(hr, detail) };
}

/**
 * Applies the call to `state` all-or-nothing: the model works on a copy that replaces the state only on success,
 * so a failure half-way leaves no trace (HNS validates before it changes anything).
 */
export function dispatch(state: SimState, c: SimCall): AbiReply {
  const working = structuredClone(state);
  try {
    const reply = call(working, c);
    Object.assign(state, working);
    return reply;
  } catch (e) {
    if (!(e instanceof HcnFailure)) throw e;
    return isHcsFunction(c.fn) ? hcsFailureReply(e.hr, hresultMessage(e.hr)) : failureReply(e.hr, e.detail);
  }
}
