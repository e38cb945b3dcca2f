import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CNI_CODE, CniError } from '../../../src/cni/errors.js';
import type { BuiltinIpamConfig } from '../../../src/ipam/config.js';
import { type IpamOpenOptions, openIpam, openIpamStore } from '../../../src/ipam/ipam.js';
import { storeProblems } from '../../fixtures/ipam/consistency.js';

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipam-unit-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const open = (extra: Partial<BuiltinIpamConfig> = {}, opts: Partial<IpamOpenOptions> = {}) =>
  openIpam({ subnet: '10.10.0.0/24', dataDir, ...extra }, { network: 'net1', ...opts });
const key = (n: number, ifName = 'eth0') => ({ containerId: `c${n}`, ifName });

async function codeOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CniError) return e.code;
    throw e;
  }
  return undefined;
}

describe('built-in IPAM', () => {
  it('allocates CNI ips with the gateway and the configured routes; .1 and .2 are skipped', async () => {
    const ipam = await open({ routes: [{ dst: '0.0.0.0/0' }] });
    const a = await ipam.allocate(key(1));
    expect(a.ips).toEqual([{ address: '10.10.0.3/24', gateway: '10.10.0.1' }]);
    expect(a.routes).toEqual([{ dst: '0.0.0.0/0' }]);
    expect(a.reused).toBe(false);
    expect(Date.parse(a.since)).not.toBeNaN();
    expect(ipam.pools[0]).toMatchObject({ gateway: '10.10.0.1', hostEndpoint: '10.10.0.2', usable: 252 });
  });

  it('hands .2 out when the mode has no host endpoint', async () => {
    const ipam = await open({}, { hostEndpoint: false });
    expect((await ipam.allocate(key(1))).ips[0]!.address).toBe('10.10.0.2/24');
  });

  it('is idempotent: the same key gets the same address, never a second one', async () => {
    const ipam = await open();
    const first = await ipam.allocate(key(1));
    const again = await ipam.allocate(key(1));
    expect(again.ips).toEqual(first.ips);
    expect(again.reused).toBe(true);
    expect(again.since).toBe(first.since);
    expect((await ipam.status())[0]!.held).toBe(1);
    // another interface of the same container is another key
    expect((await ipam.allocate(key(1, 'eth1'))).ips[0]!.address).toBe('10.10.0.4/24');
  });

  it('does not reuse a just-released address (round-robin), and release is idempotent', async () => {
    const ipam = await open();
    await ipam.allocate(key(1));
    const b = await ipam.allocate(key(2));
    expect((await ipam.release(key(2)))?.ips).toEqual(b.ips);
    expect(await ipam.release(key(2))).toBeUndefined();
    expect(await ipam.lookup(key(2))).toBeUndefined();
    expect((await ipam.allocate(key(3))).ips[0]!.address).toBe('10.10.0.5/24');
  });

  it('fails with POOL_EXHAUSTED naming the subnet and the held count', async () => {
    const ipam = await open({ rangeStart: '10.10.0.10', rangeEnd: '10.10.0.12' });
    for (let i = 0; i < 3; i++) await ipam.allocate(key(i));
    const err = await ipam.allocate(key(9)).catch((e: CniError) => e);
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).code).toBe(CNI_CODE.POOL_EXHAUSTED);
    expect((err as CniError).message).toContain('10.10.0.0/24');
    expect((err as CniError).message).toContain('3 of 3 usable addresses are held');
  });

  it('GC releases exactly the allocations that are not valid attachments', async () => {
    const ipam = await open();
    for (let i = 1; i <= 4; i++) await ipam.allocate(key(i));
    const out = await ipam.gc([
      { containerID: 'c1', ifname: 'eth0' },
      { containerID: 'c3', ifname: 'eth0' },
    ]);
    expect(out.errors).toEqual([]);
    expect(out.released.map((e) => e.containerId).sort()).toEqual(['c2', 'c4']);
    expect((await ipam.list()).map((a) => a.containerId).sort()).toEqual(['c1', 'c3']);
    expect((await ipam.status())[0]!.held).toBe(2);
  });

  it('allocates an IPv4 and an IPv6 address per key when a v6 subnet is configured', async () => {
    const ipam = await open({ subnet6: 'fd00:10::/64' });
    const a = await ipam.allocate(key(1));
    // .2 and ::2 are the host endpoint's (the default opens the IPAM for a mode with one)
    expect(a.ips).toEqual([
      { address: '10.10.0.3/24', gateway: '10.10.0.1' },
      { address: 'fd00:10::3/64', gateway: 'fd00:10::1' },
    ]);
    expect((await ipam.status()).map((s) => s.subnet)).toEqual(['10.10.0.0/24', 'fd00:10::/64']);
  });

  it('keeps only the IPv4 host endpoint slot out of the pool when the mode has no IPv6 one (overlay)', async () => {
    const ipam = await openIpam(
      { subnet: '10.10.0.0/24', subnet6: 'fd00:10::/64', dataDir },
      { network: 'ov', hostEndpoint: true, hostEndpoint6: false },
    );
    const a = await ipam.allocate(key(1));
    expect(a.ips.map((i) => i.address)).toEqual(['10.10.0.3/24', 'fd00:10::2/64']);
  });

  it('rejects container ids and interface names that could escape the store directory', async () => {
    const ipam = await open();
    for (const bad of ['../../etc/passwd', '..', 'a/b', 'a\\b', '.hidden', '']) {
      expect(await codeOf(ipam.allocate({ containerId: bad, ifName: 'eth0' }))).toBe(CNI_CODE.INVALID_ENVIRONMENT);
    }
    expect(await codeOf(ipam.release({ containerId: 'ok', ifName: '../x' }))).toBe(CNI_CODE.INVALID_ENVIRONMENT);
    expect(await codeOf(openIpam({ subnet: '10.0.0.0/24', dataDir }, { network: '../net' }))).toBe(
      CNI_CODE.INVALID_CONFIG,
    );
    expect(fs.readdirSync(dataDir)).toEqual([]); // nothing was written anywhere
  });

  it('rebuilds a corrupt store from its allocation files and the recovery hook, moving it aside', async () => {
    const ipam = await open();
    await ipam.allocate(key(1));
    await ipam.allocate(key(2));
    const state = path.join(dataDir, 'net1', 'state.json');
    fs.writeFileSync(state, fs.readFileSync(state, 'utf8').slice(0, 20)); // truncated
    fs.rmSync(path.join(dataDir, 'net1', 'alloc', `c2~${Buffer.from('eth0').toString('hex')}.json`));
    let hookCalls = 0;
    const reopened = await open(
      {},
      {
        recover: async () => {
          hookCalls++;
          return [{ containerId: 'c2', ifName: 'eth0', address: '10.10.0.4/24' }];
        },
      },
    );
    const c3 = await reopened.allocate(key(3));
    expect(hookCalls).toBe(1);
    expect(c3.ips[0]!.address).toBe('10.10.0.5/24');
    const held = (await reopened.list()).map((a) => `${a.containerId}=${a.ips[0]!.address}`).sort();
    expect(held).toEqual(['c1=10.10.0.3/24', 'c2=10.10.0.4/24', 'c3=10.10.0.5/24']);
    expect(fs.readdirSync(path.join(dataDir, 'net1')).filter((n) => n.startsWith('state.json.corrupt-'))).toHaveLength(
      1,
    );
  });

  it('re-derives the pool when the subnet changes: new addresses come from the new subnet only', async () => {
    const before = await open();
    await before.allocate(key(1));
    const after = await open({ subnet: '10.20.0.0/24' });
    expect((await after.allocate(key(2))).ips[0]!.address).toBe('10.20.0.3/24');
    expect((await after.allocate(key(1))).ips[0]!.address).toBe('10.10.0.3/24'); // the old pod keeps its address
    expect((await after.status())[0]).toEqual({ subnet: '10.20.0.0/24', held: 1, usable: 252 });
  });
});

