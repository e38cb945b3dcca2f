// The store's transactions: allocate, release, GC and rebuild, each under the store's cross-process lock.
//
// Crash safety. A change touches state.json (bitmap) and one allocation file. It is recorded as an intent in
// state.json in the same atomic write that changes the bitmap, then the allocation file is written or removed.
// Every later transaction first settles leftover intents:
//   allocate, file present  → the allocation completed: keep it;
//   allocate, file missing  → the writer died before the file: free the address again;
//   release,  file present  → the writer died before the unlink: finish the release.
// So a process killed at any instant leaves a store that the next transaction makes exactly consistent, with one
// stat per leftover intent (no scan). A missing or damaged state.json is rebuilt from the allocation files plus
// what the plugin's recovery hook reports (the endpoints HNS still has); a changed pool (new podCIDR, new range)
// is rebuilt from the allocation files.
import { CNI_CODE, CniError } from '../cni/errors.js';
import { log } from '../log/logger.js';
import { formatAddress, formatCidr, parseAddress, parseCidr } from './cidr.js';
import { type AllocationKey, keyStem, validateKey } from './keys.js';
import { addressOf, clearBit, countBits, describePool, nextFreeSlot, type Pool, setBit, slotOf } from './pool.js';
import type { AllocationEntry, IpamStore, StoredPool, StoreState } from './store.js';

/** One attachment HNS still has, as reported by the plugin's recovery hook (address bare or in CIDR notation). */
export interface RecoveredAttachment extends AllocationKey {
  address: string;
}

export type RecoveryHook = () => Promise<RecoveredAttachment[]>;

export interface GcOutcome {
  released: AllocationEntry[];
  errors: Array<{ containerId: string; ifName: string; error: string }>;
}

const bare = (cidrOrAddress: string) => cidrOrAddress.split('/')[0]!;

export class Allocator {
  constructor(
    private readonly store: IpamStore,
    private readonly pools: Pool[],
    private readonly recover?: RecoveryHook,
  ) {}

  /** Idempotent: a key that already holds addresses gets them back; `reused` says so. */
  async allocate(key: AllocationKey, now = new Date()): Promise<{ entry: AllocationEntry; reused: boolean }> {
    validateKey(key);
    return this.store.locked(async () => {
      const tx = await this.begin();
      const existing = this.store.readEntry(key, true);
      if (existing) {
        if (tx.dirty) this.store.writeState(tx.state);
        return { entry: existing, reused: true };
      }
      const ips: AllocationEntry['ips'] = [];
      const addresses: string[] = [];
      for (const [i, pool] of this.pools.entries()) {
        const stored = tx.state.pools[i]!;
        const slot = nextFreeSlot(pool, stored.held, stored.last);
        if (slot === undefined) {
          if (tx.dirty) this.store.writeState(tx.state);
          throw exhausted(pool, stored);
        }
        setBit(stored.held, slot);
        stored.last = slot;
        const address = formatAddress(pool.family, addressOf(pool, slot));
        addresses.push(address);
        ips.push({ address: `${address}/${pool.subnet.prefix}`, gateway: formatAddress(pool.family, pool.gateway) });
      }
      const entry: AllocationEntry = { ...key, ips, since: now.toISOString() };
      tx.state.pending = [{ op: 'allocate', stem: keyStem(key), addresses }];
      this.store.writeState(tx.state);
      this.store.writeEntry(entry);
      return { entry, reused: false };
    });
  }

  /** Idempotent: releasing a key that holds nothing returns undefined. */
  async release(key: AllocationKey): Promise<AllocationEntry | undefined> {
    validateKey(key);
    return this.store.locked(() => this.releaseLocked(key));
  }

  private async releaseLocked(key: AllocationKey): Promise<AllocationEntry | undefined> {
    const tx = await this.begin();
    const entry = this.store.readEntry(key, true);
    if (!entry) {
      if (tx.dirty) this.store.writeState(tx.state);
      return undefined;
    }
    this.freeAddresses(tx.state, entry);
    tx.state.pending = [{ op: 'release', stem: keyStem(key), addresses: entry.ips.map((ip) => bare(ip.address)) }];
    this.store.writeState(tx.state);
    this.store.removeEntryByStem(keyStem(key));
    return entry;
  }

