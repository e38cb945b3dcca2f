// The real-config corpus (test/fixtures/real-configs, provenance in its README) through the built executable, the
// C stub and the simulator, with Debian's libcni as the runtime and Debian's host-local as the IPAM: each config
// with only `type` changed (hns-cni) and again with hns-cni installed under the original plugin's name. For each:
// `plan`, ADD, CHECK, DEL, asserting the HCN documents (network and its type, address authority, gateway, routes,
// policies, DNS) against what the original plugin does (corpus.ts), and the result in the requested cniVersion's
// shape as libcni and go-cni read it. Configs the original cannot serve, or whose feature is issue 12's (overlay),
// must fail with their clear error and change nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HcnClient } from '../../src/hns/client.js';
import { resetState } from '../../src/hns/sim/state-file.js';
import type { EndpointPolicy, HostComputeEndpoint } from '../../src/hns/types.js';
import {
  CORPUS,
  type CorpusEntry,
  executableFor,
  expected,
  type Fails,
  pluginStdin,
  RUNS,
  type Run,
  type Works,
} from '../fixtures/real-configs/corpus.js';
import { runPlugin } from '../helpers/plugin-process.js';
import { SimNode } from './plugin-harness.js';
import {
  CNICTL,
  cnictl,
  endpointOf,
  HOST_LOCAL,
  installBinaries,
  otherComponent,
  setUpNode,
  writeConflist,
} from './real-configs-harness.js';

let node: SimNode;
let binDir: string;
let other: HcnClient;

beforeAll(async () => {
  for (const file of [HOST_LOCAL, CNICTL]) {
    if (!fs.existsSync(file))
      throw new Error(`${file} is missing (containernetworking-plugins, scripts/build-go-client.sh)`);
  }
  node = await SimNode.start('hns-cni-corpus-');
  binDir = path.join(node.dir, 'bin');
  installBinaries(binDir);
  other = otherComponent(node);
});
afterAll(async () => {
  await node?.stop();
});

const ARGS = 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=pod';

/** PortMapping Flags are compared by the LocalRoutedVip bit only: hns-cni may set flags of its own (F4). */
function comparable(policies: readonly EndpointPolicy[]): unknown[] {
  return policies.map((p) =>
    p.Type === 'PortMapping' ? { Type: p.Type, Settings: { ...(p.Settings as object), Flags: undefined } } : p,
  );
}

interface RunContext {
  entry: CorpusEntry;
  run: Run;
  dir: string;
  env: NodeJS.ProcessEnv;
  stdin: Record<string, unknown>;
  conflist: string;
  binary: string;
  netns: string;
}

async function prepare(entry: CorpusEntry, run: Run, index: number): Promise<RunContext> {
  await resetState(node.env.HNS_CNI_SIM_STATE!); // in process: the same transaction `hns-cni sim reset` runs
  const dir = path.join(node.dir, `run-${index}-${run}`);
  fs.mkdirSync(dir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...node.env,
    HNS_CNI_DATA_DIR: path.join(dir, 'data'),
    HNS_CNI_LOG: path.join(dir, 'hns-cni.log'),
    CORPUS_HOST_LOCAL_DIR: path.join(dir, 'host-local'),
  };
  await setUpNode(other, entry.node);
  const stdin = pluginStdin(entry, run);
  const conflist = path.join(dir, 'net.conflist');
  writeConflist(conflist, stdin);
  return {
    entry,
    run,
    dir,
    env,
    stdin,
    conflist,
    binary: path.join(binDir, executableFor(entry, run)),
    // what containerd does before ADD (hcsshim's empty namespace document)
    netns: (await other.createNamespace({ SchemaVersion: { Major: 2, Minor: 0 } })).ID!.toLowerCase(),
  };
}

function libcni(ctx: RunContext, verb: 'add' | 'check' | 'del', containerId: string) {
  return cnictl(verb, {
    conflist: ctx.conflist,
    binDir,
    cacheDir: path.join(ctx.dir, 'cache'),
    netns: ctx.netns,
    containerId,
    env: ctx.env,
  });
}