describe('the store alone (openIpamStore): what DEL and CHECK use, with no subnet source', () => {
  const storeOnly = () =>
    openIpamStore(
      { subnetFrom: 'flannel', subnetFile: path.join(dataDir, 'no-such-subnet.env'), dataDir },
      {
        network: 'net1',
      },
    );

  it('looks up and releases with the pools recorded in the store; the bitmap stays exact', async () => {
    const ipam = await open({}, { hostEndpoint: false });
    await ipam.allocate(key(1));
    const two = await ipam.allocate(key(2));
    expect((await storeOnly().lookup(key(2)))?.ips).toEqual(two.ips);
    expect((await storeOnly().release(key(2)))?.ips).toEqual(two.ips);
    expect(await storeOnly().release(key(2))).toBeUndefined();
    expect(await storeOnly().lookup(key(2))).toBeUndefined();
    expect(storeProblems(dataDir, 'net1')).toEqual([]);
    expect(await ipam.status()).toEqual([{ subnet: '10.10.0.0/24', held: 1, usable: 253 }]);
    // The released address is free again for the full IPAM (after the round-robin cursor comes round).
    const all = [];
    for (let n = 3; n < 300; n++) {
      const got = await ipam.allocate(key(n)).catch(() => undefined);
      if (got === undefined) break;
      all.push(got.ips[0]!.address);
    }
    expect(all).toContain(two.ips[0]!.address);
  });

  it('without a usable state.json, removes the allocation file; the next rebuild no longer counts it', async () => {
    const ipam = await open({}, { hostEndpoint: false });
    const one = await ipam.allocate(key(1));
    await ipam.allocate(key(2));
    fs.rmSync(path.join(dataDir, 'net1', 'state.json'));
    expect((await storeOnly().release(key(1)))?.ips).toEqual(one.ips);
    expect(fs.existsSync(path.join(dataDir, 'net1', 'state.json'))).toBe(false); // left for the rebuild
    const reopened = await open({}, { hostEndpoint: false });
    const three = await reopened.allocate(key(3)); // the first write transaction rebuilds the state
    expect((await reopened.list()).map((a) => a.containerId).sort()).toEqual(['c2', 'c3']);
    expect(await reopened.status()).toEqual([{ subnet: '10.10.0.0/24', held: 2, usable: 253 }]);
    expect(storeProblems(dataDir, 'net1')).toEqual([]);
    expect(three.ips).not.toEqual((await reopened.lookup(key(2)))?.ips);
  });
});
