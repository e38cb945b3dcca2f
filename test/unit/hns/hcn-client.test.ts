// HcnClient behaviour that needs exact control over the ABI's answers (a scripted fake): error composition,
// S_OK-with-ErrorRecord, handles closed on every path, call counts, timeouts, GUID handling, the version cache.
// The same client over the simulator and over the FFI stub is covered by the contract suite (contract.ts).
import { describe, expect, it } from 'vitest';
import type { AbiCall } from '../../../src/hns/abi.js';
import { HcnError, isRetryable } from '../../../src/hns/errors.js';
import { createHcnClient } from '../../../src/hns/hcn-client.js';
import { errorRecordFor, toSigned } from '../../../src/hns/hresult.js';
import { fakeAbi, newHandle } from './fake-abi.js';

const NET = '5f0b1190-63be-4e0c-b974-bd0f55675a42';
const EP = '9a2c4f5e-1b3d-4e6f-8a9b-0c1d2e3f4a5b';

async function rejection(p: Promise<unknown>): Promise<HcnError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HcnError);
  return err as HcnError;
}

const fns = (calls: AbiCall[]) => calls.map((c) => c.fn);

describe('HcnClient error composition', () => {
  it('a failing HRESULT becomes an HcnError with name, parsed ErrorRecord and the failed call', async () => {
    const record = errorRecordFor(0x803b001e);
    const abi = fakeAbi(() => ({ hr: toSigned(0x803b001e), errorRecord: record }));
    const err = await rejection(createHcnClient(abi).deleteEndpoint(EP));
    expect(err.hr).toBe(0x803b001e);
    expect(err.hrName).toBe('HCN_E_INVALID_IP');
    expect(err.call).toEqual({ fn: 'HcnDeleteEndpoint', id: EP });
    expect(err.errorRecord).toEqual({
      Success: false,
      Error: expect.stringMatching(/^IP address is/),
      ErrorCode: 0x803b001e,
    });
    expect(err.errorRecordText).toBe(record);
    expect(err.message).toBe(
      `HcnDeleteEndpoint failed [${EP}]: HCN_E_INVALID_IP (0x803B001E) IP address is either invalid or not part of any configured subnet(s).`,
    );
  });

  it('S_OK with a non-empty ErrorRecord is an error, named by the record, and the returned handle is closed', async () => {
    const handle = newHandle();
    const abi = fakeAbi(() => ({ hr: 0, handle, errorRecord: errorRecordFor(0x803b0010) }));
    const err = await rejection(createHcnClient(abi).getNetwork(NET));
    expect(err.hrName).toBe('HCN_E_NETWORK_ALREADY_EXISTS');
    expect(err.returnedHr).toBe(0);
    expect(fns(abi.calls)).toEqual(['HcnOpenNetwork', 'HcnCloseNetwork']);
    expect(abi.openHandles()).toEqual([]);
  });

  it('S_OK with an ErrorRecord that does not parse is still an error (E_FAIL), keeping the raw text', async () => {
    const abi = fakeAbi(() => ({ hr: 0, errorRecord: 'something went wrong' }));
    const err = await rejection(createHcnClient(abi).deleteNetwork(NET));
    expect(err.hrName).toBe('E_FAIL');
    expect(err.errorRecordText).toBe('something went wrong');
    expect(err.message).toContain('something went wrong');
  });

  it('an empty ErrorRecord with S_OK is success', async () => {
    const abi = fakeAbi(() => ({ hr: 0, errorRecord: '' }));
    await expect(createHcnClient(abi).deleteNetwork(NET)).resolves.toBeUndefined();
  });
});