/** A direct invocation of the installed executable (plan, and CHECK below cniVersion 0.4.0). */
function direct(ctx: RunContext, containerId: string, command: string, args: string[] = [], stdin = ctx.stdin) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined && k.startsWith('HNS_CNI_')) env[k] = v;
  return runPlugin({
    binary: ctx.binary,
    args,
    expectJson: args.length === 0,
    stdin,
    timeoutMs: 60_000,
    env: {
      ...env,
      CORPUS_HOST_LOCAL_DIR: ctx.env.CORPUS_HOST_LOCAL_DIR!,
      CNI_COMMAND: command,
      CNI_CONTAINERID: containerId,
      CNI_NETNS: ctx.netns,
      CNI_IFNAME: 'eth0',
      CNI_PATH: binDir,
      CNI_ARGS: ARGS,
    },
  });
}

function hostLocalHeld(ctx: RunContext): string[] {
  const dir = path.join(ctx.env.CORPUS_HOST_LOCAL_DIR!, String(ctx.stdin.name));
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$|:/.test(f)) : [];
}

const requestedVersion = (ctx: RunContext) =>
  typeof ctx.stdin.cniVersion === 'string' && ctx.stdin.cniVersion !== '' ? ctx.stdin.cniVersion : '0.1.0';

async function expectWorks(ctx: RunContext, want: Works): Promise<void> {
  const { entry } = ctx;
  const before = new Map((await other.listNetworks()).map((n) => [n.Name, n.ID]));

  // plan: read-only, the same documents ADD will send (less what only the IPAM or HNS knows)
  const plan = await direct(ctx, 'plan-only', 'ADD', ['plan', '--json']);
  expect(plan.code, plan.stderr).toBe(0);
  const planned = JSON.parse(plan.stdout) as {
    family: string;
    steps: { kind: string; document: HostComputeEndpoint }[];
  };
  const plannedEndpoint = planned.steps.find((s) => s.kind === 'createEndpoint')!.document;
  const dsrFree = (ps: readonly EndpointPolicy[]) =>
    comparable(
      ps.filter(
        (p) =>
          !(p.Type === 'OutBoundNAT' && 'Destinations' in (p.Settings ?? {}) && !('Exceptions' in (p.Settings ?? {}))),
      ),
    );
  expect(dsrFree(plannedEndpoint.Policies ?? [])).toEqual(dsrFree(want.policies));
  expect(planned.steps.some((s) => s.kind === 'createNetwork')).toBe(want.network.created !== undefined);
  expect(await other.listEndpoints()).toHaveLength(entry.node.flatMap((n) => n.endpoints ?? []).length);

  // ADD through libcni
  let containerId = `corpus-${ctx.run}`;
  if (want.firstAddConflict) {
    const first = libcni(ctx, 'add', containerId);
    expect(first.status, first.stderr).toBe(1);
    expect(first.err.code).toBe(100);
    expect(String(first.err.msg)).toContain(
      `address ${want.firstAddConflict.address} is already in use on network "${want.network.name}" by endpoint "${want.firstAddConflict.holder}"`,
    );
    expect(endpointOf(await other.listEndpoints(), containerId)).toBeUndefined();
    expect(hostLocalHeld(ctx)).toEqual([]); // released, so the retry gets the next address
    expect(libcni(ctx, 'del', containerId).status).toBe(0); // the runtime cleans the failed sandbox up
    containerId = `${containerId}-retry`; // kubelet's next sandbox
  }
  const add = libcni(ctx, 'add', containerId);
  expect(add.status, add.stderr).toBe(0);

  // the result, in the requested version's shape, as libcni parsed it and go-cni converted it
  const version = requestedVersion(ctx);
  const result = add.out.result as Record<string, unknown>;
  expect(result.cniVersion).toBe(version);
  if (version === '0.1.0' || version === '0.2.0') {
    expect(result.ip4).toMatchObject({ ip: want.address.first, gateway: want.gateway });
    expect(result.interfaces).toBeUndefined();
  } else {
    expect((result.ips as { address: string; gateway: string }[])[0]).toMatchObject({
      address: want.address.first,
      gateway: want.gateway,
    });
  }
  expect((add.out.podNetwork as { podIP: string }).podIP).toBe(want.address.first.split('/')[0]);

  // HNS: the network (adopted, never recreated; or created with the original's subnet and gateway)
  const networks = await other.listNetworks();
  const network = networks.find((n) => n.Name === want.network.name)!;
  expect(network.Type ?? 'NAT').toBe(want.network.type);
  if (want.network.created) {
    expect(network.Ipams?.[0]?.Subnets?.[0]).toMatchObject({
      IpAddressPrefix: want.network.created.subnet,
      Routes: [{ NextHop: want.network.created.gateway, DestinationPrefix: '0.0.0.0/0' }],
    });
  } else {
    expect(network.ID).toBe(before.get(want.network.name));
  }
  expect(networks.map((n) => n.Name).sort()).toEqual([...new Set([...before.keys(), want.network.name])].sort());

  // HNS: the endpoint's address, routes, policies and DNS
  const endpoint = endpointOf(await other.listEndpoints(), containerId)!;
  expect(endpoint, 'the pod endpoint').toBeDefined();
  expect(endpoint.HostComputeNetwork?.toLowerCase()).toBe(network.ID!.toLowerCase());
  expect(endpoint.HostComputeNamespace?.toLowerCase()).toBe(ctx.netns.toLowerCase());
  expect(endpoint.IpConfigurations?.[0]?.IpAddress).toBe(want.address.first.split('/')[0]);
  expect(endpoint.Routes?.[0]).toEqual({ NextHop: want.gateway, DestinationPrefix: '0.0.0.0/0' });
  expect(comparable(endpoint.Policies ?? [])).toEqual(comparable(want.policies));
  if (want.localRoutedVip) {
    for (const p of (endpoint.Policies ?? []).filter((x) => x.Type === 'PortMapping')) {
      expect(((p.Settings as { Flags?: number }).Flags ?? 0) & 1).toBe(1);
    }
  }
  expect(endpoint.Dns ?? {}).toEqual(want.dns);

  // the address authority: host-local holds it, or HNS assigned it and no IPAM of hns-cni's was involved
  if (want.address.from === 'host-local') {
    expect(hostLocalHeld(ctx)).toContain(want.address.first.split('/')[0]);
  } else {
    expect(hostLocalHeld(ctx)).toEqual([]);
    expect(fs.existsSync(path.join(ctx.env.HNS_CNI_DATA_DIR!, 'ipam'))).toBe(false);
  }

  // CHECK: through libcni from 0.4.0; older versions have no CHECK, so it is asked at 1.0.0 with the ADD's result
  // as prevResult, as libcni would send it (go-cni's 1.0.0 conversion of it)
  if (['0.1.0', '0.2.0', '0.3.0', '0.3.1'].includes(version)) {
    const prevResult = { ...(add.out.current as object), cniVersion: '1.0.0' };
    const check = await direct(ctx, containerId, 'CHECK', [], { ...ctx.stdin, cniVersion: '1.0.0', prevResult });
    expect(check.code, check.stdout).toBe(0);
  } else {
    const check = libcni(ctx, 'check', containerId);
    expect(check.status, check.stderr).toBe(0);
  }

  // DEL: the endpoint goes, the address goes back, the network stays (hns-cni never deletes one)
  const del = libcni(ctx, 'del', containerId);
  expect(del.status, del.stderr).toBe(0);
  expect(endpointOf(await other.listEndpoints(), containerId)).toBeUndefined();
  expect(hostLocalHeld(ctx)).toEqual([]);
  expect((await other.listNetworks()).some((n) => n.ID === network.ID)).toBe(true);
}

