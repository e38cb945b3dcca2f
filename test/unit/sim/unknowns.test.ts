// The simulator's answers where real HNS is unknown (issue 10 F1/F6/F7, issue 11 item 2): the "late" fault, the
// HRESULT for an existing endpoint GUID, and deletes that linger. Their values join the variant matrix.
import { describe, expect, it } from 'vitest';
import { GUID_NULL } from '../../../src/hns/guid.js';
import { HR, parseHresult } from '../../../src/hns/hresult.js';
import { faultFromSpec } from '../../../src/hns/sim/instrumentation.js';
import { DEFAULT_OPTIONS, matrixValues, parseOptionValue } from '../../../src/hns/sim/options.js';
import { readState, transact } from '../../../src/hns/sim/state-file.js';
import { makeSim, natNetwork, V2_QUERY } from './sim-harness.js';

const ID = '0b8d2a2e-4f55-5b0e-9a0e-3c1f7d6a9b11';

describe('the F1/F6/F7 variants', () => {
  it('each plausible answer is in the matrix, parseable, the default first', () => {
    for (const key of ['detachNotAttachedHresult', 'duplicateEndpointIdHresult', 'endpointDeleteLinger'] as const) {
      const values = matrixValues(key)!;
      const parsed = values.map((v) => parseOptionValue(key, v));
      expect(parsed[0]).toEqual(DEFAULT_OPTIONS[key]);
      expect(new Set(parsed).size).toBe(values.length);
    }
    expect(matrixValues('detachNotAttachedHresult')!.length).toBe(5);
    expect(matrixValues('duplicateEndpointIdHresult')!.length).toBe(4);
    expect(matrixValues('endpointDeleteLinger')).toEqual(['none', 'blocks-create', 'still-listed']);
    expect(parseOptionValue('detachNotAttachedHresult', 'HCN_E_ENDPOINT_NOT_ATTACHED')).toBe(
      parseHresult('0x803B0034'),
    );
  });
});

describe('fault "late": HNS applies the call after the caller gave up', () => {
  it('nothing exists during the delay; the object appears, and the reply comes, once it is over', async () => {
    const sim = makeSim();
    const net = await sim.createNetwork(natNetwork());
    await transact(sim.file, (s) => {
      s.faults.push(faultFromSpec({ fn: 'HcnCreateEndpoint', lateMs: 2000 }));
    });
    const handle = await sim.open('Network', net);
    const pending = sim.call({
      fn: 'HcnCreateEndpoint',
      handle,
      id: ID,
      settings: JSON.stringify({ SchemaVersion: { Major: 2, Minor: 0 }, Name: 'late' }),
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(Object.keys(readState(sim.file).endpoints)).toEqual([]);
    // Other calls go on meanwhile.
    expect((await sim.call({ fn: 'HcnEnumerateEndpoints', query: V2_QUERY })).output).toBe('[]');
    const reply = await pending;
    expect(reply.hr).toBe(0);
    expect(Object.keys(readState(sim.file).endpoints)).toEqual([ID]);
    expect(readState(sim.file).faults[0]).toMatchObject({ fired: 1, action: { kind: 'late', ms: 2000 } });
  });

  it('is one of hr, hangMs, lateMs, kill', () => {
    expect(() => faultFromSpec({ fn: 'HcnCreateEndpoint', lateMs: 1, hangMs: 1 })).toThrow(/exactly one/);
  });
});

describe('creating an endpoint whose GUID exists (duplicateEndpointIdHresult)', () => {
  it.each(matrixValues('duplicateEndpointIdHresult')!)('answers %s', async (value) => {
    const sim = makeSim();
    await sim.setOptions({ duplicateEndpointIdHresult: parseHresult(value) });
    const net = await sim.createNetwork(natNetwork());
    expect((await sim.createEndpoint(net, { Name: 'a' }, ID)).hr).toBe(0);
    const again = await sim.createEndpoint(net, { Name: 'a' }, ID);
    expect(again.hr).toBe(parseHresult(value));
    // Networks keep ERROR_ALREADY_EXISTS (WSL#7998).
    const dup = await sim.call({ fn: 'HcnCreateNetwork', id: net, settings: natNetwork('other', '10.9.0.0/24') });
    expect(dup.hr).toBe(HR.ERROR_ALREADY_EXISTS);
  });
});

describe('a deleted endpoint lingers (endpointDeleteLinger)', () => {
  async function deletedJustNow(linger: 'none' | 'blocks-create' | 'still-listed') {
    const sim = makeSim();
    await sim.setOptions({ endpointDeleteLinger: linger, endpointDeleteLingerMs: 2000 });
    const net = await sim.createNetwork(natNetwork());
    expect((await sim.createEndpoint(net, { Name: 'a' }, ID)).hr).toBe(0);
    expect((await sim.call({ fn: 'HcnDeleteEndpoint', id: ID })).hr).toBe(0);
    return { sim, net };
  }
  const listed = async (sim: ReturnType<typeof makeSim>) =>
    JSON.parse((await sim.call({ fn: 'HcnEnumerateEndpoints', query: V2_QUERY })).output!) as string[];

  it('none: the GUID can be created again at once, and is listed no more', async () => {
    const { sim, net } = await deletedJustNow('none');
    expect(await listed(sim)).toEqual([]);
    expect((await sim.createEndpoint(net, { Name: 'a' }, ID)).hr).toBe(0);
  });

  it.each([
    'blocks-create',
    'still-listed',
  ] as const)('%s: a create of the GUID is refused until the linger is over; Open and Delete see it gone', async (linger) => {
    const { sim, net } = await deletedJustNow(linger);
    expect((await sim.createEndpoint(net, { Name: 'a' }, ID)).hr).toBe(DEFAULT_OPTIONS.duplicateEndpointIdHresult);
    expect((await sim.call({ fn: 'HcnOpenEndpoint', id: ID })).hr).toBe(HR.HCN_E_ENDPOINT_NOT_FOUND);
    expect((await sim.call({ fn: 'HcnDeleteEndpoint', id: ID })).hr).toBe(HR.HCN_E_ENDPOINT_NOT_FOUND);
    expect((await listed(sim)).map((id) => id.toLowerCase())).toEqual(linger === 'still-listed' ? [ID] : []);
    // A generated GUID is never blocked.
    expect((await sim.createEndpoint(net, { Name: 'b' }, GUID_NULL)).hr).toBe(0);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await sim.createEndpoint(net, { Name: 'a' }, ID)).hr).toBe(0);
  });
});
