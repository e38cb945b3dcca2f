// The IphlpClient contract through the real FFI path: koffi → the C stub (dist/native/libiphlpapi.so, its MIB
// structures laid out independently of the koffi declarations) → TCP → `hns-cni sim serve`. Plus what only this path
// has: every MIB table handed out is given back through FreeMibTable, every reply string the stub took is freed and
// reported at exit, a missing library or an unreachable server is a named status.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFfiAbi } from '../../../src/hns/ffi/abi.js';
import { createHcnClient } from '../../../src/hns/hcn-client.js';
import { readState, resetState } from '../../../src/hns/sim/state-file.js';
import { createIphlpClient } from '../../../src/iphlp/client.js';
import { createFfiIphlpAbi } from '../../../src/iphlp/ffi/abi.js';
import { readIphlpStubCounters } from '../../../src/iphlp/ffi/bindings.js';
import {
  buildStub,
  cliArgs,
  IPHLP_STUB_LIBRARY,
  REPO,
  type SimServe,
  STUB_LIBRARY,
  startSimServe,
} from '../hns/ffi-harness.js';
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

  it('a child process reports its reply strings at exit: every string the server sent was freed', async () => {
    // A recorded route makes `node status` read the routing table through IP Helper.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iphlp-child-'));
    fs.mkdirSync(path.join(dataDir, 'node'));
    fs.writeFileSync(
      path.join(dataDir, 'node', 'record.json'),
      JSON.stringify({
        version: 1,
        networks: [],
        hostEndpoints: [],
        remoteSubnets: [],
        routes: [{ node: 'b', destinationPrefix: '10.244.2.0/24', nextHop: '10.0.0.5' }],
      }),
    );
    const child = spawnSync(process.execPath, cliArgs('node', 'status', '--json'), {
      cwd: REPO,
      encoding: 'utf8',
      env: {
        ...process.env,
        HNS_CNI_HCN: 'ffi',
        HNS_CNI_HCN_LIBRARY: STUB_LIBRARY,
        HNS_CNI_IPHLP_LIBRARY: IPHLP_STUB_LIBRARY,
        HNS_CNI_DATA_DIR: dataDir,
      },
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const reportOf = () => readState(serve.stateFile).stub.processes[String(child.pid)];
    // Two stubs live in that process (HCN and IP Helper), each sends its own report: wait for both (bounded).
    const settled = () => reportOf()?.reported === true && reportOf()!.reportedFrees >= reportOf()!.sent;
    for (const deadline = Date.now() + 5_000; !settled() && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const report = reportOf()!;
    expect(report.reported).toBe(true);
    expect(report.sent).toBeGreaterThan(0);
    expect(report.reportedAllocations).toBe(report.sent);
    expect(report.reportedFrees).toBe(report.sent);
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