async function expectFails(ctx: RunContext, want: Fails): Promise<void> {
  const before = { networks: await other.listNetworks(), endpoints: await other.listEndpoints() };
  const plan = await direct(ctx, 'plan-only', 'ADD', ['plan']);
  expect(plan.code).toBe(1);
  expect(plan.stderr).toMatch(want.msg);
  expect(plan.stderr).toContain(`(CNI code ${want.code})`);

  const add = libcni(ctx, 'add', `corpus-${ctx.run}`);
  expect(add.status).toBe(1);
  expect(add.err.code, add.stderr).toBe(want.code);
  expect(String(add.err.msg)).toMatch(want.msg);
  expect(await other.listNetworks()).toEqual(before.networks);
  expect(await other.listEndpoints()).toEqual(before.endpoints);
  expect(hostLocalHeld(ctx)).toEqual([]);
  if (want.code !== 7) {
    // the config itself is fine: the runtime's DEL after the failed ADD succeeds
    expect(libcni(ctx, 'del', `corpus-${ctx.run}`).status).toBe(0);
  }
}

/** The log's warnings (hns-cni's JSON lines), for fields the anchor ignores and hns-cni accepts. */
function loggedWarnings(ctx: RunContext): string[] {
  const file = ctx.env.HNS_CNI_LOG!;
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { level: string; msg: string; path?: string })
    .filter((r) => r.level === 'warn')
    .map((r) => `${r.path ?? ''} ${r.msg}`);
}

