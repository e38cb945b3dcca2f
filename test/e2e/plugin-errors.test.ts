// What an operator sees when things go wrong: typed CNI errors with the right code, HRESULTs by name with the
// ErrorRecord in details, and nothing changed by a request that was refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalConfig, SimNode } from './plugin-harness.js';

let node: SimNode;
beforeAll(async () => {
  node = await SimNode.start();
});
afterAll(async () => {
  await node?.stop();
});

const conf = { ...minimalConfig('nat'), name: 'errors-net' };

async function stateSnapshot() {
  return { endpoints: (await node.endpoints()).length, allocations: (await node.allocations()).length };
}

describe('refused requests change nothing', () => {
  it('an unknown field is code 7 naming its JSON path', async () => {
    const before = await stateSnapshot();
    const run = await node.cni(
      'ADD',
      { ...conf, ipam: { subnet: '10.244.3.0/24', subnett: 'x' } },
      {
        containerId: 'bad-config',
        netns: await node.createNamespace(),
      },
    );
    expect(run.code).toBe(1);
    expect(run.json).toMatchObject({ code: 7 });
    expect(String(run.json!.msg)).toContain('ipam.subnett: unknown field');
    expect(await stateSnapshot()).toEqual(before);
  });

  it('a CNI_NETNS that is not a GUID is code 4', async () => {
    const before = await stateSnapshot();
    const run = await node.cni('ADD', conf, { containerId: 'bad-netns', netns: '/var/run/netns/x' });
    expect(run.json).toMatchObject({ code: 4 });
    expect(await stateSnapshot()).toEqual(before);
  });

  it('a namespace that does not exist is code 3, and the endpoint and address are rolled back', async () => {
    const before = await stateSnapshot();
    const run = await node.cni('ADD', conf, { containerId: 'no-ns', netns: '0badc0de-0000-4000-8000-000000000000' });
    expect(run.json).toMatchObject({ code: 3 });
    expect(String(run.json!.msg)).toContain('0badc0de-0000-4000-8000-000000000000');
    const after = await stateSnapshot();
    expect(after.allocations).toBe(before.allocations);
    // The network may have been created by this first ADD (networks are never rolled back); no endpoint remains.
    expect((await node.endpoints()).filter((e) => String(e.Name).startsWith('no-ns_'))).toEqual([]);
  });
});

describe('HNS failures', () => {
  it('an HRESULT from HNS reaches the operator by name, with the ErrorRecord in details', async () => {
    const netns = await node.createNamespace();
    await node.sim(['fault', '--fn', 'HcnCreateEndpoint', '--nth', '1', '--hr', 'HCN_E_INVALID_IP']);
    const run = await node.cni('ADD', conf, { containerId: 'named-hr', netns });
    await node.sim(['fault', '--clear']);
    expect(run.json).toMatchObject({ code: 100 });
    expect(String(run.json!.msg)).toMatch(/HCN_E_INVALID_IP \(0x803B001E\)/i);
    const record = JSON.parse(String(run.json!.details)) as { ErrorCode: number; Success: boolean };
    expect(record).toMatchObject({ Success: false, ErrorCode: 0x803b001e });
    expect((await node.allocations()).filter((a) => a.containerId === 'named-hr')).toEqual([]);
  });

  it('an HNS call that hangs past the configured timeout is code 11 (try again later) and is rolled back', async () => {
    const netns = await node.createNamespace();
    await node.sim(['fault', '--fn', 'HcnModifyNamespace', '--nth', '1', '--hang', '20000']);
    const started = Date.now();
    const run = await node.cni('ADD', { ...conf, timeouts: { hnsCallMs: 1000 } }, { containerId: 'hung', netns });
    const elapsed = Date.now() - started;
    await node.sim(['fault', '--clear']);
    expect(run.json).toMatchObject({ code: 11 });
    expect(String(run.json!.msg)).toContain('HCN_TIMEOUT');
    expect(elapsed).toBeLessThan(15_000); // the plugin gave up on its own; it did not wait for the hung call
    expect((await node.cni('DEL', conf, { containerId: 'hung', netns })).code).toBe(0);
    expect((await node.endpoints()).filter((e) => String(e.Name).startsWith('hung_'))).toEqual([]);
    expect((await node.allocations()).filter((a) => a.containerId === 'hung')).toEqual([]);
  });

  it('HNS unreachable: ADD is code 11 and STATUS is code 50', async () => {
    const down = { ...node.env, HNS_CNI_STUB_ADDR: '127.0.0.1:1' };
    const run = await node.cni('ADD', conf, { containerId: 'down', netns: await node.createNamespace() }, down);
    expect(run.json).toMatchObject({ code: 11 });
    const status = await node.cni('STATUS', { ...conf, cniVersion: '1.1.0' }, undefined, down);
    expect(status.json).toMatchObject({ code: 50 });
    expect((await node.allocations()).filter((a) => a.containerId === 'down')).toEqual([]);
  });

  it('STATUS is 51 (degraded) when the pod network vanished while pods hold addresses', async () => {
    const degraded = { ...conf, name: 'vanishing-net', cniVersion: '1.1.0' };
    expect((await node.cni('ADD', degraded, { containerId: 'orphan', netns: await node.createNamespace() })).code).toBe(
      0,
    );
    const network = (await node.networks()).find((n) => n.Name === 'vanishing-net')!;
    const gone = await node.command(['hns', 'network-delete', String(network.ID)]);
    expect(gone.code, gone.stderr).toBe(0);
    const status = await node.cni('STATUS', degraded);
    expect(status.json).toMatchObject({ code: 51 });
  });
});
