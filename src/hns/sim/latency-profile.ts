// How long simulated HNS takes per call, beyond the flat `sim latency --ms N`: named per-function profiles
// (`sim latency --profile NAME`), and which calls change state — the ones a serialised HNS (the option
// changeSerialisation) processes one at a time. The figures and their sources are in docs/simulator.md
// ("Latency profiles"); where no published measurement exists the figure is an estimate and says so there.
import type { SimCall, SimFunction } from './functions.js';

/**
 * `realistic`: a Windows Server 2022 node's HNS on the pod path, in ms per call (docs/simulator.md). Functions not
 * listed (load balancers, SDN routes, HCS, IP Helper) take the '*' figure.
 */
const REALISTIC: Readonly<Record<string, number>> = {
  HcnCreateEndpoint: 120,
  HcnModifyEndpoint: 40,
  HcnDeleteEndpoint: 60,
  HcnCreateNetwork: 500,
  HcnModifyNetwork: 60,
  HcnDeleteNetwork: 300,
  HcnCreateNamespace: 20,
  HcnModifyNamespace: 50,
  HcnDeleteNamespace: 20,
  HcnOpenNetwork: 2,
  HcnOpenEndpoint: 2,
  HcnOpenNamespace: 2,
  HcnQueryNetworkProperties: 3,
  HcnQueryEndpointProperties: 3,
  HcnQueryNamespaceProperties: 3,
  HcnEnumerateNetworks: 5,
  HcnEnumerateEndpoints: 5,
  HcnEnumerateNamespaces: 5,
  HcnCloseNetwork: 0,
  HcnCloseEndpoint: 0,
  HcnCloseNamespace: 0,
  '*': 5,
};

export const LATENCY_PROFILES: Readonly<Record<string, Readonly<Record<string, number>>>> = { realistic: REALISTIC };

export function latencyProfile(name: string): Record<string, number> {
  const profile = Object.hasOwn(LATENCY_PROFILES, name) ? LATENCY_PROFILES[name] : undefined;
  if (profile === undefined) {
    throw new Error(`unknown latency profile ${name} (one of ${Object.keys(LATENCY_PROFILES).join(', ')})`);
  }
  return { ...profile };
}

const CHANGES = /^Hcn(Create|Modify|Delete)/;
const HOST_CHANGES: readonly SimFunction[] = [
  'CreateIpForwardEntry2',
  'DeleteIpForwardEntry2',
  'HcsModifyComputeSystem',
];

/** A call that changes HNS's state: what a serialised HNS queues. Opens, queries, enumerations and closes do not. */
export function changesState(call: SimCall): boolean {
  if (call.fn === 'HNSCall') return (call.method ?? 'GET').toUpperCase() !== 'GET';
  return CHANGES.test(call.fn) || HOST_CHANGES.includes(call.fn);
}
