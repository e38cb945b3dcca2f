// The built executable on the FFI backend: dist/hns-cni loads koffi (from its SEA assets) and the C stub, which
// forwards to `dist/hns-cni sim serve`. Each `hns-cni hns ...` run is its own process, so the server's aggregated stub
// report proves every out-string of every process was freed; fault "kill" proves the stub terminates the caller.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginBinary } from '../helpers/plugin-process.js';

const repo = path.resolve(import.meta.dirname, '../..');
const library = path.join(repo, 'dist/native/libcomputenetwork.so');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-e2e-ffi-'));
const stateFile = path.join(dir, 'state.json');
let server: ChildProcess;
let address = '';

interface StubStats {
  allocated: number;
  freed: number;
  outstanding: number;
  processes: number;
  processesReported: number;
}

/** One run of the executable (debug commands print text or JSON, so no CNI-result parsing here). */
function run(args: string[], extraEnv: Record<string, string> = {}) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('HNS_CNI_')) env[k] = v;
  const r = spawnSync(pluginBinary(), args, { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const hns = (...args: string[]) =>
  run(['hns', ...args], { HNS_CNI_HCN: 'ffi', HNS_CNI_HCN_LIBRARY: library, HNS_CNI_STUB_ADDR: address });
const sim = (...args: string[]) => run(['sim', ...args, '--state', stateFile]);

function stubStats(): StubStats {
  const r = sim('stats', '--json');
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { stub: StubStats }).stub;
}

beforeAll(async () => {
  execFileSync('bash', [path.join(repo, 'scripts/build-native.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  server = spawn(pluginBinary(), ['sim', 'serve', '--state', stateFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  address = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!.trim());
    });
    server.once('exit', (code) => reject(new Error(`sim serve exited (${code})`)));
  });
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('hns-cni hns over FFI (built executable → stub → sim serve)', () => {
  it('creates, lists and deletes a namespace, freeing every out-string in every process', async () => {
    const created = hns('namespace-create');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);

    const listed = hns('namespaces', '--json');
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { ID: string }[]).map((n) => n.ID)).toEqual([id]);

    const deleted = hns('namespace-delete', `{${id.toUpperCase()}}`);
    expect(deleted.code).toBe(0);

    const stub = stubStats();
    // namespace-create: Query; namespaces: Enumerate + Query; namespace-delete: none.
    // Every process that called reported at exit, also the one that allocated nothing.
    expect(stub).toMatchObject({ allocated: 3, freed: 3, outstanding: 0, processes: 3, processesReported: 3 });
  });

  it('an HNS error reaches the operator as one line with its HRESULT name, exit status 1', async () => {
    const r = hns('namespace-delete', 'deadbeef-0000-4000-8000-000000000001');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/HcnDeleteNamespace failed .*ERROR_NOT_FOUND \(0x80070490\) Element not found\./);
  });

  it('fault "kill" terminates the calling process inside the stub, before any exit report', async () => {
    sim('reset');
    expect(sim('fault', '--fn', 'HcnEnumerateNetworks', '--kill').code).toBe(0);
    const r = hns('networks');
    expect(r.code).toBe(137);
    expect(r.stdout).toBe('');
    const stub = stubStats();
    expect(stub).toMatchObject({ allocated: 0, processes: 1, processesReported: 0 });
  });
});
