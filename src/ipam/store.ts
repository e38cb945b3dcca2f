// The on-disk store of one network's allocations, in `<dataDir>/<network>/`:
//
//   state.json          pools (subnet, window, round-robin cursor, held-address bitmap) + pending intents +
//                       a version and a SHA-256 checksum. Small: 32 bytes of bitmap for a /24, 8 KiB for a /16.
//   alloc/<id>~<ifname hex>.json
//                       one file per allocation (container id, ifname, addresses, since). Looked up by name,
//                       so idempotent ADD and DEL cost one file read whatever the number of held addresses.
//   state.json.lock     the lock directory (src/store/lock.ts withFileLock).
//
// Every file is replaced atomically (write, fsync, rename, fsync dir): a reader without the lock (the operator
// command) always sees a whole old or a whole new file. A change that spans state.json and an allocation file is
// made crash-safe by an intent recorded in state.json first (see allocator.ts). This module only reads, writes and
// validates files; it never decides.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CNI_CODE, CniError } from '../cni/errors.js';
import { log } from '../log/logger.js';
import { readFileIfExists, writeFileAtomic } from '../store/atomic-file.js';
import { LockTimeoutError, withFileLock } from '../store/lock.js';
import type { IpFamily } from './cidr.js';
import { type AllocationKey, keyOfStem, keyStem, validateNetworkName } from './keys.js';

export const STORE_VERSION = 1;

export interface StoredPool {
  family: IpFamily;
  subnet: string;
  /** Address of slot 0 and the window size: together with subnet, the pool's identity. */
  first: string;
  size: number;
  /** Addresses of the window that may be handed out (informational: for usage figures without the config). */
  usable: number;
  /** Last slot handed out (-1: none yet). */
  last: number;
  held: Uint8Array;
}

/** A change spanning state.json and an allocation file, recorded in state.json before the file is touched. */
export interface PendingIntent {
  op: 'allocate' | 'release';
  stem: string;
  /** Bare addresses. */
  addresses: string[];
}

export interface StoreState {
  pools: StoredPool[];
  pending: PendingIntent[];
}

export interface EntryIp {
  /** CIDR notation: the address with its subnet's prefix length. */
  address: string;
  gateway?: string;
}

export interface AllocationEntry extends AllocationKey {
  /** The addresses as handed out (CNI `ips` without `interface`), IPv4 first. */
  ips: EntryIp[];
  /** ISO time of the allocation. */
  since: string;
  /** Rebuilt from HNS by the recovery hook rather than allocated here. */
  recovered?: boolean;
}

export type StateLoad = { kind: 'ok'; state: StoreState } | { kind: 'missing' } | { kind: 'corrupt'; reason: string };

export interface StoreOptions {
  dataDir: string;
  network: string;
  /** Waiting for the lock longer than this fails with code 11 (default 30 s). */
  lockTimeoutMs?: number;
  /** A lock whose holder stopped refreshing it for this long is taken over (default 5 s, minimum 2 s). */
  lockStaleMs?: number;
  /** Test seam: called at every durable write step (before and after each rename or unlink). */
  onWriteStep?: (step: string) => void;
}

interface StateFile {
  version: number;
  network: string;
  pools: Array<Omit<StoredPool, 'held'> & { held: string }>;
  pending: PendingIntent[];
  checksum?: string;
}

function checksumOf(body: Omit<StateFile, 'checksum'>): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

export class IpamStore {
  readonly dir: string;
  readonly stateFile: string;
  readonly allocDir: string;

  constructor(private readonly opts: StoreOptions) {
    validateNetworkName(opts.network);
    this.dir = path.join(opts.dataDir, opts.network);
    this.stateFile = path.join(this.dir, 'state.json');
    this.allocDir = path.join(this.dir, 'alloc');
  }

  get network(): string {
    return this.opts.network;
  }

  /** Runs fn holding the store's cross-process lock; a lock wait timeout becomes "try again later" (11). */
  async locked<T>(fn: () => Promise<T> | T): Promise<T> {
    try {
      return await withFileLock(this.stateFile, fn, {
        timeoutMs: this.opts.lockTimeoutMs ?? 30_000,
        staleMs: this.opts.lockStaleMs ?? 5_000,
      });
    } catch (e) {
      if (e instanceof LockTimeoutError) {
        throw new CniError(CNI_CODE.TRY_AGAIN_LATER, `IPAM store of network ${this.network} is busy`, e.message);
      }
      throw e;
    }
  }

  step(name: string): void {
    this.opts.onWriteStep?.(name);
  }

  loadState(): StateLoad {
    let text: string | undefined;
    try {
      text = readFileIfExists(this.stateFile);
    } catch (e) {
      throw storeError(`cannot read ${this.stateFile}`, e);
    }
    if (text === undefined) return { kind: 'missing' };
    return parseState(text, this.network);
  }

  writeState(state: StoreState): void {
    const body: Omit<StateFile, 'checksum'> = {
      version: STORE_VERSION,
      network: this.network,
      pools: state.pools.map((p) => ({ ...p, held: Buffer.from(p.held).toString('base64') })),
      pending: state.pending,
    };
    const file: StateFile = { ...body, checksum: checksumOf(body) };
    this.step('state:write');
    try {
      writeFileAtomic(this.stateFile, JSON.stringify(file), { beforeRename: () => this.step('state:rename') });
    } catch (e) {
      throw storeError(`cannot write ${this.stateFile}`, e);
    }
    this.step('state:written');
  }