describe('HcnClient handles and call counts', () => {
  it('getNetwork = Open + Query, and the handle is closed even when Query fails', async () => {
    const handle = newHandle();
    const abi = fakeAbi((c) =>
      c.fn === 'HcnOpenNetwork'
        ? { hr: 0, handle }
        : { hr: toSigned(0x80070490), errorRecord: errorRecordFor(0x80070490) },
    );
    await rejection(createHcnClient(abi).getNetwork(NET));
    expect(fns(abi.calls)).toEqual(['HcnOpenNetwork', 'HcnQueryNetworkProperties', 'HcnCloseNetwork']);
    expect(abi.calls[2]!.handle).toBe(handle);
    expect(abi.openHandles()).toEqual([]);
  });

  it('createEndpoint = OpenNetwork + CreateEndpoint(network handle) + Query, both handles closed', async () => {
    const net = newHandle();
    const ep = newHandle();
    const abi = fakeAbi((c) => {
      if (c.fn === 'HcnOpenNetwork') return { hr: 0, handle: net };
      if (c.fn === 'HcnCreateEndpoint') return { hr: 0, handle: ep };
      return { hr: 0, output: JSON.stringify({ ID: EP.toUpperCase(), HostComputeNetwork: NET.toUpperCase() }) };
    });
    const created = await createHcnClient(abi).createEndpoint(`{${NET.toUpperCase()}}`, { Name: 'e' });
    expect(created).toEqual({ ID: EP, HostComputeNetwork: NET });
    expect(fns(abi.calls)).toEqual([
      'HcnOpenNetwork',
      'HcnCreateEndpoint',
      'HcnQueryEndpointProperties',
      'HcnCloseEndpoint',
      'HcnCloseNetwork',
    ]);
    expect(abi.calls[1]!.handle).toBe(net);
    expect(JSON.parse(abi.calls[1]!.settings!)).toEqual({
      Name: 'e',
      HostComputeNetwork: NET,
      SchemaVersion: { Major: 2, Minor: 0 },
    });
    expect(abi.openHandles()).toEqual([]);
  });

  it('createEndpoint refuses HostComputeNamespace client-side, without any call', async () => {
    const abi = fakeAbi(() => ({ hr: 0 }));
    const err = await rejection(createHcnClient(abi).createEndpoint(NET, { HostComputeNamespace: EP }));
    expect(err.hrName).toBe('HCN_INVALID_ARGUMENT');
    expect(abi.calls).toEqual([]);
  });

  it('create with {id, query:false} costs only the Create call and returns the sent settings with ID', async () => {
    const abi = fakeAbi(() => ({ hr: 0, handle: newHandle() }));
    const client = createHcnClient(abi);
    const out = await client.createNamespace({}, { id: `{${EP.toUpperCase()}}`, query: false });
    expect(out).toEqual({ SchemaVersion: { Major: 2, Minor: 0 }, ID: EP });
    expect(fns(abi.calls)).toEqual(['HcnCreateNamespace', 'HcnCloseNamespace']);
    expect(abi.calls[0]!.id).toBe(EP);
    const err = await rejection(client.createNamespace({}, { query: false }));
    expect(err.hrName).toBe('HCN_INVALID_ARGUMENT');
    expect(abi.calls).toHaveLength(2);
  });

  it('create without id passes GUID_NULL', async () => {
    const abi = fakeAbi((c) =>
      c.fn === 'HcnCreateNetwork' ? { hr: 0, handle: newHandle() } : { hr: 0, output: `{"ID":"${NET}"}` },
    );
    await createHcnClient(abi).createNetwork({ Name: 'n', Type: 'NAT' });
    expect(abi.calls[0]!.id).toBe('00000000-0000-0000-0000-000000000000');
  });

  it('list skips objects deleted between Enumerate and Open, and fails on other errors', async () => {
    const gone = '11111111-2222-3333-4444-555555555555';
    const abi = fakeAbi((c) => {
      if (c.fn === 'HcnEnumerateNetworks') return { hr: 0, output: JSON.stringify([gone, NET]) };
      if (c.fn === 'HcnOpenNetwork' && c.id === gone)
        return { hr: toSigned(0x803b0001), errorRecord: errorRecordFor(0x803b0001) };
      if (c.fn === 'HcnOpenNetwork') return { hr: 0, handle: newHandle() };
      return { hr: 0, output: `{"ID":"${NET}","Name":"n"}` };
    });
    expect(await createHcnClient(abi).listNetworks()).toEqual([{ ID: NET, Name: 'n' }]);
    expect(abi.openHandles()).toEqual([]);
  });
});

