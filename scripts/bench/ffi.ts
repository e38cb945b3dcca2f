// The cost of one HCN round trip through the FFI path (koffi async call → C stub .so → loopback TCP → `sim serve` →
// simulator) against the same call on the in-process simulator backend, both on one temp state file (every simulated
// call is a locked read-modify-write of that file on either path, so the difference is the FFI + wire overhead).
// Also: one synchronous koffi call into the stub that does no I/O (HnsCniStubCounters), koffi's floor.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFfiAbi } from '../../src/hns/ffi/abi.js';
import { readStubCounters } from '../../src/hns/ffi/bindings.js';
import { loadKoffi } from '../../src/hns/ffi/koffi-loader.js';
import { createHcnClient } from '../../src/hns/hcn-client.js';
import { createSimAbi } from '../../src/hns/sim/abi.js';

const repo = path.resolve(import.meta.dirname, '../..');
const library = path.join(repo, 'dist/native/libcomputenetwork.so');
const WARMUP = 50;
const CALLS = Number(process.env.BENCH_FFI_CALLS ?? 500);

async function perCallMicros(fn: () => Promise<unknown>, calls: number): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await fn();
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

async function startServe(stateFile: string): Promise<{ address: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'sim', 'serve', '--state', stateFile], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!.trim());
    });
    child.once('exit', (code) => reject(new Error(`sim serve exited (${code})`)));
  });
  return {
    address,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  execFileSync('bash', [path.join(repo, 'scripts/build-native.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-bench-ffi-'));
  const stateFile = path.join(dir, 'state.json');
  const serve = await startServe(stateFile);
  try {
    process.env.HNS_CNI_STUB_ADDR = serve.address;
    const ffi = createHcnClient(createFfiAbi({ library }));
    const sim = createHcnClient(createSimAbi({ stateFile }));
    // Something to enumerate, so the reply carries a real out-string.
    await sim.createNamespace({});

    const counters = loadKoffi().load(library).func('int32_t HnsCniStubCounters(_Out_ uint64_t *a, _Out_ uint64_t *f)');
    const floor = await perCallMicros(async () => counters([0], [0]), CALLS);
    const viaFfi = await perCallMicros(() => ffi.enumerateNamespaces(), CALLS);
    const inProcess = await perCallMicros(() => sim.enumerateNamespaces(), CALLS);
    const c = readStubCounters(library);

    console.log(`HcnEnumerateNamespaces, ${CALLS} calls each after ${WARMUP} warm-up calls`);
    console.log(`  FFI: koffi async → stub .so → TCP → sim serve   ${viaFfi.toFixed(1)} µs/call`);
    console.log(`  in-process simulator abi (baseline)            ${inProcess.toFixed(1)} µs/call`);
    console.log(`  ratio FFI / in-process                         ${(viaFfi / inProcess).toFixed(2)}x`);
    console.log(`  koffi sync call into the stub, no I/O          ${floor.toFixed(2)} µs/call`);
    console.log(`  stub out-strings: ${c.allocations} allocated, ${c.frees} freed`);
    if (c.allocations !== c.frees) throw new Error('out-string leak through the FFI path');
  } finally {
    await serve.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