  /**
   * Release without the node subnet (DEL): the pools are the ones recorded in the store itself, so neither flannel's
   * subnet.env nor the API server is needed. Without a usable state.json the allocation file alone is removed: the
   * next allocation rebuilds the state from the files (and from HNS), where this key no longer appears.
   */
  static async releaseFromStore(store: IpamStore, key: AllocationKey): Promise<AllocationEntry | undefined> {
    validateKey(key);
    return store.locked(async () => {
      const load = store.loadState();
      if (load.kind !== 'ok') {
        const entry = store.readEntry(key, true);
        if (entry) store.removeEntryByStem(keyStem(key));
        return entry;
      }
      return new Allocator(store, load.state.pools.map(poolOfStored)).releaseLocked(key);
    });
  }

  /** Releases every allocation whose key is not in `valid`, carrying on after errors; re-derives the bitmaps. */
  async gc(valid: AllocationKey[]): Promise<GcOutcome> {
    const keep = new Set(valid.map((k) => `${k.containerId}\u0000${k.ifName}`));
    return this.store.locked(async () => {
      const tx = await this.begin();
      const entries = this.store.listEntries(true);
      const stale = entries.filter((e) => !keep.has(`${e.containerId}\u0000${e.ifName}`));
      const outcome: GcOutcome = { released: [], errors: [] };
      if (stale.length > 0) {
        for (const e of stale) this.freeAddresses(tx.state, e);
        tx.state.pending = stale.map((e) => ({
          op: 'release' as const,
          stem: keyStem(e),
          addresses: e.ips.map((ip) => bare(ip.address)),
        }));
        this.store.writeState(tx.state);
        for (const e of stale) {
          try {
            this.store.removeEntryByStem(keyStem(e));
            outcome.released.push(e);
          } catch (err) {
            outcome.errors.push({ containerId: e.containerId, ifName: e.ifName, error: (err as Error).message });
          }
        }
      }
      // GC already paid for the full listing: re-derive the bitmaps from the surviving files, which also heals any
      // drift (an address marked held with no owner). Failed releases stay pending and are retried next time.
      const survivors = entries.filter((e) => !outcome.released.includes(e));
      const failed = new Set(outcome.errors.map((x) => keyStem(x)));
      tx.state = this.derive(
        survivors.filter((e) => !failed.has(keyStem(e))),
        tx.state,
      );
      tx.state.pending = stale
        .filter((e) => failed.has(keyStem(e)))
        .map((e) => ({ op: 'release', stem: keyStem(e), addresses: e.ips.map((ip) => bare(ip.address)) }));
      this.store.writeState(tx.state);
      this.store.sweepTempFiles();
      return outcome;
    });
  }

  /** Loads the state for a write transaction: settled, rebuilt if missing, damaged or made for other pools. */
  private async begin(): Promise<{ state: StoreState; dirty: boolean }> {
    const load = this.store.loadState();
    if (load.kind === 'missing') return { state: await this.rebuild('store missing', true), dirty: false };
    if (load.kind === 'corrupt') {
      this.store.moveAside(this.store.stateFile, load.reason);
      return { state: await this.rebuild(`store damaged: ${load.reason}`, true), dirty: false };
    }
    const state = load.state;
    const dirty = state.pending.length > 0;
    if (dirty) this.settle(state);
    if (!this.samePools(state.pools)) return { state: await this.rebuild('pool changed', false), dirty: false };
    return { state, dirty };
  }

  private settle(state: StoreState): void {
    for (const intent of state.pending) {
      const present = this.store.entryExists(intent.stem);
      if (intent.op === 'allocate' && !present) {
        log.info('ipam: rolling back an allocation interrupted before its file was written', { intent });
        for (const a of intent.addresses) this.setHeld(state, a, false);
      } else if (intent.op === 'release' && present) {
        log.info('ipam: finishing an interrupted release', { intent });
        this.store.removeEntryByStem(intent.stem);
      }
    }
    state.pending = [];
  }

  private async rebuild(reason: string, askHns: boolean): Promise<StoreState> {
    log.warn('ipam: rebuilding the allocation store', { network: this.store.network, reason });
    const entries = this.store.listEntries(true);
    if (askHns && this.recover) {
      for (const r of await this.recover()) {
        const adopted = this.adopt(r, entries);
        if (adopted) entries.push(adopted);
      }
    }
    const state = this.derive(entries);
    this.store.writeState(state);
    this.store.sweepTempFiles();
    return state;
  }