describe('HcnClient closeInBackground', () => {
  const NS = '0c1d2e3f-4a5b-4e6f-8a9b-9a2c4f5e1b3d';
  /** Closes wait for `open()`; everything else answers at once. Records when each call started. */
  function gatedCloses() {
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const started: string[] = [];
    const closed: string[] = [];
    const abi = fakeAbi((c) => ({
      hr: 0,
      handle: c.fn.includes('Open') || c.fn.includes('Create') ? newHandle() : undefined,
    }));
    const invoke = abi.invoke.bind(abi);
    abi.invoke = async (call) => {
      started.push(call.fn);
      if (call.fn.startsWith('HcnClose')) {
        await gate;
        closed.push(call.fn);
      }
      return invoke(call);
    };
    return { abi, started, closed, open };
  }
  const attach = [{ RequestType: 'Add', ResourceType: 'Endpoint', Settings: { EndpointId: EP } }] as const;

  it('the next call goes out while the closes are on their way; settled() waits for every one', async () => {
    const { abi, started, closed, open } = gatedCloses();
    const client = createHcnClient(abi, { closeInBackground: true });
    await client.createEndpoint(NET, { Name: 'e' }, { id: EP, query: false });
    await client.modifyNamespace(NS, [...attach]);
    expect(started).toEqual([
      'HcnOpenNetwork',
      'HcnCreateEndpoint',
      'HcnCloseEndpoint',
      'HcnCloseNetwork',
      'HcnOpenNamespace',
      'HcnModifyNamespace',
      'HcnCloseNamespace',
    ]);
    expect(closed).toEqual([]);
    let settled = false;
    const waiting = client.settled().then(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    open();
    await waiting;
    expect(closed).toHaveLength(3);
    expect(abi.openHandles()).toEqual([]);
  });

  it('without it, a call returns only once its handles are closed', async () => {
    const { abi, started, open } = gatedCloses();
    let done = false;
    const creating = createHcnClient(abi)
      .createEndpoint(NET, { Name: 'e' }, { id: EP, query: false })
      .then(() => {
        done = true;
      });
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    expect(started).toEqual(['HcnOpenNetwork', 'HcnCreateEndpoint', 'HcnCloseEndpoint']);
    open();
    await creating;
    expect(abi.openHandles()).toEqual([]);
  });
});

describe('HcnClient arguments and outputs', () => {
  it('refuses a malformed GUID before calling', async () => {
    const abi = fakeAbi(() => ({ hr: 0 }));
    for (const bad of ['', 'not-a-guid', `{${NET}`, `${NET}}`]) {
      expect((await rejection(createHcnClient(abi).getNetwork(bad))).hrName).toBe('HCN_INVALID_ARGUMENT');
    }
    expect(abi.calls).toEqual([]);
  });

  it('enumerate output that is not an array of GUIDs is HCN_INVALID_RESPONSE', async () => {
    for (const output of ['{}', '["x"]', 'not json']) {
      const abi = fakeAbi(() => ({ hr: 0, output }));
      expect((await rejection(createHcnClient(abi).enumerateNamespaces())).hrName).toBe('HCN_INVALID_RESPONSE');
    }
  });

  it('enumerate sends the filter double-encoded and normalises the IDs', async () => {
    const abi = fakeAbi(() => ({ hr: 0, output: JSON.stringify([NET.toUpperCase()]) }));
    expect(await createHcnClient(abi).enumerateNetworks({ Name: 'n' })).toEqual([NET]);
    expect(JSON.parse(abi.calls[0]!.query!)).toEqual({ SchemaVersion: { Major: 2, Minor: 0 }, Filter: '{"Name":"n"}' });
  });
});

describe('HcnClient timeout', () => {
  it('a call slower than timeoutMs fails with HCN_TIMEOUT (retryable); a late handle is closed', async () => {
    const late = newHandle();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const abi = fakeAbi(async () => {
      await gate;
      return { hr: 0, handle: late };
    });
    const err = await rejection(createHcnClient(abi, { timeoutMs: 30 }).getNamespace(EP));
    expect(err.hrName).toBe('HCN_TIMEOUT');
    expect(err.hr).toBe(0x800705b4);
    expect(isRetryable(err)).toBe(true);
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(fns(abi.calls)).toEqual(['HcnOpenNamespace', 'HcnCloseNamespace']);
    expect(abi.openHandles()).toEqual([]);
  });
});

describe('HcnClient hnsVersion', () => {
  it('parses the HNSCall envelope and caches the answer per backend', async () => {
    const abi = fakeAbi(() => ({ hr: 0, output: '{"Success":true,"Output":{"Major":15,"Minor":3}}' }));
    const client = createHcnClient(abi);
    expect(await client.hnsVersion()).toEqual({ Major: 15, Minor: 3 });
    expect(await createHcnClient(abi).hnsVersion()).toEqual({ Major: 15, Minor: 3 });
    expect(abi.calls).toEqual([{ fn: 'HNSCall', method: 'GET', path: '/globals/version', request: '' }]);
  });

  it('Success:false is an HNS_CALL_FAILED error and is not cached', async () => {
    let answer = '{"Success":false,"Error":"Element not found. "}';
    const abi = fakeAbi(() => ({ hr: 0, output: answer }));
    const client = createHcnClient(abi);
    const err = await rejection(client.hnsVersion());
    expect(err.hrName).toBe('HNS_CALL_FAILED');
    expect(err.message).toContain('Element not found.');
    answer = '{"Success":true,"Output":{"Major":9,"Minor":5}}';
    expect(await client.hnsVersion()).toEqual({ Major: 9, Minor: 5 });
    expect(abi.calls).toHaveLength(2);
  });
});
