// kubelet/containerd run CNI invocations for different pods in parallel, each its own process. 200 ADDs of the built
// executable started at once (through the FFI client and the C stub) must get 200 distinct addresses, each held by
// exactly one HNS endpoint, with a consistent IPAM store; 200 concurrent DELs must then leave nothing.
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { storeProblems } from '../fixtures/ipam/consistency.js';
import { minimalConfig, SimNode } from './plugin-harness.js';

const PODS = 200;
const conf = { ...minimalConfig('nat'), name: 'busy-net' };
let node: SimNode;

beforeAll(async () => {
  node = await SimNode.start();
  // 200 processes of a 135 MB executable on 2 shared cores: one can wait minutes for the CPU and the state lock
  // (seen: > 60 s at load average 130). Generous, still bounded: a hung process fails the test.
  node.cniTimeoutMs = 300_000;
});
afterAll(async () => {
  await node?.stop();
});

it(`${PODS} concurrent ADDs get ${PODS} distinct addresses; ${PODS} concurrent DELs leave nothing`, async () => {
  // The first pod creates the network (under its lock); the rest run against an existing one, all at once.
  const namespaces = await Promise.all(Array.from({ length: PODS }, () => node.createNamespace()));
  const pods = namespaces.map((netns, i) => ({ containerId: `busy-${i}`, netns }));
  const adds = await Promise.all(pods.map((at) => node.cni('ADD', conf, at)));
  const failed = adds.filter((r) => r.code !== 0).map((r) => r.stdout);
  expect(failed).toEqual([]);

  const addresses = adds.map((r) => (r.json!.ips as Array<{ address: string }>)[0]!.address);
  expect(new Set(addresses).size).toBe(PODS);
  const endpoints = (await node.endpoints()).filter((e) => String(e.Name).startsWith('busy-'));
  expect(endpoints).toHaveLength(PODS);
  const endpointIps = endpoints.flatMap((e) =>
    (e.IpConfigurations as Array<{ IpAddress: string }>).map((c) => c.IpAddress),
  );
  expect(new Set(endpointIps)).toEqual(new Set(addresses.map((a) => a.split('/')[0])));
  expect(storeProblems(path.join(node.env.HNS_CNI_DATA_DIR!, 'ipam'), 'busy-net')).toEqual([]);
  expect(await node.allocations()).toHaveLength(PODS);

  const dels = await Promise.all(pods.map((at) => node.cni('DEL', conf, at)));
  expect(dels.filter((r) => r.code !== 0).map((r) => r.stdout)).toEqual([]);
  expect((await node.endpoints()).filter((e) => String(e.Name).startsWith('busy-'))).toEqual([]);
  expect(await node.allocations()).toEqual([]);
  expect(storeProblems(path.join(node.env.HNS_CNI_DATA_DIR!, 'ipam'), 'busy-net')).toEqual([]);
  // Exit reports have no reply (native/PROTOCOL.md): the last process's may land just after it exited.
  let stats = await node.stats();
  for (const deadline = Date.now() + 5_000; stats.stub.outstanding !== 0 && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 50));
    stats = await node.stats();
  }
  expect(stats.stub.outstanding).toBe(0);
}, 1_200_000);
