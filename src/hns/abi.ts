// The raw computenetwork.dll / vmcompute.dll ABI (every Hcn* export hcsshim binds, and HNSCall), one call at a time, with strings already decoded and freed.
// Two implementations: ffi/ (koffi → the real DLLs on Windows, or the C stub in native/ elsewhere) and sim/ (the
// simulator model, in process). The HCN client (client.ts) runs the same logic over either, so the contract suite
// proves the FFI marshalling and the simulator's behaviour with one set of tests.

export const HCN_FUNCTIONS = [
  'HcnEnumerateNetworks',
  'HcnCreateNetwork',
  'HcnOpenNetwork',
  'HcnModifyNetwork',
  'HcnQueryNetworkProperties',
  'HcnDeleteNetwork',
  'HcnCloseNetwork',
  'HcnEnumerateEndpoints',
  'HcnCreateEndpoint',
  'HcnOpenEndpoint',
  'HcnModifyEndpoint',
  'HcnQueryEndpointProperties',
  'HcnDeleteEndpoint',
  'HcnCloseEndpoint',
  'HcnEnumerateNamespaces',
  'HcnCreateNamespace',
  'HcnOpenNamespace',
  'HcnModifyNamespace',
  'HcnQueryNamespaceProperties',
  'HcnDeleteNamespace',
  'HcnCloseNamespace',
  'HcnEnumerateLoadBalancers',
  'HcnCreateLoadBalancer',
  'HcnOpenLoadBalancer',
  'HcnModifyLoadBalancer',
  'HcnQueryLoadBalancerProperties',
  'HcnDeleteLoadBalancer',
  'HcnCloseLoadBalancer',
  'HcnEnumerateSdnRoutes',
  'HcnCreateSdnRoute',
  'HcnOpenSdnRoute',
  'HcnModifySdnRoute',
  'HcnQuerySdnRouteProperties',
  'HcnDeleteSdnRoute',
  'HcnCloseSdnRoute',
  'HNSCall',
] as const;

export type HcnFunction = (typeof HCN_FUNCTIONS)[number];

/** Functions that the call budgets of the plugin do not count (hns-api.md; issue "Budget on the hot path"). */
export const UNCOUNTED_FUNCTIONS: readonly HcnFunction[] = [
  'HcnCloseNetwork',
  'HcnCloseEndpoint',
  'HcnCloseNamespace',
  'HcnCloseLoadBalancer',
  'HcnCloseSdnRoute',
];

/** An opaque HCN handle (pointer-sized). bigint so the FFI path can carry a real pointer value. */
export type HcnHandle = bigint;

/**
 * One ABI call. Which fields are used depends on the function, exactly as in the C signature:
 *  - Enumerate:        query
 *  - Create(Net/Ns):   id, settings          CreateEndpoint: handle (network), id, settings
 *  - Open:             id
 *  - Modify:           handle, settings
 *  - Query*Properties: handle, query
 *  - Delete:           id
 *  - Close:            handle
 *  - HNSCall:          method, path, request
 */
export interface AbiCall {
  fn: HcnFunction;
  handle?: HcnHandle;
  id?: string;
  settings?: string;
  query?: string;
  method?: string;
  path?: string;
  request?: string;
}

export interface AbiReply {
  /** The HRESULT as a signed 32-bit number (negative = failure). */
  hr: number;
  /** Out handle of Create/Open. */
  handle?: HcnHandle;
  /** Out string: enumerate result, properties, or HNSCall response. */
  output?: string;
  /** Out ErrorRecord, when HNS filled one. */
  errorRecord?: string;
}

export interface HcnAbi {
  readonly kind: 'ffi' | 'sim';
  invoke(call: AbiCall): Promise<AbiReply>;
}
