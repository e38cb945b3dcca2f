import { describe, expect, it } from 'vitest';
import { formatAddress, parseAddress, parseCidr } from '../../../src/ipam/cidr.js';
import {
  addressOf,
  bitmapBytes,
  buildPool,
  nextFreeSlot,
  type Pool,
  type PoolRules,
  setBit,
} from '../../../src/ipam/pool.js';

const v = (s: string) => parseAddress(s)!.value;
const rules = (subnet: string, extra: Partial<PoolRules> = {}): PoolRules => {
  const c = parseCidr(subnet)!;
  return { subnet: c, gateway: c.network + 1n, reserved: [], ...extra };
};

/** Drains the pool round-robin and returns every address handed out, in order. */
function drain(pool: Pool): string[] {
  const held = new Uint8Array(bitmapBytes(pool.size));
  const out: string[] = [];
  let last = -1;
  for (;;) {
    const slot = nextFreeSlot(pool, held, last);
    if (slot === undefined) return out;
    setBit(held, slot);
    last = slot;
    out.push(formatAddress(pool.family, addressOf(pool, slot)));
  }
}

describe('pool rules', () => {
  it('a /24 never hands out network, broadcast, gateway, host endpoint or reserved addresses', () => {
    const pool = buildPool(
      rules('10.0.0.0/24', { hostEndpoint: v('10.0.0.2'), reserved: ['10.0.0.100', '10.0.0.64/30', 'fd00::1'] }),
    );
    const handed = drain(pool);
    for (const never of ['10.0.0.0', '10.0.0.255', '10.0.0.1', '10.0.0.2', '10.0.0.100', '10.0.0.64', '10.0.0.67']) {
      expect(handed).not.toContain(never);
    }
    expect(handed).toHaveLength(256 - 2 - 2 - 1 - 4);
    expect(pool.usable).toBe(handed.length);
    expect(new Set(handed).size).toBe(handed.length);
    expect(handed[0]).toBe('10.0.0.3');
    expect(handed.at(-1)).toBe('10.0.0.254');
  });

  it('a /30 with the host endpoint has no usable address; without it, exactly one', () => {
    expect(drain(buildPool(rules('10.0.0.0/30', { hostEndpoint: v('10.0.0.2') })))).toEqual([]);
    expect(drain(buildPool(rules('10.0.0.0/30')))).toEqual(['10.0.0.2']);
  });

  it('stays inside rangeStart-rangeEnd', () => {
    const pool = buildPool(rules('10.0.0.0/24', { rangeStart: v('10.0.0.10'), rangeEnd: v('10.0.0.19') }));
    expect(drain(pool)).toEqual(Array.from({ length: 10 }, (_, i) => `10.0.0.${10 + i}`));
  });

  it('an IPv6 /64 is a window of 65,536 addresses that skips the subnet-router anycast and the gateway', () => {
    const pool = buildPool(rules('fd00:1::/64'));
    expect(pool.size).toBe(65_536);
    const held = new Uint8Array(bitmapBytes(pool.size));
    const first = nextFreeSlot(pool, held, -1)!;
    expect(formatAddress(6, addressOf(pool, first))).toBe('fd00:1::2');
  });

  it('round-robins from the last allocated address and wraps around', () => {
    const pool = buildPool(rules('10.0.0.0/29'));
    const held = new Uint8Array(bitmapBytes(pool.size));
    // slots 0..5 = .1..6; .1 is the gateway
    const nextAfter = (addr: string) => nextFreeSlot(pool, held, Number(v(addr) - pool.first));
    expect(formatAddress(4, addressOf(pool, nextAfter('10.0.0.3')!))).toBe('10.0.0.4');
    expect(formatAddress(4, addressOf(pool, nextAfter('10.0.0.6')!))).toBe('10.0.0.2');
    setBit(held, Number(v('10.0.0.4') - pool.first));
    expect(formatAddress(4, addressOf(pool, nextAfter('10.0.0.3')!))).toBe('10.0.0.5');
  });

  it('finds the one free address of a nearly full /16 wherever the cursor is', () => {
    const pool = buildPool(rules('10.1.0.0/16'));
    const held = new Uint8Array(bitmapBytes(pool.size)).fill(0xff);
    const free = Number(v('10.1.200.7') - pool.first);
    held[free >> 3]! &= ~(1 << (free & 7));
    for (const last of [-1, 0, free, free + 1, pool.size - 1]) expect(nextFreeSlot(pool, held, last)).toBe(free);
    held[free >> 3]! |= 1 << (free & 7);
    expect(nextFreeSlot(pool, held, 5)).toBeUndefined();
  });
});
