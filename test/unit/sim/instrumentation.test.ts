// Counters, latency, faults and cross-process state of the in-process simulator (issue 3 §3).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GUID_NULL } from '../../../src/hns/guid.js';
import { errorRecordFor, HR } from '../../../src/hns/hresult.js';
import { createSimAbi } from '../../../src/hns/sim/abi.js';
import { faultFromSpec, statsOf } from '../../../src/hns/sim/instrumentation.js';
import { queuedLatency } from '../../../src/hns/sim/invoke.js';
import { DEFAULT_OPTIONS } from '../../../src/hns/sim/options.js';
import { freshState } from '../../../src/hns/sim/state.js';
import { readState, transact } from '../../../src/hns/sim/state-file.js';
import { makeSim, natNetwork, tempStateFile, V2_QUERY } from './sim-harness.js';

const CHILD = path.join(import.meta.dirname, 'fixtures', 'sim-child.ts');

function runChild(stateFile: string, fn: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', CHILD, stateFile, fn], { encoding: 'utf8', timeout: 30_000 });
}

async function addFault(file: string, spec: Parameters<typeof faultFromSpec>[0]) {
  await transact(file, (s) => {
    s.faults.push(faultFromSpec(spec));
  });
}

const enumerate = { fn: 'HcnEnumerateNetworks', query: V2_QUERY } as const;

afterEach(() => {
  delete process.env.HNS_CNI_SIM_FAULTS;
});

