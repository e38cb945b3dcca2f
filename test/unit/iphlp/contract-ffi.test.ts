// The IphlpClient contract through the real FFI path: koffi → the C stub (dist/native/libiphlpapi.so, its MIB
// structures laid out independently of the koffi declarations) → TCP → `hns-cni sim serve`. Plus what only this path
// has: every MIB table handed out is given back through FreeMibTable, every reply string the stub took is freed and
// reported at exit, a missing library or an unreachable server is a named status.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFfiAbi } from '../../../src/hns/ffi/abi.js';
import { createHcnClient } from '../../../src/hns/hcn-client.js';
import { resetState } from '../../../src/hns/sim/state-file.js';
import { createIphlpClient } from '../../../src/iphlp/client.js';
import { createFfiIphlpAbi } from '../../../src/iphlp/ffi/abi.js';
import { readIphlpStubCounters } from '../../../src/iphlp/ffi/bindings.js';
import { buildStub, IPHLP_STUB_LIBRARY, REPO, type SimServe, STUB_LIBRARY, startSimServe } from '../hns/ffi-harness.js';
import { type IphlpHarness, registerIphlpContract, rejection } from './contract.js';

let serve: SimServe;
let harness: IphlpHarness;

beforeAll(async () => {
  buildStub();
  serve = await startSimServe();
  process.env.HNS_CNI_STUB_ADDR = serve.address;
  const abi = createFfiIphlpAbi({ library: IPHLP_STUB_LIBRARY });
  harness = {
    client: createIphlpClient(abi),
    clientWithTimeout: (ms) => createIphlpClient(abi, { timeoutMs: ms }),
    hcn: createHcnClient(createFfiAbi({ library: STUB_LIBRARY })),
    stateFile: serve.stateFile,
  };
}, 120_000);

afterAll(async () => {
  await serve?.stop();
});

// Every table GetIpForwardTable2 handed out went back through FreeMibTable, and every reply string the stub took
// from the wire was freed inside it, by the end of each test.
afterEach(() => {
  const c = readIphlpStubCounters(IPHLP_STUB_LIBRARY);
  expect(c.tablesFreed).toBe(c.tablesAllocated);
  expect(c.stringsFreed).toBe(c.stringsAllocated);
});

registerIphlpContract('FFI → C stub → sim serve', () => harness);

describe('IP Helper FFI path specifics', () => {
  beforeEach(async () => {
    await resetState(serve.stateFile);
  });

  it('tables and strings really went through the stub (the counters are live)', () => {
    const c = readIphlpStubCounters(IPHLP_STUB_LIBRARY);
    expect(c.tablesAllocated).toBeGreaterThan(10n);
    expect(c.stringsAllocated).toBeGreaterThan(20n);
  });

  it('an unreachable server is RPC_S_SERVER_UNAVAILABLE (1722), a missing library ERROR_MOD_NOT_FOUND', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iphlp-stub-copy-'));
    const copy = path.join(dir, 'libiphlpapi.so');
    fs.copyFileSync(IPHLP_STUB_LIBRARY, copy);
    process.env.HNS_CNI_STUB_ADDR = '127.0.0.1:1';
    try {
      const err = await rejection(createIphlpClient(createFfiIphlpAbi({ library: copy })).listRoutes());
      expect(err.statusName).toBe('RPC_S_SERVER_UNAVAILABLE');
    } finally {
      process.env.HNS_CNI_STUB_ADDR = serve.address;
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const missing = await rejection(
      createIphlpClient(createFfiIphlpAbi({ library: `${REPO}/dist/native/no-such.so` })).listRoutes(),
    );
    expect(missing.statusName).toBe('ERROR_MOD_NOT_FOUND');
  });
});
