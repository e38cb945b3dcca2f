// The simulator's whole world as one serialisable value: HNS objects, open handles, assignment cursors, the
// simulated host's vSwitches, instrumentation (counters, latency, faults) and the stub's allocation reports.
// Objects are stored in their canonical v2 form keyed by lower-case GUID; output.ts renders them.
import { randomUUID } from 'node:crypto';
import type {
  HostComputeEndpoint,
  HostComputeLoadBalancer,
  HostComputeNamespace,
  HostComputeNetwork,
  HostComputeRoute,
} from '../types.js';
import type { SimFunction } from './functions.js';
import { freshHostStack, type HostStack } from './host-stack.js';
import { initialOptions, type SimOptions } from './options.js';

/** HNS objects with a GUID, an Hcn* function family and a handle type. */
export type ObjectKind = 'network' | 'endpoint' | 'namespace' | 'loadBalancer' | 'route';

/** What a handle can name: an HNS object, or (vmcompute.dll's HCS calls) a compute system or its callback. */
export type HandleKind = ObjectKind | 'computeSystem' | 'hcsCallback';

export interface HandleRecord {
  kind: HandleKind;
  id: string;
}

/** A container as HCS knows it (created by the container runtime; `hns-cni sim container`), see compute-systems.ts. */
export interface ComputeSystem {
  Id: string;
  SystemType: 'Container';
  Owner: string;
  RuntimeOsType: 'Windows';
  /** The network compartment of the container (what HNS attaches its endpoints to). */
  CompartmentId: number;
}

export type FaultAction =
  | { kind: 'hr'; hr: number }
  | { kind: 'hang'; ms: number }
  /** The call is applied only after ms (and answered then): a create HNS completes after the caller gave up. */
  | { kind: 'late'; ms: number }
  | { kind: 'kill' };

export interface Fault {
  fn: SimFunction;
  /** Fire on the nth call of fn counted from when the fault was set (1 = the next call). */
  nth: number;
  /** How many consecutive calls fire from the nth on (0 = every call from then on). */
  times: number;
  action: FaultAction;
  /** Calls of fn seen since the fault was set. */
  seen: number;
  fired: number;
}

export interface BlipEvent {
  adapter: string;
  networkId: string;
  networkType: string;
  at: string;
  ms: number;
}

export interface StubProcessReport {
  /** Non-NULL out-strings the server sent to this process (each one a CoTaskMemAlloc in the stub). */
  sent: number;
  /** Totals from the process's free report (op 2), if it arrived. */
  reportedAllocations: number;
  reportedFrees: number;
  reported: boolean;
}

export interface SimState {
  format: 1;
  options: SimOptions;
  networks: Record<string, HostComputeNetwork>;
  endpoints: Record<string, HostComputeEndpoint>;
  namespaces: Record<string, HostComputeNamespace>;
  loadBalancers: Record<string, HostComputeLoadBalancer>;
  routes: Record<string, HostComputeRoute>;
  /** HCS compute systems by their ID (a container name, not necessarily a GUID). */
  computeSystems: Record<string, ComputeSystem>;
  /** The v1 `/accelnet/` management MAC list (hcsshim's SetNnvManagementMacAddresses). */
  accelnetMacs: string[];
  handles: Record<string, HandleRecord>;
  nextHandle: number;
  cursors: {
    /** Last address handed out per "<network id>|<prefix>", as text. */
    ip: Record<string, string>;
    /** Last MAC handed out per pool ("<start>-<end>"). */
    mac: Record<string, string>;
    /** Last network compartment id handed to a namespace (1 is the host's default compartment). */
    compartment: number;
  };
  /** Adapter name → IDs of the external-switch networks bound to its vSwitch. */
  vswitches: Record<string, string[]>;
  /** The host's IP stack as IP Helper shows it: interfaces, routing table, bound sockets (host-stack.ts). */
  hostStack: HostStack;
  blips: BlipEvent[];
  counters: Partial<Record<SimFunction, number>>;
  /** Reply latency in ms per function; '*' applies to every function without its own entry. */
  latencyMs: Record<string, number>;
  faults: Fault[];
  stub: { processes: Record<string, StubProcessReport> };
  /** Deleted endpoints HNS has not finished forgetting (endpoint-linger.ts); absent when none. */
  lingering?: Record<string, { until: number; endpoint: HostComputeEndpoint }>;
}

export function freshState(options: SimOptions = initialOptions()): SimState {
  const state: SimState = {
    format: 1,
    options,
    networks: {},
    endpoints: {},
    namespaces: {},
    loadBalancers: {},
    routes: {},
    computeSystems: {},
    accelnetMacs: [],
    handles: {},
    nextHandle: 1,
    cursors: { ip: {}, mac: {}, compartment: 1 },
    vswitches: {},
    hostStack: freshHostStack(options),
    blips: [],
    counters: {},
    latencyMs: {},
    faults: [],
    stub: { processes: {} },
  };
  if (options.natFixture) addNatFixture(state);
  return state;
}

/** The `nat` network Docker/containerd leave on a Windows host (§7.4); a recent build's random private prefix. */
function addNatFixture(state: SimState): void {
  const id = randomUUID();
  state.networks[id] = {
    ID: id,
    Name: 'nat',
    Type: 'NAT',
    MacPool: { Ranges: [{ StartMacAddress: '00-15-5D-F2-00-00', EndMacAddress: '00-15-5D-F2-0F-FF' }] },
    Ipams: [
      {
        Type: 'Static',
        Subnets: [
          { IpAddressPrefix: '172.29.144.0/20', Routes: [{ NextHop: '172.29.144.1', DestinationPrefix: '0.0.0.0/0' }] },
        ],
      },
    ],
    Flags: 0,
  };
}
