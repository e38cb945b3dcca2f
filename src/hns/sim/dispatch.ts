// One ABI call against the model: which object functions each Hcn* export maps to, what it returns (handle, out
// string), and how a failure becomes an HRESULT + ErrorRecord. Pure over the state (mutates it), no I/O.
import type { AbiCall, AbiReply } from '../abi.js';
import { errorRecordFor } from '../hresult.js';
import { createEndpoint, deleteEndpoint, modifyEndpoint } from './endpoints.js';
import { HcnFailure } from './failure.js';
import { closeHandle, openHandle, resolveHandle } from './handles.js';
import { requireEndpoint, requireNamespace, requireNetwork } from './lookup.js';
import { createNamespace, deleteNamespace, modifyNamespace } from './namespaces.js';
import { createNetwork, deleteNetwork, modifyNetwork } from './networks.js';
import { renderEndpoint, renderNamespace, renderNetwork } from './output.js';
import { enumerate, parseQuery } from './queries.js';
import type { SimState } from './state.js';
import { hnsCall } from './version.js';

function call(state: SimState, c: AbiCall): AbiReply {
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

    case 'HNSCall':
      return { hr: 0, output: hnsCall(state, c.method, c.path) };
  }
}

export function failureReply(hr: number, detail?: string): AbiReply {
  return { hr: hr | 0, errorRecord: errorRecordFor(hr, detail) };
}

/**
 * Applies the call to `state` all-or-nothing: the model works on a copy that replaces the state only on success,
 * so a failure half-way leaves no trace (HNS validates before it changes anything).
 */
export function dispatch(state: SimState, c: AbiCall): AbiReply {
  const working = structuredClone(state);
  try {
    const reply = call(working, c);
    Object.assign(state, working);
    return reply;
  } catch (e) {
    if (e instanceof HcnFailure) return failureReply(e.hr, e.detail);
    throw e;
  }
}
