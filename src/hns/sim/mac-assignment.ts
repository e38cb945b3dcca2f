// MAC addresses HNS hands out (§7.7): from the network's MacPool, else HNS's default pool, upper-case dash form,
// unique on the host. A caller-supplied MacAddress is stored verbatim and not checked.
import { HR } from '../hresult.js';
import type { HostComputeNetwork } from '../types.js';
import { formatMac, parseMac } from './addresses.js';
import { fail } from './failure.js';
import type { SimState } from './state.js';

/** The pool seen on the `nat` network when the caller gives none (4096 addresses). */
export const DEFAULT_MAC_POOL = { StartMacAddress: '00-15-5D-F2-00-00', EndMacAddress: '00-15-5D-F2-0F-FF' };
/** Distributed-router MACs of Overlay networks come from a separate range so they never clash with endpoints. */
const DR_MAC_POOL = { StartMacAddress: '00-15-5D-F0-00-00', EndMacAddress: '00-15-5D-F0-0F-FF' };

function usedMacs(state: SimState): Set<bigint> {
  const used = new Set<bigint>();
  for (const e of Object.values(state.endpoints)) {
    const m = e.MacAddress === undefined ? undefined : parseMac(e.MacAddress);
    if (m !== undefined) used.add(m);
  }
  for (const n of Object.values(state.networks)) {
    for (const p of n.Policies ?? []) {
      const a = p.Type === 'DrMacAddress' ? parseMac(String((p.Settings as { Address?: unknown }).Address)) : undefined;
      if (a !== undefined) used.add(a);
    }
  }
  return used;
}

function fromPools(state: SimState, pools: { StartMacAddress: string; EndMacAddress: string }[]): string {
  const used = usedMacs(state);
  for (const pool of pools) {
    const start = parseMac(pool.StartMacAddress)!;
    const end = parseMac(pool.EndMacAddress)!;
    const cursorKey = `${formatMac(start)}/${formatMac(end)}`;
    const last = state.cursors.mac[cursorKey];
    let candidate = last === undefined ? start : parseMac(last)! + 1n;
    for (let tried = 0n; tried <= end - start; tried++) {
      if (candidate > end) candidate = start;
      if (!used.has(candidate)) {
        const mac = formatMac(candidate);
        state.cursors.mac[cursorKey] = mac;
        return mac;
      }
      candidate++;
    }
  }
  fail(HR.E_OUTOFMEMORY); // pool exhausted: UNCONFIRMED what HNS returns
}

export function assignMac(state: SimState, network: HostComputeNetwork): string {
  const ranges = network.MacPool?.Ranges ?? [];
  return fromPools(state, ranges.length > 0 ? ranges : [DEFAULT_MAC_POOL]);
}

export function assignDrMac(state: SimState): string {
  return fromPools(state, [DR_MAC_POOL]);
}
