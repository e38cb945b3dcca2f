// One simulated HNS call end to end, shared by the in-process abi and `sim serve`: in one state transaction count
// the call, pick a fault, apply the call (or the fault's HRESULT); then, outside the lock so slow calls overlap
// like real RPCs, wait the latency (+ a hang fault, + a vSwitch blip when configured; + the wait for earlier state
// changes when HNS is serialised). A late fault applies the call in a second transaction after its delay, with
// other calls going on meanwhile.
import { setTimeout as sleep } from 'node:timers/promises';
import { log } from '../../log/logger.js';
import type { AbiReply } from '../abi.js';
import { HR } from '../hresult.js';
import { dispatch, failureReply } from './dispatch.js';
import { isSimFunction, type SimCall } from './functions.js';
import { countCall, latencyFor, recordStubStrings, takeFault } from './instrumentation.js';
import { changesState } from './latency-profile.js';
import type { Fault, FaultAction, SimState } from './state.js';
import { transact } from './state-file.js';

export interface InvokeOptions {
  /** Process-local faults (HNS_CNI_SIM_FAULTS), counted in addition to the state's. */
  localFaults?: Fault[];
  /** Set by the server: the calling stub process, whose out-string allocations are counted. */
  stub?: { pid: number; wantsErrorRecord: boolean };
}

export interface InvokeResult {
  reply: AbiReply;
  /** Fault "kill": the caller must die now (in process: SIGKILL; over the wire: reply action 1). */
  kill: boolean;
}

export async function invokeSim(file: string, call: SimCall, opts: InvokeOptions = {}): Promise<InvokeResult> {
  if (!isSimFunction(call.fn)) return { reply: failureReply(HR.E_NOTIMPL), kill: false };
  const first = await transact(file, (state) => {
    countCall(state, call.fn);
    const fault = takeFault(state.faults, call.fn) ?? takeFault(opts.localFaults ?? [], call.fn);
    // A late fault: nothing happens now; the call is applied (and answered) once the delay is over.
    if (fault?.kind === 'late') return { lateMs: fault.ms };
    return apply(state, call, fault, opts);
  });
  let outcome: Applied;
  if ('lateMs' in first) {
    await sleep(first.lateMs);
    outcome = await transact(file, (state) => apply(state, call, undefined, opts));
  } else outcome = first;
  if (outcome.delayMs > 0) await sleep(outcome.delayMs);
  return { reply: outcome.reply, kill: outcome.kill };
}

interface Applied {
  reply: AbiReply;
  kill: boolean;
  delayMs: number;
}

/** The call's effect on the state (or the fault's HRESULT) and its reply, inside one transaction. */
function apply(state: SimState, call: SimCall, fault: FaultAction | undefined, opts: InvokeOptions): Applied {
  const blipsBefore = state.blips.length;
  let reply: AbiReply;
  if (fault?.kind === 'hr') reply = failureReply(fault.hr);
  else {
    try {
      reply = dispatch(state, call);
    } catch (e) {
      // A bug in the model must not take the server down: report it as HNS would report an internal error.
      log.error('simulator: unexpected error', { fn: call.fn, error: String(e) });
      reply = failureReply(HR.E_FAIL, String(e));
    }
  }
  let delayMs = queuedLatency(state, call, Date.now()) + (fault?.kind === 'hang' ? fault.ms : 0);
  if (state.blips.length > blipsBefore && state.options.vswitchBlipDelaysCall) delayMs += state.options.vswitchBlipMs;
  if (opts.stub) {
    // A killed caller never copies its out-strings: send none, count none.
    if (!opts.stub.wantsErrorRecord || fault?.kind === 'kill') delete reply.errorRecord;
    if (fault?.kind === 'kill') delete reply.output;
    recordStubStrings(
      state,
      opts.stub.pid,
      Number(reply.output !== undefined) + Number(reply.errorRecord !== undefined),
    );
  }
  return { reply, kill: fault?.kind === 'kill', delayMs };
}

/**
 * The call's latency; for a state change on a serialised HNS, also the wait for the changes queued before it (a
 * single-server queue kept in the state file, so every process and connection shares it). The change itself is
 * visible at once; only its reply waits its turn.
 */
export function queuedLatency(state: SimState, call: SimCall, now: number): number {
  const latency = latencyFor(state, call.fn);
  if (state.options.changeSerialisation !== 'serialised' || !changesState(call)) return latency;
  const done = Math.max(now, state.changesBusyUntil ?? 0) + latency;
  state.changesBusyUntil = done;
  return done - now;
}
