// Runtimes retry and kubelet races: ADD and DEL of the SAME container can run at once (the spec asks runtimes not
// to, they do). Each round starts an ADD and a DEL process per container, all at once, through the built executable
// and the C stub, then checks the invariant of issue 11: every container ends either fully attached with its one
// address (the one ADD reported, held by the IPAM for that container, on an endpoint in its namespace) or with
// nothing; and no endpoint holds an address the IPAM does not hold for that endpoint's own attachment. Then the
// attached ones are removed (their DELs, or a GC) and the network must be empty. The checks
// read the simulated HNS's state file and the IPAM store's files directly (the truth, with no client in between,
// and no process per check: the 800 plugin processes are the cost of this test).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { endpointIdFor } from '../../src/plan/identity.js';
import { addressProblems, endpointsInHns, heldAddresses } from './address-invariant.js';
import { minimalConfig, SimNode } from './plugin-harness.js';

const ROUNDS = 20;
const CONTAINERS = 20;
const conf = { ...minimalConfig('nat'), name: 'race-net' };

let node: SimNode;
/** One pod namespace per container slot, reused round after round (each round's DELs empty it again). */
let namespaces: string[];
beforeAll(async () => {
  node = await SimNode.start('hns-cni-race-');
  namespaces = await Promise.all(Array.from({ length: CONTAINERS }, () => node.createNamespace()));
});
afterAll(async () => {
  await node?.stop();
});

interface Outcome {
  containerId: string;
  netns: string;
  addCode: number | null;
  addAddress?: string;
  delCode: number | null;
}

/** Every way the round's end state breaks the invariant, one line each. */
function violations(outcomes: Outcome[]): string[] {
  const endpoints = endpointsInHns(node);
  const held = heldAddresses(node, conf.name);
  const problems: string[] = [];
  for (const o of outcomes) {
    const id = endpointIdFor(o.containerId, conf.name).toLowerCase();
    const endpoint = endpoints.find((e) => String(e.ID).toLowerCase() === id);
    const mine = held.filter((a) => a.containerId === o.containerId);
    if (endpoint === undefined && mine.length === 0) continue; // nothing left: fine
    const ip = (endpoint?.IpConfigurations as Array<{ IpAddress: string }> | undefined)?.[0]?.IpAddress;
    const ns = String(endpoint?.HostComputeNamespace ?? '').toLowerCase();
    const what = `${o.containerId} (ADD ${o.addCode} ${o.addAddress ?? '-'}, DEL ${o.delCode})`;
    if (endpoint === undefined) problems.push(`${what}: address ${mine[0]!.address} held without an endpoint`);
    else if (mine.length !== 1) problems.push(`${what}: endpoint with ${ip} but ${mine.length} allocations`);
    else if (mine[0]!.address !== ip) problems.push(`${what}: endpoint ${ip}, IPAM ${mine[0]!.address}`);
    else if (ns !== o.netns) problems.push(`${what}: endpoint in namespace ${ns || 'none'}, not ${o.netns}`);
    else if (o.addCode !== 0 || o.addAddress?.split('/')[0] !== ip) {
      problems.push(`${what}: attached with ${ip}, which no successful ADD reported`);
    }
  }
  const ours = new Set(outcomes.map((o) => endpointIdFor(o.containerId, conf.name).toLowerCase()));
  for (const e of endpoints) {
    if (String(e.Name).startsWith('race-') && !ours.has(String(e.ID).toLowerCase())) {
      problems.push(`endpoint ${e.Name} of an earlier round is left`);
    }
  }
  problems.push(...addressProblems(node, conf.name));
  return problems;
}

it(`concurrent ADD and DEL of the same container: ${ROUNDS} rounds × ${CONTAINERS} containers end attached or empty`, async () => {
  const tally = { attached: 0, empty: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const outcomes: Outcome[] = await Promise.all(
      namespaces.map(async (netns, i) => {
        const at = { containerId: `race-${round}-${i}`, netns };
        const [add, del] = await Promise.all([node.cni('ADD', conf, at), node.cni('DEL', conf, at)]);
        const addAddress = (add.json?.ips as Array<{ address: string }> | undefined)?.[0]?.address;
        return { ...at, addCode: add.code, addAddress, delCode: del.code };
      }),
    );
    const problems = violations(outcomes);
    expect(problems, `round ${round}`).toEqual([]);
    // Either order is legitimate and both verbs succeed in it: the loser of the lock waits, it does not fail.
    expect(outcomes.filter((o) => o.addCode !== 0 || o.delCode !== 0)).toEqual([]);
    // What the runtime does next for the pods that ended attached: DEL each (even rounds), or one GC with none of
    // them valid (odd rounds: one process instead of ten). Nothing may be left.
    const held = new Set(heldAddresses(node, conf.name).map((a) => a.containerId));
    const attached = outcomes.filter((o) => held.has(o.containerId));
    tally.attached += attached.length;
    tally.empty += CONTAINERS - attached.length;
    const cleanups =
      round % 2 === 0
        ? await Promise.all(attached.map((o) => node.cni('DEL', conf, o)))
        : [await node.cni('GC', { ...conf, cniVersion: '1.1.0', 'cni.dev/valid-attachments': [] })];
    expect(cleanups.filter((d) => d.code !== 0).map((d) => d.stdout)).toEqual([]);
    expect(violations(outcomes.map((o) => ({ ...o, addCode: null })))).toEqual([]);
    expect(heldAddresses(node, conf.name)).toEqual([]);
  }
  console.log(`attachment race: ${JSON.stringify(tally)}`);
  // Both orders must actually have happened, or the test raced nothing.
  expect(tally.attached).toBeGreaterThan(0);
  expect(tally.empty).toBeGreaterThan(0);
}, 600_000);
