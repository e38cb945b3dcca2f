// dist/hns-cni, the Linux single executable: it runs the pinned Node, answers as a CNI plugin, ignores the host's
// NODE_OPTIONS, loads koffi from its SEA asset (extracted once to a hash-named temp file, reused, and replaced when
// corrupted) and the Kubernetes client from another asset, on demand. Needs `npm run build` first.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_VERSION } from '../../scripts/build/pins.mjs';
import { minimalConfig } from '../fixtures/minimal-config.js';
import { cniEnv, makeLogDir, pluginBinary, runPlugin } from '../helpers/plugin-process.js';

beforeAll(() => {
  if (!fs.existsSync(pluginBinary())) throw new Error(`${pluginBinary()} is missing: run npm run build first`);
});

describe('dist/hns-cni', () => {
  it('answers VERSION with the supported spec versions, silently (its snapshot or code cache is accepted)', async () => {
    const run = await runPlugin({ env: { CNI_COMMAND: 'VERSION' } });
    expect(run.code).toBe(0);
    expect(run.json?.supportedVersions).toEqual(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);
    expect(run.stderr).toBe('');
  });

  it('starts each process afresh from its start-up snapshot: its own invocation id, a clean log buffer', async () => {
    // The snapshot holds the logger already initialised (src/snapshot.ts): nothing of the build may leak into a pod's
    // log, and two processes must never share an invocation id.
    const logs = makeLogDir('hns-e2e-snapshot-');
    try {
      const config = minimalConfig('nat', { ipam: { subnet: 'not a subnet' } });
      for (let i = 0; i < 2; i++) {
        const run = await runPlugin({ env: { ...cniEnv('ADD'), ...logs.env }, stdin: config });
        expect(run.json?.code).toBe(7);
      }
      const lines = logs.readLog();
      const invocations = [...new Set(lines.map((l) => l.inv))];
      expect(invocations).toHaveLength(2);
      for (const inv of invocations) expect(inv).toMatch(/^[0-9a-f]{8}$/);
      expect(lines.every((l) => l.verb === 'ADD' && l.cid === 'e2e0123456789abcdef')).toBe(true);
      expect(lines.filter((l) => l.msg === 'ADD start')).toHaveLength(2);
    } finally {
      logs.cleanup();
    }
  });

  it(`runs on the embedded Node ${NODE_VERSION}, not the Node that ran the build`, () => {
    const run = spawnSync(pluginBinary(), ['--version'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Node v${NODE_VERSION}`);
    expect(process.version).not.toBe(`v${NODE_VERSION}`); // otherwise this test could not tell them apart
  });

  it("ignores the host's NODE_OPTIONS (a stray --require would otherwise break every pod start)", async () => {
    const plain = await runPlugin({ env: { CNI_COMMAND: 'VERSION' } });
    const run = await runPlugin({
      env: { CNI_COMMAND: 'VERSION', NODE_OPTIONS: '--require /nonexistent/preload.cjs --max-old-space-size=1' },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(plain.stdout);
  });
});

// koffi through the product's own path: `hns-cni hns` on the FFI backend. With libc standing in for the HCN library,
// koffi must load in the SEA, open libc and look the HCN function up, which fails with HCN_PROC_NOT_FOUND: proof that
// the API works (a round trip through the C stub is test/e2e/hns-ffi.test.ts). Each test gets its own TMPDIR.
describe('dist/hns-cni loading koffi from its SEA asset', () => {
  const repo = path.resolve(import.meta.dirname, '../..');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-e2e-build-sea-'));
  const info = JSON.parse(fs.readFileSync(path.join(repo, 'dist/build-info.json'), 'utf8')) as {
    koffiLinux: { file: string };
  };
  const koffiLinux = fs.readFileSync(info.koffiLinux.file);
  const fileName = `koffi-${createHash('sha256').update(koffiLinux).digest('hex').slice(0, 16)}.node`;
  let tmp = '';
  let n = 0;

  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  const freshTmp = () => {
    tmp = path.join(scratch, `t${n++}`);
    fs.mkdirSync(tmp);
    return tmp;
  };
  const extracted = () => path.join(tmp, 'hns-cni', fileName);
  const hnsOverKoffi = () =>
    runPlugin({
      args: ['hns', 'namespaces'],
      env: { TMPDIR: tmp, HNS_CNI_HCN: 'ffi', HNS_CNI_HCN_LIBRARY: 'libc.so.6' },
    });
  const expectKoffiWorked = (run: Awaited<ReturnType<typeof hnsOverKoffi>>) => {
    expect(run.stderr).toContain('HCN_PROC_NOT_FOUND');
    expect(run.stderr).toContain('libc.so.6 does not export HcnEnumerateNamespaces');
    expect(run.code).toBe(1);
  };

  it('extracts the linux koffi module, byte for byte, to <tmp>/hns-cni/koffi-<sha256 prefix>.node', async () => {
    freshTmp();
    expectKoffiWorked(await hnsOverKoffi());
    expect(fs.readFileSync(extracted()).equals(koffiLinux)).toBe(true);
    expect(fs.readdirSync(path.dirname(extracted())).filter((f) => f.startsWith('koffi'))).toEqual([fileName]);
  });

  it('reuses the extracted file on the next invocation without rewriting it', async () => {
    freshTmp();
    expectKoffiWorked(await hnsOverKoffi());
    const old = new Date('2020-01-01T00:00:00Z');
    fs.utimesSync(extracted(), old, old);
    const before = fs.statSync(extracted());
    expectKoffiWorked(await hnsOverKoffi());
    const after = fs.statSync(extracted());
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(old.getTime());
  });

  it('detects a corrupted extracted file and replaces it', async () => {
    freshTmp();
    expectKoffiWorked(await hnsOverKoffi());
    const fd = fs.openSync(extracted(), 'r+');
    fs.writeSync(fd, Buffer.from('corrupted!'), 0, 10, 4096);
    fs.closeSync(fd);
    expect(fs.readFileSync(extracted()).equals(koffiLinux)).toBe(false);
    expectKoffiWorked(await hnsOverKoffi());
    expect(fs.readFileSync(extracted()).equals(koffiLinux)).toBe(true);
  });

  it('survives concurrent first invocations: each loads a complete file, one file remains, no temp files', async () => {
    freshTmp();
    const runs = await Promise.all(Array.from({ length: 6 }, () => hnsOverKoffi()));
    runs.forEach(expectKoffiWorked);
    expect(fs.readdirSync(path.dirname(extracted())).filter((f) => f.startsWith('koffi'))).toEqual([fileName]);
    expect(fs.readFileSync(extracted()).equals(koffiLinux)).toBe(true);
  });
});

// The Kubernetes client is a separate SEA asset (scripts/build/lazy-modules.mjs), compiled only when the IPAM needs
// the Node object. An ADD whose subnet comes from a Node behind an unreachable API server must get as far as the
// client's HTTP request (the URL in the error is the client's), not fail to load the module.
describe('dist/hns-cni loading the Kubernetes client lazily from its SEA asset', () => {
  it('reaches the API server named in the kubeconfig', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-e2e-build-lazy-'));
    try {
      const kubeconfig = path.join(dir, 'kubeconfig');
      fs.writeFileSync(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]",
          'users: [{name: u, user: {token: t}}]',
          'contexts: [{name: x, context: {cluster: c, user: u}}]',
          'current-context: x',
        ].join('\n'),
      );
      const sim = { HNS_CNI_HCN: 'sim', HNS_CNI_SIM_STATE: path.join(dir, 'sim.json') };
      const ns = await runPlugin({ args: ['hns', 'namespace-create', '--json'], env: sim });
      expect(ns.code).toBe(0);
      const netns = String(ns.json?.ID);
      const add = await runPlugin({
        env: { ...cniEnv('ADD', { CNI_NETNS: netns }), ...sim, HNS_CNI_DATA_DIR: path.join(dir, 'data') },
        stdin: minimalConfig('nat', {
          cniVersion: '1.1.0',
          ipam: { type: 'hns-cni', subnetFrom: 'node', kubeconfig, nodeName: 'n1' },
        }),
      });
      expect(add.code).toBe(1);
      expect(String(add.json?.msg)).toContain('https://127.0.0.1:1/api/v1/nodes/n1');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
