// HNS networks named after Object.prototype's properties ("constructor", "valueOf", "__proto__", ...) through the
// built executable, the C stub and `sim serve`: the first ADD creates the network, the second finds it through the
// on-disk network cache, DEL removes both pods. None of them is a false "network exists" (102).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointNameFor } from '../../src/plan/identity.js';
import { minimalConfig, SimNode } from './plugin-harness.js';

let node: SimNode;
beforeAll(async () => {
  node = await SimNode.start('hns-cni-proto-');
});
afterAll(async () => {
  await node?.stop();
});

// The built-in IPAM keeps one store directory per network, so its names follow libcni's rule (alphanumeric first);
// "__proto__" is tried with HNS assigning the address.
const WITH_IPAM = ['constructor', 'valueOf', 'toString', 'hasOwnProperty', 'isPrototypeOf', 'toLocaleString'];
const CASES = [
  ...WITH_IPAM.map((network, i) => ({ network, ipam: { subnet: `10.91.${i}.0/24` } as Record<string, unknown> })),
  { network: '__proto__', ipam: undefined },
];

describe.each(CASES)('network $network', ({ network, ipam }) => {
  const conf = { ...minimalConfig('nat', { network }), ...(ipam ? { ipam } : {}) };
  if (!ipam) delete conf.ipam;

  it('ADD creates it, a second pod finds it through the cache, DEL removes both', async () => {
    const pods = [`${network.replaceAll('_', 'x')}-a`, `${network.replaceAll('_', 'x')}-b`];
    for (const containerId of pods) {
      const netns = await node.createNamespace();
      const run = await node.cni('ADD', conf, { containerId, netns });
      expect({ code: run.code, msg: run.json?.msg, stderr: run.stderr }).toEqual({
        code: 0,
        msg: undefined,
        stderr: '',
      });
    }
    const networks = (await node.networks()).filter((n) => n.Name === network);
    expect(networks).toHaveLength(1);
    const onIt = (await node.endpoints()).filter((e) => e.HostComputeNetwork === networks[0]!.ID);
    expect(onIt.map((e) => String(e.Name)).sort()).toEqual(pods.map((p) => endpointNameFor(p, network, 'eth0')).sort());
    for (const containerId of pods) {
      const run = await node.cni('DEL', conf, { containerId, netns: '' });
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: '' });
    }
    expect((await node.endpoints()).filter((e) => e.HostComputeNetwork === networks[0]!.ID)).toEqual([]);
  });
});