  /** Turns an attachment HNS reports into an allocation file, unless the store already knows it. */
  private adopt(r: RecoveredAttachment, entries: AllocationEntry[]): AllocationEntry | undefined {
    const addr = parseAddress(bare(r.address));
    const pool = addr && this.pools.find((p) => p.family === addr.family && slotOf(p, addr.value) !== undefined);
    try {
      validateKey(r);
    } catch {
      log.warn('ipam: recovery hook reported an invalid key; ignored', { attachment: r });
      return undefined;
    }
    if (!addr || !pool) {
      log.warn('ipam: recovered address is outside every pool; ignored', { attachment: r });
      return undefined;
    }
    const address = formatAddress(addr.family, addr.value);
    const holder = entries.find((e) => e.ips.some((ip) => bare(ip.address) === address));
    if (holder) {
      if (holder.containerId !== r.containerId || holder.ifName !== r.ifName) {
        log.warn('ipam: HNS and the store disagree on an address; keeping the store entry', { attachment: r });
      }
      return undefined;
    }
    const entry: AllocationEntry = {
      containerId: r.containerId,
      ifName: r.ifName,
      ips: [{ address: `${address}/${pool.subnet.prefix}`, gateway: formatAddress(pool.family, pool.gateway) }],
      since: new Date().toISOString(),
      recovered: true,
    };
    const same = entries.find((e) => e.containerId === r.containerId && e.ifName === r.ifName);
    if (same) {
      same.ips.push(entry.ips[0]!);
      this.store.writeEntry(same);
      return undefined;
    }
    this.store.writeEntry(entry);
    return entry;
  }

  /** Fresh pool states whose bitmaps mark exactly the addresses of `entries`. */
  private derive(entries: AllocationEntry[], previous?: StoreState): StoreState {
    const state: StoreState = {
      pools: this.pools.map((p, i) => ({
        family: p.family,
        subnet: formatCidr(p.subnet),
        first: formatAddress(p.family, p.first),
        size: p.size,
        usable: p.usable,
        last: previous?.pools[i]?.last ?? -1,
        held: new Uint8Array(p.blocked.length),
      })),
      pending: [],
    };
    const newest = new Map<number, string>();
    for (const e of entries) {
      for (const ip of e.ips) {
        const slotPool = this.setHeld(state, bare(ip.address), true);
        if (slotPool && !previous && (newest.get(slotPool.index) ?? '') <= e.since) {
          newest.set(slotPool.index, e.since);
          state.pools[slotPool.index]!.last = slotPool.slot;
        }
      }
    }
    return state;
  }

  private freeAddresses(state: StoreState, entry: AllocationEntry): void {
    for (const ip of entry.ips) this.setHeld(state, bare(ip.address), false);
  }

  private setHeld(state: StoreState, address: string, held: boolean): { index: number; slot: number } | undefined {
    const a = parseAddress(address);
    if (!a) return undefined;
    for (const [index, pool] of this.pools.entries()) {
      if (pool.family !== a.family) continue;
      const slot = slotOf(pool, a.value);
      if (slot === undefined) continue;
      (held ? setBit : clearBit)(state.pools[index]!.held, slot);
      return { index, slot };
    }
    return undefined;
  }

  private samePools(stored: StoredPool[]): boolean {
    return (
      stored.length === this.pools.length &&
      this.pools.every((p, i) => {
        const s = stored[i]!;
        return (
          s.family === p.family &&
          s.subnet === formatCidr(p.subnet) &&
          s.first === formatAddress(p.family, p.first) &&
          s.size === p.size
        );
      })
    );
  }
}

/** The slot geometry of a stored pool: enough to free its addresses (nothing is allocated from it). */
function poolOfStored(p: StoredPool): Pool {
  const subnet = parseCidr(p.subnet);
  const first = parseAddress(p.first);
  if (!subnet || !first) throw new CniError(CNI_CODE.IPAM_STORE, `IPAM store: unreadable pool ${p.subnet}`);
  const blocked = new Uint8Array(Math.ceil(p.size / 8));
  for (let slot = p.size; slot < blocked.length * 8; slot++) setBit(blocked, slot);
  return { family: p.family, subnet, gateway: 0n, first: first.value, size: p.size, blocked, usable: p.usable };
}

function exhausted(pool: Pool, stored: StoredPool): CniError {
  const held = countBits(stored.held);
  return new CniError(
    CNI_CODE.POOL_EXHAUSTED,
    `IP pool exhausted: no free address in ${describePool(pool)}; ${held} of ${pool.usable} usable addresses are held`,
    'run `hns-cni ipam` to see the holders; GC (or DEL of finished pods) frees addresses of pods that are gone',
  );
}