  /** Moves a damaged file out of the way (kept for a post-mortem) and says so in the log. */
  moveAside(file: string, reason: string): string {
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
    try {
      fs.renameSync(file, aside);
    } catch (e) {
      throw storeError(`cannot move the damaged ${file} aside`, e);
    }
    log.warn('ipam: damaged store file moved aside', { network: this.network, file, aside, reason });
    return aside;
  }

  entryFile(key: AllocationKey): string {
    return path.join(this.allocDir, `${keyStem(key)}.json`);
  }

  /** The allocation of a key, or undefined. A damaged file is moved aside (and counts as absent) when `repair`. */
  readEntry(key: AllocationKey, repair: boolean): AllocationEntry | undefined {
    return this.readEntryFile(`${keyStem(key)}.json`, repair);
  }

  writeEntry(entry: AllocationEntry): void {
    const data: AllocationEntry & { version: number } = { version: STORE_VERSION, ...entry };
    this.step('entry:write');
    try {
      writeFileAtomic(this.entryFile(entry), JSON.stringify(data), { beforeRename: () => this.step('entry:rename') });
    } catch (e) {
      throw storeError(`cannot write the allocation of ${entry.containerId}/${entry.ifName}`, e);
    }
    this.step('entry:written');
  }

  removeEntryByStem(stem: string): void {
    this.step('entry:unlink');
    try {
      fs.rmSync(path.join(this.allocDir, `${stem}.json`), { force: true });
    } catch (e) {
      throw storeError(`cannot remove the allocation file ${stem}.json`, e);
    }
    this.step('entry:unlinked');
  }

  entryExists(stem: string): boolean {
    return fs.existsSync(path.join(this.allocDir, `${stem}.json`));
  }

  /** Every allocation file (O(held): for GC, rebuilds and the operator command, never for ADD). */
  listEntries(repair: boolean): AllocationEntry[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.allocDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storeError(`cannot list ${this.allocDir}`, e);
    }
    const entries: AllocationEntry[] = [];
    for (const name of names) {
      // Skip temp files of interrupted writes (".x.json.<pid>.<rand>.tmp") and files moved aside.
      if (name.startsWith('.') || !name.endsWith('.json')) continue;
      const entry = this.readEntryFile(name, repair);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  /** Deletes temp files left by writers that were killed mid-write (only called under the lock). */
  sweepTempFiles(): void {
    for (const dir of [this.dir, this.allocDir]) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        if (name.startsWith('.') && name.endsWith('.tmp')) fs.rmSync(path.join(dir, name), { force: true });
      }
    }
  }

  private readEntryFile(name: string, repair: boolean): AllocationEntry | undefined {
    const file = path.join(this.allocDir, name);
    let text: string | undefined;
    try {
      text = readFileIfExists(file);
    } catch (e) {
      throw storeError(`cannot read ${file}`, e);
    }
    if (text === undefined) return undefined;
    const entry = parseEntry(text, name.slice(0, -'.json'.length));
    if (entry) return entry;
    if (repair) this.moveAside(file, 'unreadable allocation file');
    return undefined;
  }
}

function storeError(what: string, cause: unknown): CniError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new CniError(CNI_CODE.IPAM_STORE, `IPAM store: ${what}`, detail);
}

function parseState(text: string, network: string): StateLoad {
  let file: StateFile;
  try {
    file = JSON.parse(text) as StateFile;
  } catch {
    return { kind: 'corrupt', reason: `not JSON (${text.length} bytes; truncated?)` };
  }
  if (typeof file !== 'object' || file === null) return { kind: 'corrupt', reason: 'not an object' };
  if (file.version !== STORE_VERSION) return { kind: 'corrupt', reason: `unknown store version ${file.version}` };
  const { checksum, ...body } = file;
  if (checksum !== checksumOf(body)) return { kind: 'corrupt', reason: 'checksum mismatch' };
  if (body.network !== network) return { kind: 'corrupt', reason: `store belongs to network ${body.network}` };
  const pools: StoredPool[] = [];
  for (const p of body.pools) {
    const held = new Uint8Array(Buffer.from(p.held, 'base64'));
    if (held.length !== Math.ceil(p.size / 8)) return { kind: 'corrupt', reason: `bitmap size of ${p.subnet}` };
    pools.push({ ...p, held });
  }
  return { kind: 'ok', state: { pools, pending: body.pending } };
}

function parseEntry(text: string, stem: string): AllocationEntry | undefined {
  let raw: Partial<AllocationEntry & { version: number }>;
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch {
    return undefined;
  }
  const key = keyOfStem(stem);
  if (
    !key ||
    raw.version !== STORE_VERSION ||
    raw.containerId !== key.containerId ||
    raw.ifName !== key.ifName ||
    !Array.isArray(raw.ips) ||
    raw.ips.length === 0 ||
    !raw.ips.every(
      (ip) => typeof ip?.address === 'string' && (ip.gateway === undefined || typeof ip.gateway === 'string'),
    ) ||
    typeof raw.since !== 'string'
  ) {
    return undefined;
  }
  const entry: AllocationEntry = { ...key, ips: raw.ips, since: raw.since };
  if (raw.recovered) entry.recovered = true;
  return entry;
}
