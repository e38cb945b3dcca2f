// A failure at any HCN call of ADD or DEL — an HRESULT, or the process killed mid-call — leaves no endpoint and no
// allocation behind once the runtime has done what it always does next (DEL after a failed ADD; DEL again after a
// failed DEL). Each counted call of a clean ADD/DEL is failed in turn, in every mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countedCalls, MODES, minimalConfig, SimNode } from './plugin-harness.js';

let node: SimNode;
beforeAll(async () => {
  node = await SimNode.start();
});
afterAll(async () => {
  await node?.stop();
});

/** Every (function, nth) pair of the calls a clean run of `verb` makes. */
function callSlots(byFunction: Record<string, number>): Array<[string, number]> {
  return Object.entries(byFunction).flatMap(([fn, n]) =>
    Array.from({ length: n }, (_, i): [string, number] => [fn, i + 1]),
  );
}

async function expectNothingLeft(containerId: string): Promise<void> {
  const endpoints = (await node.endpoints()).map((e) => String(e.Name));
  expect(endpoints.filter((n) => n.startsWith(`${containerId}_`))).toEqual([]);
  expect((await node.allocations()).filter((a) => a.containerId === containerId)).toEqual([]);
}

describe.each(MODES)('%s mode', (mode) => {
  const conf = { ...minimalConfig(mode), name: `faults-${mode}` };
  let addSlots: Array<[string, number]>;
  let delSlots: Array<[string, number]>;

  beforeAll(async () => {
    // A clean run first, to learn which calls ADD and DEL make on a node whose network exists.
    const netns = await node.createNamespace();
    expect((await node.cni('ADD', conf, { containerId: `probe-${mode}`, netns })).code).toBe(0);
    const netns2 = await node.createNamespace();
    const s0 = await node.stats();
    expect((await node.cni('ADD', conf, { containerId: `probe2-${mode}`, netns: netns2 })).code).toBe(0);
    const s1 = await node.stats();
    expect((await node.cni('DEL', conf, { containerId: `probe2-${mode}`, netns: netns2 })).code).toBe(0);
    const s2 = await node.stats();
    addSlots = callSlots(countedCalls(s0, s1).byFunction);
    delSlots = callSlots(countedCalls(s1, s2).byFunction);
    expect(addSlots.length).toBeGreaterThanOrEqual(4);
    expect(delSlots.length).toBeGreaterThanOrEqual(3);
  });

  it('ADD failing at each HCN call (E_FAIL) is rolled back, and the follow-up DEL leaves nothing', async () => {
    for (const [fn, nth] of addSlots) {
      const containerId = `addfail-${mode}-${fn}-${nth}`;
      const netns = await node.createNamespace();
      await node.sim(['fault', '--fn', fn, '--nth', String(nth), '--hr', '0x80004005']);
      const add = await node.cni('ADD', conf, { containerId, netns });
      await node.sim(['fault', '--clear']);
      expect(add.code, `ADD with ${fn} #${nth} failing`).toBe(1);
      expect(add.json).toMatchObject({ code: 100 });
      expect(String(add.json!.msg)).toContain('0x80004005');
      // The rollback alone must already have removed the endpoints and the address...
      await expectNothingLeft(containerId);
      // ...and the runtime's DEL after a failed ADD must succeed on what is left.
      expect((await node.cni('DEL', conf, { containerId, netns })).code).toBe(0);
      await expectNothingLeft(containerId);
    }
  });

  it('ADD killed at each HCN call loses no address and leaks no endpoint after the follow-up DEL', async () => {
    for (const [fn, nth] of addSlots) {
      const containerId = `addkill-${mode}-${fn}-${nth}`;
      const netns = await node.createNamespace();
      await node.sim(['fault', '--fn', fn, '--nth', String(nth), '--kill']);
      const add = await node.cni('ADD', conf, { containerId, netns });
      await node.sim(['fault', '--clear']);
      expect(add.code, `ADD killed at ${fn} #${nth}`).not.toBe(0);
      const del = await node.cni('DEL', conf, { containerId, netns });
      expect(del.code, `DEL after ADD killed at ${fn} #${nth}: ${del.stdout}`).toBe(0);
      await expectNothingLeft(containerId);
    }
  });

  it('DEL failing at each HCN call keeps the address while the endpoint lives; the retried DEL leaves nothing', async () => {
    for (const [fn, nth] of delSlots) {
      const containerId = `delfail-${mode}-${fn}-${nth}`;
      const netns = await node.createNamespace();
      const add = await node.cni('ADD', conf, { containerId, netns });
      expect(add.code).toBe(0);
      await node.sim(['fault', '--fn', fn, '--nth', String(nth), '--hr', '0x80004005']);
      const del = await node.cni('DEL', conf, { containerId, netns });
      await node.sim(['fault', '--clear']);
      expect(del.code, `DEL with ${fn} #${nth} failing`).toBe(1);
      const left = (await node.endpoints()).filter((e) => String(e.Name).startsWith(`${containerId}_`));
      if (left.length > 0) {
        // An endpoint survived the failed DEL: its address must still be held (never handed to another pod).
        expect((await node.allocations()).filter((a) => a.containerId === containerId)).toHaveLength(1);
      }
      expect((await node.cni('DEL', conf, { containerId, netns })).code).toBe(0);
      await expectNothingLeft(containerId);
    }
  });
});
