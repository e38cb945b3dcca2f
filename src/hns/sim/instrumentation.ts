// Instrumentation (issue 3 §3): per-function call counters, reply latency, and fault injection — "the Nth call of F
// (counted from when the fault was set) fails with HRESULT H / hangs for MS / is applied only after MS / kills the
// caller". Faults set with `hns-cni sim fault` live in the state file (seen by every process); HNS_CNI_SIM_FAULTS
// adds process-local ones.
import { formatHresult, parseHresult } from '../hresult.js';
import { isSimFunction, SIM_FUNCTIONS, type SimFunction } from './functions.js';
import type { Fault, FaultAction, SimState } from './state.js';

export interface FaultSpec {
  fn: string;
  /** Default 1: the next call. */
  nth?: number;
  /** Default 1; 0 = every call from the nth on. */
  times?: number;
  hr?: string | number;
  hangMs?: number;
  /** Apply the call (and answer) only after this many ms: HNS completing a call its caller has given up on. */
  lateMs?: number;
  kill?: boolean;
}

/** A function faults and latency can name: every Hcn* export, HNSCall, and the HCS calls the simulator serves. */
export function isHcnFunction(fn: string): fn is SimFunction {
  return isSimFunction(fn);
}

export function faultFromSpec(spec: FaultSpec): Fault {
  if (!isHcnFunction(spec.fn)) throw new Error(`unknown HCN function ${spec.fn} (one of ${SIM_FUNCTIONS.join(', ')})`);
  const kinds = [
    spec.hr !== undefined,
    spec.hangMs !== undefined,
    spec.lateMs !== undefined,
    spec.kill === true,
  ].filter(Boolean).length;
  if (kinds !== 1) throw new Error('a fault needs exactly one of hr, hangMs, lateMs, kill');
  let action: FaultAction;
  if (spec.hr !== undefined) action = { kind: 'hr', hr: parseHresult(String(spec.hr)) };
  else if (spec.hangMs !== undefined) action = { kind: 'hang', ms: spec.hangMs };
  else if (spec.lateMs !== undefined) action = { kind: 'late', ms: spec.lateMs };
  else action = { kind: 'kill' };
  const nth = spec.nth ?? 1;
  const times = spec.times ?? 1;
  if (!Number.isInteger(nth) || nth < 1) throw new Error('nth must be an integer >= 1');
  if (!Number.isInteger(times) || times < 0) throw new Error('times must be an integer >= 0');
  return { fn: spec.fn, nth, times, action, seen: 0, fired: 0 };
}

/** Faults from HNS_CNI_SIM_FAULTS: a JSON FaultSpec or array of them. Process-local: counted per process. */
export function faultsFromEnv(env: NodeJS.ProcessEnv = process.env): Fault[] {
  const text = env.HNS_CNI_SIM_FAULTS;
  if (text === undefined || text.trim() === '') return [];
  const parsed = JSON.parse(text) as FaultSpec | FaultSpec[];
  return (Array.isArray(parsed) ? parsed : [parsed]).map(faultFromSpec);
}

/** Counts the call against every fault of fn and returns the action of the first one that fires. */
export function takeFault(faults: Fault[], fn: SimFunction): FaultAction | undefined {
  let fired: FaultAction | undefined;
  for (const f of faults) {
    if (f.fn !== fn) continue;
    f.seen++;
    const due = f.seen >= f.nth && (f.times === 0 || f.seen < f.nth + f.times);
    if (due && fired === undefined) {
      f.fired++;
      fired = f.action;
    }
  }
  return fired;
}

export function countCall(state: SimState, fn: SimFunction): void {
  state.counters[fn] = (state.counters[fn] ?? 0) + 1;
}

export function latencyFor(state: SimState, fn: SimFunction): number {
  return state.latencyMs[fn] ?? state.latencyMs['*'] ?? 0;
}

function stubProcess(state: SimState, pid: number): SimState['stub']['processes'][string] {
  const key = String(pid);
  state.stub.processes[key] ??= { sent: 0, reportedAllocations: 0, reportedFrees: 0, reported: false };
  return state.stub.processes[key];
}

/** Out-strings sent to a stub process (each is one CoTaskMemAlloc on its side). */
export function recordStubStrings(state: SimState, pid: number, count: number): void {
  const p = stubProcess(state, pid);
  p.sent += count;
}

/** A stub's op-2 report at process exit. */
export function recordStubReport(state: SimState, pid: number, allocations: number, frees: number): void {
  const p = stubProcess(state, pid);
  p.reportedAllocations += allocations;
  p.reportedFrees += frees;
  p.reported = true;
}

export interface SimStats {
  hnsVersion: string;
  objects: {
    networks: number;
    endpoints: number;
    namespaces: number;
    loadBalancers: number;
    routes: number;
    computeSystems: number;
  };
  openHandles: number;
  calls: Partial<Record<SimFunction, number>>;
  totalCalls: number;
  latencyMs: Record<string, number>;
  faults: { fn: string; nth: number; times: number; action: string; seen: number; fired: number }[];
  vswitches: Record<string, string[]>;
  blips: { count: number; events: SimState['blips'] };
  stub: {
    /** Out-strings the server sent (allocations on the stub side). */
    allocated: number;
    /** Frees reported by stub processes at exit. */
    freed: number;
    outstanding: number;
    /** Allocations the stubs themselves counted (should equal `allocated` once every process reported). */
    allocatedReported: number;
    processes: number;
    processesReported: number;
  };
}

function describeAction(a: FaultAction): string {
  if (a.kind === 'hr') return `hr ${formatHresult(a.hr)}`;
  return a.kind === 'kill' ? 'kill' : `${a.kind} ${a.ms}ms`;
}

export function statsOf(state: SimState): SimStats {
  const procs = Object.values(state.stub.processes);
  const allocated = procs.reduce((s, p) => s + p.sent, 0);
  const freed = procs.reduce((s, p) => s + p.reportedFrees, 0);
  return {
    hnsVersion: state.options.hnsVersion,
    objects: {
      networks: Object.keys(state.networks).length,
      endpoints: Object.keys(state.endpoints).length,
      namespaces: Object.keys(state.namespaces).length,
      loadBalancers: Object.keys(state.loadBalancers).length,
      routes: Object.keys(state.routes).length,
      computeSystems: Object.keys(state.computeSystems).length,
    },
    openHandles: Object.keys(state.handles).length,
    calls: state.counters,
    totalCalls: Object.values(state.counters).reduce((s, n) => s + (n ?? 0), 0),
    latencyMs: state.latencyMs,
    faults: state.faults.map((f) => ({
      fn: f.fn,
      nth: f.nth,
      times: f.times,
      action: describeAction(f.action),
      seen: f.seen,
      fired: f.fired,
    })),
    vswitches: state.vswitches,
    blips: { count: state.blips.length, events: state.blips },
    stub: {
      allocated,
      freed,
      outstanding: allocated - freed,
      allocatedReported: procs.reduce((s, p) => s + p.reportedAllocations, 0),
      processes: procs.length,
      processesReported: procs.filter((p) => p.reported).length,
    },
  };
}