describe.each(CORPUS.map((entry, i) => ({ entry, i, id: entry.id })))('$id', ({ entry, i }) => {
  it.each(RUNS)('%s', async (run) => {
    const ctx = await prepare(entry, run, i);
    const want = expected(entry, run);
    if (want.outcome === 'works') await expectWorks(ctx, want);
    else await expectFails(ctx, want);
    // (a run that reads the config with another family's rules, #64 as hns-cni.exe, warns about other fields)
    const sameReading = run === 'asOriginal' || entry.typeChanged.outcome === entry.asOriginal.outcome;
    const warnings = loggedWarnings(ctx);
    for (const field of sameReading ? (entry.warns ?? []) : []) {
      expect(
        warnings.some((w) => w.includes(field) && /ignore/.test(w)),
        `a warning about ${field}`,
      ).toBe(true);
    }
  });
});

describe("flanneld's network does not exist yet (node boot, flanneld restarting)", () => {
  it('ADD is 11 and STATUS 50 until flanneld creates cbr0; nothing is created under its name; then ADD works', async () => {
    const entry = CORPUS.find((e) => e.id === 'sdn/flannel-l2bridge-cni.conf')!;
    const ctx = await prepare({ ...entry, node: [] }, 'asOriginal', 900);
    const add = libcni(ctx, 'add', 'boot-pod');
    expect(add.status).toBe(1);
    expect(add.err.code).toBe(11);
    expect(String(add.err.msg)).toMatch(/HNS network "cbr0" does not exist yet.*win-bridge's rule.*try again later/);
    expect(await other.listNetworks()).toEqual([]);
    expect(hostLocalHeld(ctx)).toEqual([]);
    // STATUS is a 1.1.0 verb: asked with the same delegate at 1.1.0 (host-local 1.1.1 is not forwarded GC/STATUS)
    const status = await direct(ctx, '', 'STATUS', [], { ...ctx.stdin, cniVersion: '1.1.0' });
    expect(status.code).toBe(1);
    expect(status.json).toMatchObject({ code: 50, msg: expect.stringContaining('"cbr0" does not exist yet') });

    await setUpNode(other, entry.node); // flanneld is up
    const ready = await direct(ctx, '', 'STATUS', [], { ...ctx.stdin, cniVersion: '1.1.0' });
    expect(ready.code, ready.stdout).toBe(0);
    // host-local handed out .2 to the refused ADD and took it back: its round robin moves on to .3
    const retry = libcni(ctx, 'add', 'boot-pod-2');
    expect(retry.status, retry.stderr).toBe(0);
    expect((add.out.podNetwork as { podIP: string } | undefined)?.podIP).toBeUndefined();
    expect((retry.out.podNetwork as { podIP: string }).podIP).toBe('10.244.1.3');
    expect(libcni(ctx, 'del', 'boot-pod-2').status).toBe(0);
  });
});
