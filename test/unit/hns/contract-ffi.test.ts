// The HcnClient contract through the real FFI path: koffi → the C stub (dist/native/libcomputenetwork.so) → TCP →
// `hns-cni sim serve` → the simulator. Plus what only this path has: out-string memory (every CoTaskMemAlloc of the
// stub matched by a CoTaskMemFree, in this process and in a child process's exit report), missing exports, and an
// unreachable HNS.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRetryable } from '../../../src/hns/errors.js';
import { createFfiAbi } from '../../../src/hns/ffi/abi.js';
import { readStubCounters } from '../../../src/hns/ffi/bindings.js';
import { createHcnClient } from '../../../src/hns/hcn-client.js';
import { readState, resetState } from '../../../src/hns/sim/state-file.js';
import { type ContractHarness, natNetwork, registerContractSuite, rejection } from './contract.js';
import {
  buildStub,
  cliArgs,
  PARTIAL_STUB_LIBRARY,
  REPO,
  type SimServe,
  STUB_LIBRARY,
  startSimServe,
} from './ffi-harness.js';

let serve: SimServe;
let harness: ContractHarness;

beforeAll(async () => {
  buildStub();
  serve = await startSimServe();
  // The stub reads HNS_CNI_STUB_ADDR when it connects (first call); Node's process.env writes the real environment.
  process.env.HNS_CNI_STUB_ADDR = serve.address;
  const abi = createFfiAbi({ library: STUB_LIBRARY });
  harness = {
    client: createHcnClient(abi),
    clientWithTimeout: (ms) => createHcnClient(abi, { timeoutMs: ms }),
    stateFile: serve.stateFile,
  };
}, 120_000);

afterAll(async () => {
  await serve?.stop();
});

// Every out-string the stub allocated during a test was freed by the FFI layer before the test ended, and the stub
// allocated exactly what the server says it sent to this process (the server's count restarts with each test's reset).
// Both stub builds live in this process; the server counts per process, so the check sums them.
function counters() {
  const [a, b] = [readStubCounters(STUB_LIBRARY), readStubCounters(PARTIAL_STUB_LIBRARY)];
  return { allocations: a.allocations + b.allocations, frees: a.frees + b.frees, freesTracked: a.freesTracked };
}
let before = { allocations: 0n, frees: 0n };
beforeEach(() => {
  before = counters();
});
afterEach(() => {
  const now = counters();
  expect(now.freesTracked).toBe(true);
  const allocated = now.allocations - before.allocations;
  expect(now.frees - before.frees).toBe(allocated);
  const sent = readState(serve.stateFile).stub.processes[String(process.pid)]?.sent ?? 0;
  expect(allocated).toBe(BigInt(sent));
});

registerContractSuite('FFI → C stub → sim serve', () => harness);

describe('FFI path specifics', () => {
  beforeEach(async () => {
    await resetState(serve.stateFile);
  });

  it('the stub allocated and freed out-strings during the suite (the counters are live)', () => {
    const c = readStubCounters(STUB_LIBRARY);
    expect(c.allocations).toBeGreaterThan(50n);
    expect(c.frees).toBe(c.allocations);
  });

  it('a child process frees every out-string and reports it at exit (op 2): zero outstanding', async () => {
    await harness.client.createNetwork(natNetwork('child-net'));
    const child = spawnSync(process.execPath, cliArgs('hns', 'networks', '--json'), {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, HNS_CNI_HCN: 'ffi', HNS_CNI_HCN_LIBRARY: STUB_LIBRARY },
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect((JSON.parse(child.stdout) as { Name: string }[]).map((n) => n.Name)).toEqual(['child-net']);
    // The exit report (op 2) has no reply (PROTOCOL.md): the server may record it just after the child is gone.
    const reportOf = () => readState(serve.stateFile).stub.processes[String(child.pid)];
    for (const deadline = Date.now() + 5_000; !reportOf()?.reported && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // Enumerate + Query: two out-strings, both freed.
    expect(reportOf()).toEqual({ sent: 2, reportedAllocations: 2, reportedFrees: 2, reported: true });
  });

  it('a missing export is an error at call time, not at load: the other functions keep working', async () => {
    const partial = createHcnClient(createFfiAbi({ library: PARTIAL_STUB_LIBRARY }));
    expect(await partial.enumerateNetworks()).toEqual([]);
    const err = await rejection(partial.enumerateNamespaces());
    expect(err.hrName).toBe('HCN_PROC_NOT_FOUND');
    expect(err.hr).toBe(0x8007007f);
    expect(err.message).toContain('does not export HcnEnumerateNamespaces');
    expect(await partial.enumerateEndpoints()).toEqual([]);
  });

  it('an unreachable HNS is a retryable RPC_S_SERVER_UNAVAILABLE', async () => {
    // A copy of the stub is a separate instance (own connection), so this one has never connected yet.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-stub-copy-'));
    const copy = path.join(dir, 'libcomputenetwork.so');
    fs.copyFileSync(STUB_LIBRARY, copy);
    const closedPort = await freePort();
    process.env.HNS_CNI_STUB_ADDR = `127.0.0.1:${closedPort}`;
    try {
      const err = await rejection(createHcnClient(createFfiAbi({ library: copy })).enumerateNetworks());
      expect(err.hrName).toBe('RPC_S_SERVER_UNAVAILABLE');
      expect(err.errorRecord).toBeUndefined();
      expect(isRetryable(err)).toBe(true);
    } finally {
      process.env.HNS_CNI_STUB_ADDR = serve.address;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a library that cannot be loaded fails the first call with HCN_MODULE_NOT_FOUND', async () => {
    const abi = createFfiAbi({ library: `${REPO}/dist/native/no-such-library.so` });
    const err = await rejection(createHcnClient(abi).enumerateNetworks());
    expect(err.hrName).toBe('HCN_MODULE_NOT_FOUND');
  });
});

/** A port nothing listens on: bound by the OS, then released. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
