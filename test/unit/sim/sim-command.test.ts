// `hns-cni sim fault|latency|options|reset|stats|container` change and show the shared state file.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/commands/sim.js';
import { HR } from '../../../src/hns/hresult.js';
import { latencyProfile } from '../../../src/hns/sim/latency-profile.js';
import { readState } from '../../../src/hns/sim/state-file.js';
import { makeSim, tempStateFile } from './sim-harness.js';

// Capture what the command prints instead of writing to the test's stdout.
const printed = vi.hoisted(() => ({ json: [] as unknown[], text: [] as string[] }));
vi.mock('../../../src/commands/output.js', () => ({
  printJson: (v: unknown) => printed.json.push(v),
  printText: (t: string) => printed.text.push(t),
  printError: (t: string) => printed.text.push(t),
  printTable: () => {},
}));

beforeEach(() => {
  printed.json = [];
  printed.text = [];
});

describe('hns-cni sim commands', () => {
  it('sets a fault that the next matching call hits', async () => {
    const file = tempStateFile();
    expect(await main(['fault', '--state', file, '--fn', 'HcnOpenNamespace', '--hr', '0x800706BE'])).toBe(0);
    const sim = makeSim(file);
    expect((await sim.call({ fn: 'HcnOpenNamespace', id: '2a5a8d11-7d97-4c35-8a0c-3b1a4c5d6e7f' })).hr).toBe(
      HR.RPC_S_CALL_FAILED,
    );
    expect(await main(['fault', '--state', file, '--clear'])).toBe(0);
    expect(readState(file).faults).toEqual([]);
  });

  it('container: creates, lists and deletes HCS compute systems; a duplicate or a missing one is exit 1', async () => {
    const file = tempStateFile();
    expect(await main(['container', '--state', file, '--create', 'pause1', '--owner', 'docker', '--json'])).toBe(0);
    expect(printed.json[0]).toMatchObject({ Id: 'pause1', Owner: 'docker', SystemType: 'Container' });
    expect(await main(['container', '--state', file, '--create', 'PAUSE1'])).toBe(1);
    expect(await main(['container', '--state', file, '--list', '--json'])).toBe(0);
    expect((printed.json[1] as { Id: string }[]).map((s) => s.Id)).toEqual(['pause1']);
    // A fault can name an HCS call like any HCN one.
    expect(await main(['fault', '--state', file, '--fn', 'HcsOpenComputeSystem', '--hr', 'E_FAIL'])).toBe(0);
    expect(await main(['container', '--state', file, '--delete', 'pause1'])).toBe(0);
    expect(await main(['container', '--state', file, '--delete', 'pause1'])).toBe(1);
    expect(await main(['container', '--state', file])).toBe(2);
    expect(readState(file).computeSystems).toEqual({});
  });

  it('rejects a fault without an action or with an unknown function (exit 1/2)', async () => {
    const file = tempStateFile();
    expect(await main(['fault', '--state', file, '--fn', 'HcnOpenNamespace'])).toBe(1);
    expect(await main(['fault', '--state', file, '--fn', 'HcnTeleport', '--kill'])).toBe(1);
    expect(await main(['fault', '--state', file, '--bogus'])).toBe(2);
    expect(readState(file).faults).toEqual([]);
  });

  it('sets options and latency, and shows them in stats --json; reset keeps options', async () => {
    const file = tempStateFile();
    expect(
      await main(['options', '--state', file, '--set', 'hnsVersion=9.2', '--set', 'duplicateIpHresult=0x803B001E']),
    ).toBe(0);
    expect(await main(['latency', '--state', file, '--ms', '5', '--fn', 'HcnCreateEndpoint'])).toBe(0);
    expect(readState(file).options).toMatchObject({ hnsVersion: '9.2', duplicateIpHresult: HR.HCN_E_INVALID_IP });
    await makeSim(file).call({ fn: 'HcnEnumerateNetworks', query: '{}' });
    expect(await main(['stats', '--state', file, '--json'])).toBe(0);
    const stats = printed.json[0];
    expect(stats).toMatchObject({
      hnsVersion: '9.2',
      calls: { HcnEnumerateNetworks: 1 },
      latencyMs: { HcnCreateEndpoint: 5 },
    });
    expect(await main(['reset', '--state', file])).toBe(0);
    expect(readState(file).counters).toEqual({});
    expect(readState(file).options.hnsVersion).toBe('9.2');
    expect(await main(['reset', '--state', file, '--options'])).toBe(0);
    expect(readState(file).options.hnsVersion).toBe('15.4');
    expect(await main(['options', '--state', file, '--set', 'nameMatch=sometimes'])).toBe(1);
  });

  it('latency --profile sets a figure per function (and * for the rest); an unknown profile changes nothing', async () => {
    const file = tempStateFile();
    expect(await main(['latency', '--state', file, '--ms', '7'])).toBe(0);
    expect(await main(['latency', '--state', file, '--profile', 'realistic'])).toBe(0);
    const latency = readState(file).latencyMs;
    expect(latency).toEqual(latencyProfile('realistic'));
    // Each function of the pod path has its own figure; creating an endpoint costs more than reading one.
    expect(latency.HcnCreateEndpoint).toBeGreaterThan(latency.HcnQueryEndpointProperties!);
    expect(latency['*']).toBeDefined();
    expect(await main(['latency', '--state', file, '--profile', 'leisurely'])).toBe(1);
    expect(readState(file).latencyMs).toEqual(latency);
  });
});

describe('hns-cni sim reset', () => {
  it('recovers a corrupt state file, which otherwise fails every call', async () => {
    const file = tempStateFile();
    const sim = makeSim(file);
    await sim.call({ fn: 'HcnEnumerateNetworks', query: '{}' });
    (await import('node:fs')).writeFileSync(file, '{"format":1,"networks":');
    await expect(sim.call({ fn: 'HcnEnumerateNetworks', query: '{}' })).rejects.toThrow(SyntaxError);
    expect(await main(['reset', '--state', file])).toBe(0);
    expect(await sim.call({ fn: 'HcnEnumerateNetworks', query: '{}' })).toEqual({ hr: 0, output: '[]' });
  });
});
