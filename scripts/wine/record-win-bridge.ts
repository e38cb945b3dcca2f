// Records what the real win-bridge.exe (containernetworking/plugins, prebuilt in ../shared/peers, see PEERS.md)
// does with the corpus configs it can run against the simulator today (HCN v2: `apiVersion: 2`; its v1 path needs
// the v1 HNS API, which the simulator does not model yet): the first ADD, the retry, the endpoint it creates (policies,
// routes, DNS, address), CHECK and DEL. The result, test/fixtures/real-configs/recorded-win-bridge.json, is what
// test/unit/config/recorded-win-bridge.test.ts holds the corpus's expectations (corpus.ts) against.
//
//   HNS_CNI_WINE_ROOT=/var/cache/hns-cni/wine-<you> [HNS_CNI_PEERS_DIR=...] node --import tsx scripts/wine/record-win-bridge.ts
//
// Needs root (the Wine stage's chroot), a Wine root (scripts/wine/root.sh), `npm run build`, scripts/build-native.sh
// and scripts/build-go-client.sh. Writes only the fixture and files inside the Wine prefix.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { createHcnClient } from '../../src/hns/hcn-client.js';
import { createSimAbi } from '../../src/hns/sim/abi.js';
import { setUpNode } from '../../test/e2e/real-configs-harness.js';
import { CORPUS, CORPUS_DIR, type CorpusEntry, pluginStdin } from '../../test/fixtures/real-configs/corpus.js';

const repo = path.resolve(import.meta.dirname, '..', '..');
const peers = process.env.HNS_CNI_PEERS_DIR ?? path.resolve(repo, '..', 'shared', 'peers', 'bin');
const wineRoot = process.env.HNS_CNI_WINE_ROOT ?? '/var/cache/hns-cni/wine-trixie';
const driveC = path.join(wineRoot, 'wine/prefix/drive_c');
const binDirWin = 'C:\\Program Files\\containerd\\cni\\bin';
const binDir = path.join(driveC, 'Program Files/containerd/cni/bin');
const ARGS = 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=pod';

function fail(message: string): never {
  process.stderr.write(`record-win-bridge: ${message}\n`);
  process.exit(1);
}

async function startSim(state: string): Promise<{ server: ChildProcess; address: string }> {
  const server = spawn(path.join(repo, 'dist/hns-cni'), ['sim', 'serve', '--listen', '127.0.0.1:0', '--state', state], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, HNS_CNI_LOG: path.join(path.dirname(state), 'sim.log') },
  });
  const address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: server.stdout! }).once('line', (line) => resolve(line.trim()));
    server.once('exit', (code) => reject(new Error(`sim serve exited (${code})`)));
  });
  return { server, address };
}

function cnictlExe(address: string, args: string[]): { status: number; out: unknown; err: unknown } {
  const r = spawnSync(
    'bash',
    [
      path.join(repo, 'scripts/wine/run.sh'),
      '--timeout',
      '120',
      '--env',
      `HNS_CNI_STUB_ADDR=${address}`,
      '--',
      'C:\\hns-cni-test\\cnictl.exe',
      ...args,
      '--bin-dir',
      binDirWin,
      '--cache-dir',
      'C:\\hns-cni-test\\record-cache',
    ],
    { encoding: 'utf8', env: { ...process.env, HNS_CNI_WINE_ROOT: wineRoot }, timeout: 150_000 },
  );
  const last = (text: string) => {
    const line = text.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as unknown;
    } catch {
      return text;
    }
  };
  return { status: r.status ?? -1, out: last(r.stdout), err: last(r.stderr) };
}

async function record(entry: CorpusEntry, work: string): Promise<Record<string, unknown>> {
  const state = path.join(work, `${entry.file}.state.json`);
  const { server, address } = await startSim(state);
  try {
    const hcn = createHcnClient(createSimAbi({ stateFile: state }));
    await setUpNode(hcn, entry.node);
    const netns = (await hcn.createNamespace({ SchemaVersion: { Major: 2, Minor: 0 } })).ID!.toLowerCase();
    const stdin = pluginStdin(entry, 'asOriginal');
    const { cniVersion, name, ...plugin } = stdin;
    const conflist = `C:\\hns-cni-test\\record-${entry.file}.conflist`;
    fs.writeFileSync(
      path.join(driveC, 'hns-cni-test', `record-${entry.file}.conflist`),
      JSON.stringify({ cniVersion, name, plugins: [plugin] }),
    );
    fs.rmSync(path.join(driveC, 'var/lib/cni/networks', String(name)), { recursive: true, force: true });
    const common = ['--conflist', conflist, '--netns', netns, '--ifname', 'eth0', '--cni-args', ARGS];
    const first = cnictlExe(address, ['add', ...common, '--container-id', 'record']);
    const firstDel = cnictlExe(address, ['del', ...common, '--container-id', 'record']);
    const add = cnictlExe(address, ['add', ...common, '--container-id', 'record-retry']);
    const endpoint = (await hcn.listEndpoints()).find((e) => e.Name === `record-retry_${name}`);
    const check = cnictlExe(address, ['check', ...common, '--container-id', 'record-retry']);
    const del = cnictlExe(address, ['del', ...common, '--container-id', 'record-retry']);
    const left = (await hcn.listEndpoints()).filter((e) => (e.Name ?? '').startsWith('record')).length;
    return {
      id: entry.id,
      stdin,
      firstAdd: first,
      firstDel: firstDel.status,
      add,
      endpoint: endpoint && {
        IpConfigurations: endpoint.IpConfigurations,
        Routes: endpoint.Routes,
        Dns: endpoint.Dns,
        Policies: endpoint.Policies,
      },
      check: check.status,
      del: del.status,
      endpointsLeft: left,
    };
  } finally {
    server.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) fail('needs root (the Wine root is a chroot)');
  for (const exe of ['win-bridge.exe', 'host-local.exe']) {
    if (!fs.existsSync(path.join(peers, exe))) fail(`${path.join(peers, exe)} is missing (HNS_CNI_PEERS_DIR)`);
  }
  const install = spawnSync('bash', [path.join(repo, 'scripts/wine/install.sh')], {
    stdio: 'inherit',
    env: { ...process.env, HNS_CNI_WINE_ROOT: wineRoot },
  });
  if (install.status !== 0) fail('scripts/wine/install.sh failed');
  for (const exe of ['win-bridge.exe', 'host-local.exe'])
    fs.copyFileSync(path.join(peers, exe), path.join(binDir, exe));

  const runnable = CORPUS.filter((e) => {
    if (e.original !== 'win-bridge') return false;
    const stdin = pluginStdin(e, 'asOriginal');
    return Object.entries(stdin).some(([k, v]) => k.toLowerCase() === 'apiversion' && v === 2);
  });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'record-win-bridge-'));
  const recorded = [];
  for (const entry of runnable) {
    process.stderr.write(`record-win-bridge: ${entry.id}\n`);
    recorded.push(await record(entry, work));
  }
  const out = path.join(CORPUS_DIR, 'recorded-win-bridge.json');
  fs.writeFileSync(
    out,
    `${JSON.stringify({ peer: 'win-bridge.exe (containernetworking/plugins 3d27709)', recorded }, null, 2)}\n`,
  );
  process.stderr.write(`record-win-bridge: wrote ${out} (${recorded.length} configs)\n`);
  fs.rmSync(work, { recursive: true, force: true });
}

await main();