describe('sim instrumentation', () => {
  it('counts every call per function, failures and Close included, readable from the state file', async () => {
    const sim = makeSim();
    const id = await sim.createNetwork(natNetwork());
    await sim.call({ fn: 'HcnOpenNetwork', id: '5f0b1190-63be-4e0c-b974-bd0f55675a42' });
    await sim.call(enumerate);
    await sim.call(enumerate);
    const stats = statsOf(readState(sim.file));
    expect(stats.calls).toEqual({
      HcnCreateNetwork: 1,
      HcnQueryNetworkProperties: 1,
      HcnCloseNetwork: 1,
      HcnOpenNetwork: 1,
      HcnEnumerateNetworks: 2,
    });
    expect(stats.totalCalls).toBe(6);
    expect(stats.objects.networks).toBe(1);
    expect(stats.openHandles).toBe(0);
    expect(id).toBeTruthy();
  });

  it('shares one HNS between abis and processes on the same state file', async () => {
    const file = tempStateFile();
    const a = makeSim(file);
    const b = makeSim(file);
    const id = await a.createNetwork(natNetwork());
    expect(JSON.parse((await b.call(enumerate)).output!)).toEqual([id]);
    // Concurrent endpoint creation from both never hands out one address twice.
    const created = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).createEndpoint(id, { Name: `e${i}` })),
    );
    const ips = await Promise.all(
      created.map(
        async (c) => ((await a.query('Endpoint', c.id!)).IpConfigurations as { IpAddress: string }[])[0]!.IpAddress,
      ),
    );
    expect(new Set(ips).size).toBe(8);
    const child = runChild(file, 'HcnEnumerateNetworks');
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout.split('\n')[0]!)).toEqual({ hr: 0, output: JSON.stringify([id]) });
  });

  it('fails the nth call of a function with the fault HRESULT, once, without applying it', async () => {
    const sim = makeSim();
    await addFault(sim.file, { fn: 'HcnCreateNetwork', nth: 2, hr: '0x800706BA' });
    await sim.createNetwork(natNetwork('one', '10.1.0.0/16', '10.1.0.1'));
    const second = await sim.call({
      fn: 'HcnCreateNetwork',
      id: GUID_NULL,
      settings: natNetwork('two', '10.2.0.0/16', '10.2.0.1'),
    });
    expect(second.hr).toBe(HR.RPC_S_SERVER_UNAVAILABLE);
    expect(second.errorRecord).toBe(errorRecordFor(HR.RPC_S_SERVER_UNAVAILABLE));
    expect(second.errorRecord).toContain('"ErrorCode":2147944122');
    expect(JSON.parse((await sim.call(enumerate)).output!)).toHaveLength(1);
    await sim.createNetwork(natNetwork('two', '10.2.0.0/16', '10.2.0.1'));
    const [fault] = statsOf(readState(sim.file)).faults;
    expect(fault).toMatchObject({ fn: 'HcnCreateNetwork', nth: 2, seen: 3, fired: 1, action: 'hr 0x800706BA' });
  });

  it('fires on every call from the nth with times=0, and counts faults from when they are set', async () => {
    const sim = makeSim();
    await sim.call(enumerate);
    await sim.call(enumerate);
    await addFault(sim.file, { fn: 'HcnEnumerateNetworks', nth: 2, times: 0, hr: 'ERROR_TIMEOUT' });
    const hrs = [];
    for (let i = 0; i < 4; i++) hrs.push((await sim.call(enumerate)).hr);
    expect(hrs).toEqual([0, HR.ERROR_TIMEOUT, HR.ERROR_TIMEOUT, HR.ERROR_TIMEOUT]);
  });

  it('applies process-local faults from HNS_CNI_SIM_FAULTS', async () => {
    const file = tempStateFile();
    process.env.HNS_CNI_SIM_FAULTS = JSON.stringify([
      { fn: 'HcnEnumerateNetworks', nth: 1, hr: 'HCN_E_MANAGER_STOPPED' },
    ]);
    const faulty = createSimAbi({ stateFile: file });
    delete process.env.HNS_CNI_SIM_FAULTS;
    const clean = createSimAbi({ stateFile: file });
    expect((await clean.invoke(enumerate)).hr).toBe(0);
    expect((await faulty.invoke(enumerate)).hr).toBe(HR.HCN_E_MANAGER_STOPPED);
    expect((await faulty.invoke(enumerate)).hr).toBe(0);
    expect(readState(file).faults).toEqual([]);
  });

  it('delays replies by the configured latency, per function or for all', async () => {
    const sim = makeSim();
    await transact(sim.file, (s) => {
      s.latencyMs.HcnEnumerateNetworks = 120;
    });
    let t = performance.now();
    expect((await sim.call(enumerate)).hr).toBe(0);
    expect(performance.now() - t).toBeGreaterThanOrEqual(115);
    await transact(sim.file, (s) => {
      s.latencyMs = { '*': 80 };
    });
    t = performance.now();
    await sim.call({ fn: 'HNSCall', method: 'GET', path: '/globals/version', request: '' });
    expect(performance.now() - t).toBeGreaterThanOrEqual(75);
  });

  it('serialised HNS: each state change waits for the ones before it; reads and a concurrent HNS do not queue', () => {
    const state = freshState({ ...DEFAULT_OPTIONS, changeSerialisation: 'serialised' });
    state.latencyMs = { HcnCreateEndpoint: 100, HcnDeleteEndpoint: 40, '*': 5 };
    const create = { fn: 'HcnCreateEndpoint' } as const;
    // Three creates arriving at t=0, t=10, t=20 finish at 100, 200, 300: each waits its turn.
    expect([0, 10, 20].map((now) => queuedLatency(state, create, now))).toEqual([100, 190, 280]);
    // A read at t=30 is not queued; a delete at t=30 waits until 300, then takes its own 40 ms.
    expect(queuedLatency(state, { fn: 'HcnQueryEndpointProperties' }, 30)).toBe(5);
    expect(queuedLatency(state, { fn: 'HNSCall', method: 'GET' }, 30)).toBe(5);
    expect(queuedLatency(state, { fn: 'HcnDeleteEndpoint' }, 30)).toBe(310);
    expect(queuedLatency(state, { fn: 'HNSCall', method: 'POST' }, 30)).toBe(5 + 310);
    // Once the queue has drained, a change takes only its own latency.
    expect(queuedLatency(state, create, 10_000)).toBe(100);
    const concurrent = freshState(DEFAULT_OPTIONS);
    concurrent.latencyMs = { HcnCreateEndpoint: 100 };
    expect([0, 10, 20].map((now) => queuedLatency(concurrent, create, now))).toEqual([100, 100, 100]);
  });

  it('hang: the reply arrives only after the hang, so a caller timeout fires first', async () => {
    const sim = makeSim();
    await addFault(sim.file, { fn: 'HcnEnumerateNetworks', hangMs: 400 });
    const started = performance.now();
    const pending = sim.call(enumerate);
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 100));
    expect(await Promise.race([pending, timeout])).toBe('timeout');
    const reply = await pending;
    expect(performance.now() - started).toBeGreaterThanOrEqual(395);
    expect(reply).toEqual({ hr: 0, output: '[]' });
  });

  it('kill: the calling process dies with SIGKILL in the middle of the call (the call still counted)', async () => {
    const file = tempStateFile();
    await addFault(file, { fn: 'HcnEnumerateNetworks', kill: true });
    const child = runChild(file, 'HcnEnumerateNetworks');
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).not.toContain('survived');
    expect(statsOf(readState(file)).calls.HcnEnumerateNetworks).toBe(1);
    // Fired once: the next process lives.
    expect(runChild(file, 'HcnEnumerateNetworks').stdout).toContain('survived');
  });

  it('leaves no trace of a failed call: all-or-nothing (no address or MAC consumed)', async () => {
    const sim = makeSim();
    const net = await sim.createNetwork(natNetwork());
    const bad = await sim.createEndpoint(net, {
      IpConfigurations: [{ IpAddress: '192.168.100.7' }, { IpAddress: '10.9.9.9' }],
    });
    expect(bad.hr).toBe(HR.HCN_E_INVALID_IP);
    const before = readState(sim.file);
    expect(before.endpoints).toEqual({});
    expect(before.handles).toEqual({});
    const ok = await sim.createEndpoint(net, {});
    expect((await sim.query('Endpoint', ok.id!)).IpConfigurations).toEqual([
      { IpAddress: '192.168.100.2', PrefixLength: 24 },
    ]);
  });
});
