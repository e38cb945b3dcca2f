// The HcnClient over any HcnAbi (FFI or simulator): the Open → Query → Close patterns of hcsshim (hns-api.md §8),
// error composition (a failing HRESULT *or* a non-empty ErrorRecord is an error), GUID normalisation, output
// parsing and the per-call timeout. Handles are always closed in `finally`; call counts match client.ts.

import { log } from '../log/logger.js';
import type { AbiCall, AbiReply, HcnAbi, HcnFunction, HcnHandle } from './abi.js';
import type { CreateOptions, HcnClient, HcnClientOptions } from './client.js';
import { clientError, HcnError, isNotFound } from './errors.js';
import { GUID_NULL, isGuid, normalizeGuid } from './guid.js';
import { HR, isFailure, parseErrorRecord } from './hresult.js';
import {
  type HcnFilter,
  type HnsVersion,
  type HostComputeEndpoint,
  type HostComputeNamespace,
  type HostComputeNetwork,
  queryFor,
  SCHEMA_V2,
} from './types.js';

/** The three object kinds share one shape of ABI functions. */
interface Kind {
  enumerate: HcnFunction;
  create: HcnFunction;
  open: HcnFunction;
  modify: HcnFunction;
  query: HcnFunction;
  delete: HcnFunction;
  close: HcnFunction;
}

const NETWORK: Kind = {
  enumerate: 'HcnEnumerateNetworks',
  create: 'HcnCreateNetwork',
  open: 'HcnOpenNetwork',
  modify: 'HcnModifyNetwork',
  query: 'HcnQueryNetworkProperties',
  delete: 'HcnDeleteNetwork',
  close: 'HcnCloseNetwork',
};
const ENDPOINT: Kind = {
  enumerate: 'HcnEnumerateEndpoints',
  create: 'HcnCreateEndpoint',
  open: 'HcnOpenEndpoint',
  modify: 'HcnModifyEndpoint',
  query: 'HcnQueryEndpointProperties',
  delete: 'HcnDeleteEndpoint',
  close: 'HcnCloseEndpoint',
};
const NAMESPACE: Kind = {
  enumerate: 'HcnEnumerateNamespaces',
  create: 'HcnCreateNamespace',
  open: 'HcnOpenNamespace',
  modify: 'HcnModifyNamespace',
  query: 'HcnQueryNamespaceProperties',
  delete: 'HcnDeleteNamespace',
  close: 'HcnCloseNamespace',
};

/** hcsshim's defaultQuery: v2 output, no filter. */
const DEFAULT_QUERY = JSON.stringify(queryFor());

/** HNSCall version answers, one per backend instance: the version cannot change under a running process. */
const versionCache = new WeakMap<HcnAbi, Promise<HnsVersion>>();

type HcnObject = HostComputeNetwork | HostComputeEndpoint | HostComputeNamespace;

