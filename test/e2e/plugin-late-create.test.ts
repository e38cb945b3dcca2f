// A create that HNS completes after the plugin gave up (issue 11, item 2): HcnCreateEndpoint outlives the call
// timeout and HNS applies it later (simulator fault "late"). The endpoint's GUID is ours and known before the call,
// so ADD's rollback and DEL delete it whatever the create answered, and the address stays held until a delete is
// confirmed. In a pool of two addresses: at no moment may an endpoint hold an address the IPAM released, and once
// the runtime has DELed the failed pod, another pod gets its address.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressProblems, heldAddresses } from './address-invariant.js';
import { minimalConfig, SimNode } from './plugin-harness.js';

const CALL_TIMEOUT_MS = 1000;
/** A network of its own per case, each with a pool of two addresses. */
const configFor = (network: string) =>
  minimalConfig('nat', {
    name: network,
    ipam: { subnet: '10.244.3.0/24', rangeStart: '10.244.3.10', rangeEnd: '10.244.3.11' },
    timeouts: { hnsCallMs: CALL_TIMEOUT_MS },
  });

let node: SimNode;
beforeAll(async () => {
  node = await SimNode.start('hns-cni-late-');
});
afterAll(async () => {
  await node?.stop();
});

/** Runs fn while checking the invariant every 100 ms; returns fn's value and every violation seen. */
async function watched<T>(network: string, fn: () => Promise<T>): Promise<{ value: T; seen: string[] }> {
  const seen = new Set<string>();
  let done = false;
  const watcher = (async () => {
    while (!done) {
      for (const p of addressProblems(node, network)) seen.add(p);
      await sleep(100);
    }
  })();
  try {
    return { value: await fn(), seen: [...seen] };
  } finally {
    done = true;
    await watcher;
    for (const p of addressProblems(node, network)) seen.add(p);
  }
}

describe.each([
  // Lands while the ADD's rollback is still waiting on the connection: the rollback's delete confirms it.
  { lateMs: 1500, label: 'while ADD is still rolling back' },
  // Lands after ADD gave up on the create (1 s), the network handle's close (1 s) and its rollback's delete (1 s):
  // the runtime's DEL must keep the address (11) until the endpoint is there to delete.
  { lateMs: 4000, label: 'after ADD has returned' },
])('the create lands $label', ({ lateMs }) => {
  it('no endpoint holds a released address; the other pod is served; the address returns after DEL', async () => {
    const NETWORK = `late-net-${lateMs}`;
    const conf = configFor(NETWORK);
    // The network exists before the pods come (a warm pod, gone again).
    const warm = { containerId: `warm-${lateMs}`, netns: await node.createNamespace() };
    expect((await node.cni('ADD', conf, warm)).code).toBe(0);
    expect((await node.cni('DEL', conf, warm)).code).toBe(0);
    const a = { containerId: `late-a-${lateMs}`, netns: await node.createNamespace() };
    const b = { containerId: `late-b-${lateMs}`, netns: await node.createNamespace() };
    const c = { containerId: `late-c-${lateMs}`, netns: await node.createNamespace() };
    const { value: dels, seen } = await watched(NETWORK, async () => {
      await node.sim(['fault', '--fn', 'HcnCreateEndpoint', '--late', String(lateMs)]);
      const started = Date.now();
      const add = await node.cni('ADD', conf, a);
      expect(add.code).toBe(1);
      expect(add.json).toMatchObject({ code: 11 });
      // The runtime's DEL after the failed ADD, retried while it answers "try again later"; another pod meanwhile,
      // for which the pool has its second address.
      const codes: Array<number | null> = [];
      const [addB] = await Promise.all([
        node.cni('ADD', conf, b),
        (async () => {
          for (let del = await node.cni('DEL', conf, a); ; del = await node.cni('DEL', conf, a)) {
            codes.push(del.code === 0 ? 0 : ((del.json?.code as number | undefined) ?? del.code));
            if (del.code === 0) break;
            expect(del.json).toMatchObject({ code: 11 });
            expect(codes.length).toBeLessThan(100);
            await sleep(200);
          }
        })(),
      ]);
      expect(addB.code, addB.stdout).toBe(0);
      // Give the late create every chance to land before looking again.
      await sleep(Math.max(0, started + lateMs + 1000 - Date.now()));
      return codes;
    });
    await node.sim(['fault', '--clear']);
    console.log(`late create (${lateMs} ms): DEL answered ${JSON.stringify(dels)}`);
    expect(seen).toEqual([]);
    expect((await node.endpoints()).filter((e) => String(e.Name).startsWith(`${a.containerId}_`))).toEqual([]);
    expect(heldAddresses(node, NETWORK).map((h) => h.containerId)).toEqual([b.containerId]);

    // The pool's other address is free again: a third pod gets it.
    const addC = await node.cni('ADD', conf, c);
    expect(addC.code, addC.stdout).toBe(0);
    expect(addressProblems(node, NETWORK)).toEqual([]);
    for (const at of [b, c]) expect((await node.cni('DEL', conf, at)).code).toBe(0);
  }, 60_000);
});
