// A node for the real-config corpus: the simulator with what other components created before the first pod
// (flanneld's cbr0 and cbr0_ep, Windows' nat, the GCE/AKS/SDN setup scripts' networks), hns-cni installed under
// every name a config's `type` may use (hard links, so the executable sees its own file name), Debian's host-local,
// and libcni (cnictl) as the runtime. Each run gets its own hns-cni data directory and host-local store.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HcnClient } from '../../src/hns/client.js';
import { createHcnClient } from '../../src/hns/hcn-client.js';
import { createSimAbi } from '../../src/hns/sim/abi.js';
import type { HostComputeEndpoint, HostComputeNetwork } from '../../src/hns/types.js';
import type { NetworkFixture } from '../fixtures/real-configs/corpus.js';
import { installPluginAs } from '../helpers/plugin-process.js';
import { repoRoot, type SimNode } from './plugin-harness.js';

export const HOST_LOCAL = '/usr/lib/cni/host-local';
export const CNICTL = path.join(repoRoot, 'dist/test-tools/cnictl');

/** Every file name the corpus runs hns-cni under: hns-cni itself and the anchors' (and their `type` spellings). */
const NAMES = [
  'hns-cni',
  'win-bridge',
  'win-overlay',
  'sdnbridge',
  'sdnbridge.exe',
  'nat',
  'sdnoverlay',
  'wincni.exe',
  'wincni',
  'l2bridge',
  'L2Bridge',
  'NAT',
];

/** Hard links share the inode (no copy of the engine) but keep their own name in /proc/self/exe. */
export function installBinaries(binDir: string): void {
  for (const name of NAMES) installPluginAs(binDir, name);
  // host-local keeps its store under ipam.dataDir (default /var/lib/cni/networks): the corpus configs name none, so
  // this wrapper gives each run its own store by adding dataDir, and passes everything else to host-local unchanged.
  const wrapper = path.join(binDir, 'host-local');
  fs.writeFileSync(
    wrapper,
    `#!${process.execPath}
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const conf = JSON.parse(fs.readFileSync(0, 'utf8'));
conf.ipam = { ...conf.ipam, dataDir: process.env.CORPUS_HOST_LOCAL_DIR };
const r = spawnSync(${JSON.stringify(HOST_LOCAL)}, [], { input: JSON.stringify(conf), stdio: ['pipe', 'inherit', 'inherit'] });
process.exit(r.status ?? 1);
`,
  );
  fs.chmodSync(wrapper, 0o755);
}

/** A client on the simulator's state, as another component (flanneld, a setup script) would use HNS. */
export function otherComponent(node: SimNode): HcnClient {
  return createHcnClient(createSimAbi({ stateFile: node.env.HNS_CNI_SIM_STATE! }));
}

/** Creates the node's pre-existing networks and host endpoints; returns the networks by name. */
export async function setUpNode(hcn: HcnClient, fixtures: NetworkFixture[]): Promise<Map<string, HostComputeNetwork>> {
  const out = new Map<string, HostComputeNetwork>();
  for (const n of fixtures) {
    const overlay = n.type === 'Overlay';
    const network = await hcn.createNetwork({
      Name: n.name,
      Type: n.type,
      // flanneld's vxlan backend (or OVN's hybrid overlay): a VNI per subnet; HNS adds the provider address unless
      // the creator names one
      ...(overlay &&
        n.providerAddress !== undefined && {
          Policies: [{ Type: 'ProviderAddress', Settings: { ProviderAddress: n.providerAddress } }],
        }),
      Ipams: [
        {
          Type: 'Static',
          Subnets: n.subnets.map((s) => ({
            IpAddressPrefix: s.prefix,
            ...(overlay && { Policies: [{ Type: 'VSID' as const, Settings: { IsolationId: n.vsid ?? 4096 } }] }),
            Routes: [{ NextHop: s.gateway, DestinationPrefix: s.prefix.includes(':') ? '::/0' : '0.0.0.0/0' }],
          })),
        },
      ],
      SchemaVersion: { Major: 2, Minor: 0 },
    });
    for (const e of n.endpoints ?? []) {
      await hcn.createEndpoint(network.ID!, {
        Name: e.name,
        IpConfigurations: e.addresses.map((a) => ({ IpAddress: a })),
        SchemaVersion: { Major: 2, Minor: 0 },
      });
    }
    out.set(n.name, network);
  }
  return out;
}

export interface CnictlRun {
  status: number;
  out: Record<string, unknown>;
  /** The error document cnictl prints as stderr's last line on failure: {error, stage, code?, msg?, details?}. */
  err: Record<string, unknown>;
  stderr: string;
}

/** libcni (Debian's, through cnictl) running one verb on a one-plugin conflist, as containerd's CRI does. */
export function cnictl(
  verb: 'add' | 'check' | 'del',
  args: {
    conflist: string;
    binDir: string;
    cacheDir: string;
    netns: string;
    containerId: string;
    env: NodeJS.ProcessEnv;
  },
): CnictlRun {
  const r = spawnSync(
    CNICTL,
    [
      verb,
      '--conflist',
      args.conflist,
      '--bin-dir',
      args.binDir,
      '--cache-dir',
      args.cacheDir,
      '--netns',
      args.netns,
      '--container-id',
      args.containerId,
      '--ifname',
      'eth0',
      '--cni-args',
      'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=pod',
    ],
    { encoding: 'utf8', env: args.env, timeout: 120_000 },
  );
  const lastLine = r.stderr.trim().split('\n').at(-1) ?? '';
  let err: Record<string, unknown> = {};
  try {
    err = lastLine.startsWith('{') ? (JSON.parse(lastLine) as Record<string, unknown>) : {};
  } catch {
    err = {};
  }
  return { status: r.status ?? -1, out: r.stdout.trim() ? JSON.parse(r.stdout) : {}, err, stderr: r.stderr };
}

/** The plugin config as the only plugin of a conflist: libcni copies cniVersion and name back in. */
export function writeConflist(file: string, plugin: Record<string, unknown>): void {
  const { cniVersion, name, ...rest } = plugin;
  const list: Record<string, unknown> = { name, plugins: [rest] };
  if (cniVersion !== undefined) list.cniVersion = cniVersion;
  fs.writeFileSync(file, JSON.stringify(list));
}

export function endpointOf(endpoints: HostComputeEndpoint[], containerId: string): HostComputeEndpoint | undefined {
  return endpoints.find((e) => (e.Name ?? '').startsWith(`${containerId}_eth0_`));
}