export function createHcnClient(abi: HcnAbi, opts: HcnClientOptions = {}): HcnClient {
  const timeoutMs = opts.timeoutMs;
  const closing = new Set<Promise<void>>();

  /** Closes a handle: awaited, or (closeInBackground) on its way while the caller goes on, until settled(). */
  async function release(openedBy: HcnFunction, handle: HcnHandle): Promise<void> {
    if (!opts.closeInBackground) return closeQuietly(openedBy, handle);
    const pending: Promise<void> = closeQuietly(openedBy, handle).finally(() => closing.delete(pending));
    closing.add(pending);
  }

  /** One ABI call with the timeout applied; a failing HRESULT or a non-empty ErrorRecord becomes an HcnError. */
  async function call(req: AbiCall, subject?: string): Promise<AbiReply> {
    const started = performance.now();
    const pending = abi.invoke(req);
    let reply: AbiReply;
    if (timeoutMs === undefined) {
      reply = await pending;
    } else {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // The abandoned call may still hand back a handle later: close it then, or it leaks inside HNS.
          pending.then(
            (late) => closeLate(req.fn, late),
            () => {},
          );
          reject(clientError('HCN_TIMEOUT', { fn: req.fn, id: subject }, `no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      });
      try {
        reply = await Promise.race([pending, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    log.debug('hcn call', {
      fn: req.fn,
      hr: reply.hr,
      callMs: Math.round((performance.now() - started) * 1000) / 1000,
    });
    const record = reply.errorRecord?.trim() ? reply.errorRecord : undefined;
    if (isFailure(reply.hr) || record !== undefined) {
      // hcsshim's checkForErrors: S_OK with an ErrorRecord is still an error; name it by the record's code.
      const recordCode = record !== undefined ? parseErrorRecord(record)?.ErrorCode : undefined;
      const hr = isFailure(reply.hr)
        ? reply.hr
        : recordCode !== undefined && isFailure(recordCode)
          ? recordCode
          : HR.E_FAIL;
      const err = new HcnError({
        hr,
        call: { fn: req.fn, id: subject },
        errorRecord: record,
        returnedHr: reply.hr,
      });
      if (reply.handle !== undefined && reply.handle !== 0n) await closeQuietly(req.fn, reply.handle);
      throw err;
    }
    return reply;
  }

  function closeFor(fn: HcnFunction): HcnFunction | undefined {
    for (const kind of [NETWORK, ENDPOINT, NAMESPACE]) if (fn === kind.create || fn === kind.open) return kind.close;
    return undefined;
  }

  function closeLate(fn: HcnFunction, late: AbiReply): void {
    if (late.handle !== undefined && late.handle !== 0n && !isFailure(late.hr)) void closeQuietly(fn, late.handle);
  }

  /** Close never undoes the operation it follows; a failure to close is logged, not thrown. */
  async function closeQuietly(openedBy: HcnFunction, handle: HcnHandle): Promise<void> {
    const close = closeFor(openedBy);
    if (close === undefined) return;
    try {
      // Bounded like every call: behind a hung HNS call (the stub and HNS serialise per connection) an unbounded
      // close would hold the verb — and its rollback — for as long as HNS hangs. The close completes later anyway.
      const reply = await withinTimeout(abi.invoke({ fn: close, handle }));
      if (reply === undefined) log.warn('hcn close did not finish in time; left to complete', { fn: close });
      else if (isFailure(reply.hr)) log.warn('hcn close failed', { fn: close, hr: reply.hr });
    } catch (err) {
      log.warn('hcn close failed', { fn: close, error: String(err) });
    }
  }

  /** The promise's value, or undefined when it takes longer than the per-call timeout. */
  async function withinTimeout<T>(pending: Promise<T>): Promise<T | undefined> {
    if (timeoutMs === undefined) return pending;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      return await Promise.race([pending, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function withOpen<T>(kind: Kind, id: string, use: (handle: HcnHandle) => Promise<T>): Promise<T> {
    const reply = await call({ fn: kind.open, id }, id);
    const handle = requireHandle(kind.open, reply, id);
    try {
      return await use(handle);
    } finally {
      await release(kind.open, handle);
    }
  }

  async function queryProperties<T extends HcnObject>(kind: Kind, handle: HcnHandle, id?: string): Promise<T> {
    const reply = await call({ fn: kind.query, handle, query: DEFAULT_QUERY }, id);
    return normalizeObject(parseJson<T>(kind.query, reply.output, id, isObject));
  }

  async function enumerate(kind: Kind, filter?: HcnFilter): Promise<string[]> {
    const reply = await call({ fn: kind.enumerate, query: JSON.stringify(queryFor(filter)) });
    // Success without a list (a NULL out-string, or an empty one) means nothing matched: SDN's hns.v2.psm1 guards
    // for it (F14); the simulator's option enumerateEmptyOutput=null answers that way.
    if (reply.output === undefined || reply.output.trim() === '') return [];
    const ids = parseJson<unknown[]>(kind.enumerate, reply.output, undefined, Array.isArray);
    return ids.map((id) => {
      if (typeof id !== 'string' || !isGuid(id)) {
        throw clientError('HCN_INVALID_RESPONSE', { fn: kind.enumerate }, `not a GUID: ${JSON.stringify(id)}`);
      }
      return normalizeGuid(id);
    });
  }

  async function list<T extends HcnObject>(kind: Kind, filter?: HcnFilter): Promise<T[]> {
    const out: T[] = [];
    for (const id of await enumerate(kind, filter)) {
      try {
        out.push(await withOpen(kind, id, (h) => queryProperties<T>(kind, h, id)));
      } catch (err) {
        // Deleted between Enumerate and Open: it is simply not there any more.
        if (!isNotFound(err)) throw err;
      }
    }
    return out;
  }

  async function get<T extends HcnObject>(kind: Kind, rawId: string): Promise<T> {
    const id = guidArg(kind.open, rawId);
    return withOpen(kind, id, (h) => queryProperties<T>(kind, h, id));
  }

  async function create<T extends HcnObject>(
    kind: Kind,
    settings: T,
    opts: CreateOptions,
    network?: { handle: HcnHandle; id: string },
  ): Promise<T> {
    const chosen = opts.id ?? settings.ID;
    const id = chosen === undefined ? undefined : guidArg(kind.create, chosen);
    const query = opts.query ?? true;
    if (!query && id === undefined) {
      throw clientError('HCN_INVALID_ARGUMENT', { fn: kind.create }, 'create without query needs a caller-chosen id');
    }
    const sent = { ...settings, SchemaVersion: settings.SchemaVersion ?? SCHEMA_V2 } as T;
    delete sent.ID; // the GUID travels as the Id parameter; GUID_NULL lets HNS choose
    const reply = await call(
      { fn: kind.create, handle: network?.handle, id: id ?? GUID_NULL, settings: JSON.stringify(sent) },
      id ?? network?.id,
    );
    const handle = requireHandle(kind.create, reply, id);
    try {
      if (!query) return { ...sent, ID: id } as T;
      return await queryProperties<T>(kind, handle, id);
    } finally {
      await release(kind.create, handle);
    }
  }

  async function modify(kind: Kind, rawId: string, requests: object[]): Promise<void> {
    const id = guidArg(kind.modify, rawId);
    await withOpen(kind, id, async (handle) => {
      for (const [index, request] of requests.entries()) {
        try {
          await call({ fn: kind.modify, handle, settings: JSON.stringify(request) }, id);
        } catch (err) {
          // The requests before it were applied, the ones after it were not sent: say which one failed.
          if (err instanceof HcnError && requests.length > 1) err.call.request = index;
          throw err;
        }
      }
    });
  }

  async function remove(kind: Kind, rawId: string): Promise<void> {
    const id = guidArg(kind.delete, rawId);
    await call({ fn: kind.delete, id }, id);
  }

  async function hnsVersion(): Promise<HnsVersion> {
    const fn: HcnFunction = 'HNSCall';
    const reply = await call({ fn, method: 'GET', path: '/globals/version', request: '' });
    const envelope = parseJson<Record<string, unknown>>(fn, reply.output, undefined, isObject);
    if (envelope.Success !== true) {
      const text = typeof envelope.Error === 'string' ? envelope.Error : 'Success:false without Error';
      throw clientError('HNS_CALL_FAILED', { fn, id: 'GET /globals/version' }, text.trim());
    }
    const out = envelope.Output;
    if (!isObject(out) || typeof out.Major !== 'number' || typeof out.Minor !== 'number') {
      throw clientError('HCN_INVALID_RESPONSE', { fn }, `no version in ${JSON.stringify(out)}`);
    }
    return { Major: out.Major, Minor: out.Minor };
  }

  /** v1 `POST /endpoints/{id}/attach|detach` with SystemType Host (SDN's Attach-HnsHostEndpoint, hcsshim HostAttach). */
  async function hostAttachment(action: 'attach' | 'detach', rawId: string, compartmentId: number): Promise<void> {
    const fn: HcnFunction = 'HNSCall';
    const id = guidArg(fn, rawId);
    const body = action === 'attach' ? { SystemType: 'Host', CompartmentId: compartmentId } : { SystemType: 'Host' };
    const path = `/endpoints/${id}/${action}`;
    const reply = await call({ fn, method: 'POST', path, request: JSON.stringify(body) }, id);
    const envelope = parseJson<Record<string, unknown>>(fn, reply.output, id, isObject);
    if (envelope.Success !== true) {
      const text = typeof envelope.Error === 'string' ? envelope.Error : 'Success:false without Error';
      throw clientError('HNS_CALL_FAILED', { fn, id: `POST ${path}` }, text.trim());
    }
  }

  return {
    backend: abi.kind,

    async settled() {
      while (closing.size > 0) await Promise.all(closing);
    },
    hnsVersion() {
      let cached = versionCache.get(abi);
      if (cached === undefined) {
        cached = hnsVersion();
        versionCache.set(abi, cached);
        // A failure is not an answer: the next caller asks again.
        cached.catch(() => versionCache.delete(abi));
      }
      return cached;
    },

    enumerateNetworks: (filter) => enumerate(NETWORK, filter),
    listNetworks: (filter) => list<HostComputeNetwork>(NETWORK, filter),
    getNetwork: (id) => get<HostComputeNetwork>(NETWORK, id),
    createNetwork: (settings, opts = {}) => create(NETWORK, settings, opts),
    modifyNetwork: (id, request) => modify(NETWORK, id, [request]),
    deleteNetwork: (id) => remove(NETWORK, id),

    enumerateEndpoints: (filter) => enumerate(ENDPOINT, filter),
    listEndpoints: (filter) => list<HostComputeEndpoint>(ENDPOINT, filter),
    getEndpoint: (id) => get<HostComputeEndpoint>(ENDPOINT, id),
    async createEndpoint(rawNetworkId, settings, opts = {}) {
      const networkId = guidArg(ENDPOINT.create, rawNetworkId);
      // HostComputeNamespace is read-only (set by attach); hcsshim refuses it client-side as well.
      if (settings.HostComputeNamespace !== undefined) {
        const detail = 'HostComputeNamespace is read-only: attach with modifyNamespace instead';
        throw clientError('HCN_INVALID_ARGUMENT', { fn: ENDPOINT.create, id: networkId }, detail);
      }
      const declared = settings.HostComputeNetwork;
      if (declared !== undefined && (!isGuid(declared) || normalizeGuid(declared) !== networkId)) {
        const detail = `HostComputeNetwork ${declared} differs from the network ${networkId}`;
        throw clientError('HCN_INVALID_ARGUMENT', { fn: ENDPOINT.create, id: networkId }, detail);
      }
      const withNetwork = { ...settings, HostComputeNetwork: networkId };
      return withOpen(NETWORK, networkId, (handle) => create(ENDPOINT, withNetwork, opts, { handle, id: networkId }));
    },
    modifyEndpoint: (id, request) => modify(ENDPOINT, id, [request]),
    deleteEndpoint: (id) => remove(ENDPOINT, id),
    attachEndpointToHost: (id, compartmentId = 1) => hostAttachment('attach', id, compartmentId),
    detachEndpointFromHost: (id) => hostAttachment('detach', id, 1),

    enumerateNamespaces: (filter) => enumerate(NAMESPACE, filter),
    listNamespaces: (filter) => list<HostComputeNamespace>(NAMESPACE, filter),
    getNamespace: (id) => get<HostComputeNamespace>(NAMESPACE, id),
    createNamespace: (settings, opts = {}) => create(NAMESPACE, settings, opts),
    modifyNamespace: (id, requests) => modify(NAMESPACE, id, requests),
    deleteNamespace: (id) => remove(NAMESPACE, id),
  };
}

// ---- helpers of this client only ----------------------------------------------------------------------------

/** Braces and any case accepted; anything else is refused before a call is made. */
function guidArg(fn: string, value: string): string {
  if (!isGuid(value)) throw clientError('HCN_INVALID_ARGUMENT', { fn }, `not a GUID: ${JSON.stringify(value)}`);
  return normalizeGuid(value);
}

function requireHandle(fn: HcnFunction, reply: AbiReply, id?: string): HcnHandle {
  if (reply.handle === undefined || reply.handle === 0n) {
    throw clientError('HCN_INVALID_RESPONSE', { fn, id }, 'succeeded without returning a handle');
  }
  return reply.handle;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson<T>(
  fn: HcnFunction,
  text: string | undefined,
  id: string | undefined,
  ok: (v: unknown) => boolean,
): T {
  if (text === undefined) throw clientError('HCN_INVALID_RESPONSE', { fn, id }, 'succeeded without an output string');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw clientError('HCN_INVALID_RESPONSE', { fn, id }, `output is not JSON: ${text.slice(0, 200)}`, { cause });
  }
  if (!ok(value)) throw clientError('HCN_INVALID_RESPONSE', { fn, id }, `unexpected output: ${text.slice(0, 200)}`);
  return value as T;
}

/** HNS writes GUIDs in either case depending on build and kind (§7.1); callers get them in one form. */
function normalizeObject<T extends HcnObject>(obj: T): T {
  const out: Record<string, unknown> = { ...obj };
  for (const key of ['ID', 'HostComputeNetwork', 'HostComputeNamespace']) {
    const v = out[key];
    if (typeof v === 'string' && isGuid(v)) out[key] = normalizeGuid(v);
  }
  return out as T;
}
