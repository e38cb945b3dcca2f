// The one door to HNS. Everything outside src/hns/ talks to HNS through HcnClient and receives typed objects or a
// typed HcnError; nothing else knows about koffi, the simulator or HRESULT numbers.
//
// Each operation documents the raw ABI calls it makes (Close calls are not counted by the budgets), so the
// plugin can keep its per-verb call budgets by construction.
import type {
  HcnFilter,
  HnsVersion,
  HostComputeEndpoint,
  HostComputeNamespace,
  HostComputeNetwork,
  ModifyEndpointRequest,
  ModifyNamespaceRequest,
  ModifyNetworkRequest,
} from './types.js';

export interface HcnClientOptions {
  /** Per-call timeout in milliseconds; a call that takes longer fails with HcnError HCN_TIMEOUT (retryable). */
  timeoutMs?: number;
  /**
   * Handle closes do not hold up the call that opened the handle: the next call goes out while the close is on its
   * way (at a round trip per call, a third of an ADD's chain were closes). `settled()` waits for them.
   */
  closeInBackground?: boolean;
}

export interface CreateOptions {
  /** Caller-chosen object GUID (HNS honours it). Without it HNS generates one (GUID_NULL is passed). */
  id?: string;
  /**
   * Query the created object (one more call) and return HNS's view of it. Defaults to true. With false the
   * settings that were sent are returned with ID set; requires `id`.
   */
  query?: boolean;
}

export interface HcnClient {
  readonly backend: 'ffi' | 'sim';

  /** Resolves when every handle close this client has started is finished (closes never fail: they are logged). */
  settled(): Promise<void>;

  /** HNS version via vmcompute.dll!HNSCall GET /globals/version; 1 call, cached per process. */
  hnsVersion(): Promise<HnsVersion>;

  /** 1 call (HcnEnumerateNetworks). Returns IDs, normalised. An empty filtered result is [] (not an error). */
  enumerateNetworks(filter?: HcnFilter): Promise<string[]>;
  /** Enumerate + Open/Query/Close each: 1 + 2n calls. */
  listNetworks(filter?: HcnFilter): Promise<HostComputeNetwork[]>;
  /** Open + Query (+ Close): 2 calls. */
  getNetwork(id: string): Promise<HostComputeNetwork>;
  /** Create (+ Query) (+ Close): 1-2 calls. */
  createNetwork(settings: HostComputeNetwork, opts?: CreateOptions): Promise<HostComputeNetwork>;
  /** Open + Modify (+ Close): 2 calls. */
  modifyNetwork(id: string, request: ModifyNetworkRequest): Promise<void>;
  /** 1 call. */
  deleteNetwork(id: string): Promise<void>;

  enumerateEndpoints(filter?: HcnFilter): Promise<string[]>;
  listEndpoints(filter?: HcnFilter): Promise<HostComputeEndpoint[]>;
  getEndpoint(id: string): Promise<HostComputeEndpoint>;
  /** OpenNetwork + CreateEndpoint (+ Query) (+ Close both): 2-3 calls. */
  createEndpoint(networkId: string, settings: HostComputeEndpoint, opts?: CreateOptions): Promise<HostComputeEndpoint>;
  modifyEndpoint(id: string, request: ModifyEndpointRequest): Promise<void>;
  deleteEndpoint(id: string): Promise<void>;
  /**
   * Attaches an endpoint to the host's network compartment (default 1), giving the node a vNIC on the network with
   * the endpoint's address: 1 call (HNSCall POST /endpoints/{id}/attach {SystemType: Host}, as SDN's
   * Attach-HnsHostEndpoint and hcsshim's HostAttach do). An endpoint that is already attached fails with
   * HCN_E_ENDPOINT_ALREADY_ATTACHED (errors.ts isAlreadyAttached).
   */
  attachEndpointToHost(id: string, compartmentId?: number): Promise<void>;
  /** The reverse: 1 call (POST /endpoints/{id}/detach {SystemType: Host}). */
  detachEndpointFromHost(id: string): Promise<void>;

  enumerateNamespaces(filter?: HcnFilter): Promise<string[]>;
  listNamespaces(filter?: HcnFilter): Promise<HostComputeNamespace[]>;
  getNamespace(id: string): Promise<HostComputeNamespace>;
  createNamespace(settings: HostComputeNamespace, opts?: CreateOptions): Promise<HostComputeNamespace>;
  /** Open + one Modify per request (+ Close): 1 + n calls. Stops at the first failing request (error.call.request). */
  modifyNamespace(id: string, requests: ModifyNamespaceRequest[]): Promise<void>;
  deleteNamespace(id: string): Promise<void>;
}
