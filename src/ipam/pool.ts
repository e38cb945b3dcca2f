// Pure allocation rules: which addresses of a subnet may be handed out, and which one comes next. No I/O.
//
// A pool is a window of consecutive addresses [first, first + size) inside the subnet, numbered by slot. Held slots
// are a bitmap (one bit per address), so finding the next free address costs O(pool / 8) byte tests in the worst
// case, whatever the number of held addresses; blocked slots (network, broadcast, gateway, host endpoint,
// reserved) live in a second mask computed once per open. The window is capped at MAX_POOL_SLOTS so an IPv6 /64
// (or an oversized IPv4 subnet) stays a few kilobytes on disk: a node never runs 65,536 pods.
import {
  type Cidr,
  cidrContains,
  cidrLast,
  formatAddress,
  formatCidr,
  type IpFamily,
  parseAddressOrCidr,
} from './cidr.js';

export const MAX_POOL_SLOTS = 65_536;

export interface PoolRules {
  subnet: Cidr;
  /** Explicit range bounds (inclusive); default: the whole subnet minus network/broadcast. */
  rangeStart?: bigint;
  rangeEnd?: bigint;
  gateway: bigint;
  /** The L2Bridge host endpoint's address; undefined when the mode has none or it is turned off. */
  hostEndpoint?: bigint;
  /** Addresses and CIDRs never handed out (entries of the other family are ignored). */
  reserved: string[];
}

export interface Pool {
  family: IpFamily;
  subnet: Cidr;
  gateway: bigint;
  hostEndpoint?: bigint;
  /** Address of slot 0. */
  first: bigint;
  size: number;
  /** Bit set = slot never handed out. */
  blocked: Uint8Array;
  /** Number of slots not blocked: the most addresses this pool can hold. */
  usable: number;
}

export function bitmapBytes(size: number): number {
  return Math.ceil(size / 8);
}

export function testBit(map: Uint8Array, slot: number): boolean {
  return (map[slot >> 3]! & (1 << (slot & 7))) !== 0;
}

export function setBit(map: Uint8Array, slot: number): void {
  map[slot >> 3]! |= 1 << (slot & 7);
}

export function clearBit(map: Uint8Array, slot: number): void {
  map[slot >> 3]! &= ~(1 << (slot & 7));
}

export function countBits(map: Uint8Array): number {
  let n = 0;
  for (const byte of map) {
    let b = byte;
    while (b) {
      b &= b - 1;
      n++;
    }
  }
  return n;
}

export function buildPool(rules: PoolRules): Pool {
  const { subnet } = rules;
  const last = cidrLast(subnet);
  // IPv4: the network and broadcast addresses are never hosts. IPv6: the subnet-router anycast address (the
  // network address) is not a host either; there is no broadcast.
  const lowest = subnet.network + 1n;
  const highest = subnet.family === 4 ? last - 1n : last;
  const start = rules.rangeStart ?? lowest;
  const end = rules.rangeEnd ?? highest;
  const first = start < lowest ? lowest : start;
  const stop = end > highest ? highest : end;
  const span = stop >= first ? stop - first + 1n : 0n;
  const size = Number(span > BigInt(MAX_POOL_SLOTS) ? BigInt(MAX_POOL_SLOTS) : span);

  const blocked = new Uint8Array(bitmapBytes(size));
  const block = (addr: bigint) => {
    const slot = addr - first;
    if (slot >= 0n && slot < BigInt(size)) setBit(blocked, Number(slot));
  };
  block(rules.gateway);
  if (rules.hostEndpoint !== undefined) block(rules.hostEndpoint);
  for (const text of rules.reserved) {
    const r = parseAddressOrCidr(text);
    if (!r || r.family !== subnet.family) continue;
    const from = r.network > first ? r.network : first;
    const to = cidrLast(r) < first + BigInt(size) - 1n ? cidrLast(r) : first + BigInt(size) - 1n;
    for (let a = from; a <= to; a++) block(a);
  }
  // Bits past `size` in the last byte are blocked so whole-byte scans can skip them.
  for (let slot = size; slot < blocked.length * 8; slot++) setBit(blocked, slot);
  const pool: Pool = { family: subnet.family, subnet, gateway: rules.gateway, first, size, blocked, usable: 0 };
  if (rules.hostEndpoint !== undefined) pool.hostEndpoint = rules.hostEndpoint;
  pool.usable = size - countBitsIn(blocked, size);
  return pool;
}

function countBitsIn(map: Uint8Array, size: number): number {
  let n = 0;
  for (let slot = 0; slot < size; slot++) if (testBit(map, slot)) n++;
  return n;
}

/**
 * The next free slot, searching round-robin from the slot after `lastSlot` (as host-local does, so a just-released
 * address is not reused at once), or undefined when the pool is exhausted. Whole bytes that are full are skipped.
 */
export function nextFreeSlot(pool: Pool, held: Uint8Array, lastSlot: number): number | undefined {
  // Walk the padded slot space (whole bytes); padding bits are blocked, so they are never returned.
  const total = pool.blocked.length * 8;
  if (total === 0) return undefined;
  let slot = lastSlot + 1 >= pool.size || lastSlot < 0 ? 0 : lastSlot + 1;
  for (let visited = 0; visited < total; ) {
    if ((slot & 7) === 0 && (held[slot >> 3]! | pool.blocked[slot >> 3]!) === 0xff) {
      slot += 8;
      visited += 8;
    } else {
      if (!testBit(held, slot) && !testBit(pool.blocked, slot)) return slot;
      slot++;
      visited++;
    }
    if (slot >= total) slot = 0;
  }
  return undefined;
}

export function slotOf(pool: Pool, address: bigint): number | undefined {
  const slot = address - pool.first;
  return slot >= 0n && slot < BigInt(pool.size) ? Number(slot) : undefined;
}

export function addressOf(pool: Pool, slot: number): bigint {
  return pool.first + BigInt(slot);
}

export function poolContains(pool: Pool, family: IpFamily, address: bigint): boolean {
  return cidrContains(pool.subnet, { family, value: address });
}

/** A short description for messages and the operator command. */
export function describePool(pool: Pool): string {
  const range = `${formatAddress(pool.family, pool.first)}-${formatAddress(pool.family, pool.first + BigInt(Math.max(pool.size - 1, 0)))}`;
  return `${formatCidr(pool.subnet)} (range ${range})`;
}
