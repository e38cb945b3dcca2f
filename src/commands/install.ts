// `hns-cni install` and `hns-cni uninstall` (src/node/install.ts, teardown.ts), for nodes without the DaemonSet
// and for the DaemonSet's init step. windows/Install-HnsCni.ps1 wraps both.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as sea from 'node:sea';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { frontOrigin } from '../cni/front-origin.js';
import { isIPv4Cidr } from '../config/address.js';
import { selectHcnClient } from '../hns/select.js';
import { defaultNodeName } from '../ipam/config.js';
import { selectIphlpClient } from '../iphlp/select.js';
import { closeLog } from '../log/logger.js';
import { defaultBinDir, defaultConfDir } from '../node/conf.js';
import {
  CONFLIST_NAME,
  conflistFor,
  installConflist,
  readInstallRecord,
  sha256Of,
  writeInstallRecord,
} from '../node/install.js';
import { frontTargetName, installPair, pairSources, uninstallPair } from '../node/install-pair.js';
import { teardownNode } from '../node/teardown.js';
import { defaultDataDir } from '../store/data-dir.js';
import { adminWritableProblems, ensureAdminWritableDirectory } from '../store/private-dir.js';
import { printError, printJson, printText } from './output.js';

const INSTALL_USAGE = `usage: hns-cni install [--bin-dir DIR] [--conf-dir DIR] [--source ENGINE] [--front FILE] [--as NAME]
         [--force] [--subnet CIDR | --from-node [--node-name NAME] [--kubeconfig FILE]] [--no-conflist]
         [--name NAME] [--mode l2bridge|transparent|nat|overlay] --cluster-cidr CIDR --service-cidr CIDR
         [--allow-unsafe-dirs]
Copies the executable pair into the CNI bin dir: the engine (hns-cni-engine[.exe], --source, default this one)
first, then the native front (--front, default the front beside the engine) as hns-cni[.exe] or, with --as, an
anchor's name (win-bridge, sdnbridge, nat, ...); rename-then-replace, so a running CNI call keeps its copy. Writes
${CONFLIST_NAME} with the node's pod subnet, never over a conflist hns-cni did not write unless --force.
The bin dir and the conf dir must be writable by SYSTEM and Administrators only (whoever can add a file to the bin dir
runs code as SYSTEM when containerd starts the plugin; whoever can write the conf dir chooses what it runs): missing
ones are created so, open ones are refused with the commands that close them; --allow-unsafe-dirs installs anyway,
with a warning.`;
const UNINSTALL_USAGE = `usage: hns-cni uninstall [--bin-dir DIR] [--conf-dir DIR] [--force] [--json]
Removes hns-cni's routes, host endpoints and networks (refused while pods use them, unless --force), the files it
installed and its data directory.`;

class UsageError extends Error {}

function options(argv: string[], spec: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);

export async function install(argv: string[]): Promise<number> {
  try {
    return await runInstall(argv);
  } catch (e) {
    printError(`hns-cni install: ${(e as Error).message}${e instanceof UsageError ? `\n${INSTALL_USAGE}` : ''}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

/** The node's IPv4 (and IPv6) pod CIDRs from its Node object. */
async function nodePodCidrs(v: Record<string, string | boolean | undefined>): Promise<string[]> {
  const { loadCredentials, importKubernetesClient } = await import('../kube/credentials.js');
  const skipped: string[] = [];
  const creds = await loadCredentials([str(v.kubeconfig), process.env.KUBECONFIG], skipped);
  // A kubeconfig skipped as unsafe: say why here, not only in the log.
  if (creds === undefined)
    throw new Error(skipped[0] ?? '--from-node needs API credentials (--kubeconfig, KUBECONFIG or in-cluster)');
  const name = str(v['node-name']) ?? process.env.NODE_NAME ?? defaultNodeName();
  const k8s = await importKubernetesClient();
  const node = await creds.kc.makeApiClient(k8s.CoreV1Api).readNode({ name });
  const cidrs = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
  if (cidrs.length === 0) throw new Error(`node ${name} has no spec.podCIDR yet (kube-controller-manager assigns it)`);
  return cidrs;
}

async function runInstall(argv: string[]): Promise<number> {
  const v = options(argv, {
    'bin-dir': { type: 'string' },
    'conf-dir': { type: 'string' },
    source: { type: 'string' },
    front: { type: 'string' },
    as: { type: 'string' },
    force: { type: 'boolean', default: false },
    subnet: { type: 'string' },
    'from-node': { type: 'boolean', default: false },
    'node-name': { type: 'string' },
    kubeconfig: { type: 'string' },
    'no-conflist': { type: 'boolean', default: false },
    name: { type: 'string', default: 'cbr0' },
    mode: { type: 'string', default: 'l2bridge' },
    'cluster-cidr': { type: 'string' },
    'service-cidr': { type: 'string' },
    json: { type: 'boolean', default: false },
    'allow-unsafe-dirs': { type: 'boolean', default: false },
  });
  const binDir = str(v['bin-dir']) ?? defaultBinDir();
  const confDir = str(v['conf-dir']) ?? defaultConfDir();
  const dataDir = defaultDataDir();
  const source = str(v.source) ?? (sea.isSea() ? process.execPath : undefined);
  if (source === undefined) throw new UsageError('--source ENGINE is needed when not run as the hns-cni executable');
  let frontName: string;
  try {
    frontName = frontTargetName(str(v.as));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const sources = pairSources(
    source,
    str(v.front) ?? (str(v.source) === undefined ? frontOrigin()?.frontPath : undefined),
  );
  const writeConf = v['no-conflist'] !== true;
  let subnets: string[] = [];
  if (writeConf) {
    for (const k of ['cluster-cidr', 'service-cidr']) {
      if (!isIPv4Cidr(str(v[k]) ?? '')) throw new UsageError(`--${k} must be an IPv4 CIDR`);
    }
    if ((str(v.subnet) !== undefined) === (v['from-node'] === true))
      throw new UsageError('give --subnet or --from-node');
    subnets = v['from-node'] === true ? await nodePodCidrs(v) : [str(v.subnet)!];
  }
  const unsafeDirs = await judgeDirs(
    { bin: binDir, ...(writeConf && { conf: confDir }) },
    v['allow-unsafe-dirs'] === true,
  );
  const record = readInstallRecord(dataDir);
  const pair = installPair(sources, binDir, frontName, record, v.force === true);
  const binary = pair.front;
  record.installedAt = new Date().toISOString();
  const out: Record<string, unknown> = { binary, engine: pair.engine };
  if (Object.keys(unsafeDirs).length > 0) out.unsafeDirs = unsafeDirs;
  if (writeConf) {
    const subnet = subnets.find((s) => isIPv4Cidr(s));
    if (subnet === undefined) throw new Error(`no IPv4 pod subnet among ${subnets.join(', ')}`);
    const subnet6 = subnets.find((s) => s.includes(':'));
    const doc = conflistFor({
      name: str(v.name)!,
      mode: str(v.mode)!,
      clusterCIDR: str(v['cluster-cidr'])!,
      serviceCIDR: str(v['service-cidr'])!,
      subnet,
      ...(subnet6 !== undefined && { subnet6 }),
    });
    const conflist = installConflist(confDir, doc, record.conflist, v.force === true);
    out.conflist = conflist;
    if (conflist.sha256 !== undefined) record.conflist = { path: conflist.path, sha256: conflist.sha256 };
  }
  writeInstallRecord(dataDir, record);
  if (v.json) printJson(out);
  else {
    printText(`${binary.action}: ${binary.path}`);
    printText(`engine ${pair.engine.action}: ${pair.engine.path}`);
    const c = out.conflist as { action: string; path: string; note?: string } | undefined;
    if (c) printText(`conflist ${c.action}: ${c.path}${c.note ? ` (${c.note})` : ''}`);
    for (const f of [...pair.engine.inUse, ...binary.inUse]) printText(`still in use, removed later: ${f}`);
  }
  return 0;
}

const CONSEQUENCE = {
  bin: 'whoever can add a file there runs code as SYSTEM when containerd starts the plugin',
  conf: 'whoever can write there chooses which plugin containerd runs as SYSTEM, and with what config',
};

type DirProblems = { problems: string[]; fix: string[] };

/**
 * The bin and conf dirs, judged before anything is written or created: an open one is refused (its problems and the
 * fix), or, allowed, reported after a warning on stderr. The safe ones are then created closed where missing.
 */
async function judgeDirs(
  dirs: { bin: string; conf?: string },
  allowUnsafe: boolean,
): Promise<Partial<Record<'bin' | 'conf', DirProblems>>> {
  const open: Partial<Record<'bin' | 'conf', DirProblems>> = {};
  for (const which of ['bin', 'conf'] as const) {
    const dir = dirs[which];
    if (dir === undefined) continue;
    const found = await adminWritableProblems(dir);
    if (found.problems.length === 0) continue;
    const detail = `the ${which} dir ${dir} is open to others: ${found.problems.join('; ')}`;
    if (!allowUnsafe) {
      throw new Error(
        `${detail} (${CONSEQUENCE[which]}). Close it (as an administrator):\n  ${found.fix.join('\n  ')}\nor install anyway with --allow-unsafe-dirs`,
      );
    }
    printError(`hns-cni install: warning: ${detail} (${CONSEQUENCE[which]}); installing anyway (--allow-unsafe-dirs)`);
    open[which] = found;
  }
  // The missing safe ones (judged by the path above them only) are created closed.
  for (const which of ['bin', 'conf'] as const) {
    const dir = dirs[which];
    if (dir !== undefined && open[which] === undefined && !fs.existsSync(dir)) await ensureAdminWritableDirectory(dir);
  }
  return open;
}

export async function uninstall(argv: string[]): Promise<number> {
  try {
    return await runUninstall(argv);
  } catch (e) {
    printError(`hns-cni uninstall: ${(e as Error).message}${e instanceof UsageError ? `\n${UNINSTALL_USAGE}` : ''}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

async function runUninstall(argv: string[]): Promise<number> {
  const v = options(argv, {
    'bin-dir': { type: 'string' },
    'conf-dir': { type: 'string' },
    force: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  const binDir = str(v['bin-dir']) ?? defaultBinDir();
  const force = v.force === true;
  const dataDir = defaultDataDir();
  const record = readInstallRecord(dataDir);
  const report = await teardownNode({
    hcn: await selectHcnClient({ timeoutMs: 30_000 }),
    iphlp: await selectIphlpClient({ timeoutMs: 30_000 }),
    dataDir,
    force,
  });
  if (report.problems.length > 0 && !force) {
    for (const p of report.problems) printError(`hns-cni uninstall: ${p}`);
    printError('hns-cni uninstall: nothing else removed (files kept): fix the above, or use --force');
    return 1;
  }
  const removed: string[] = [];
  const kept: string[] = [];
  const conf = record.conflist;
  if (conf !== undefined && fs.existsSync(conf.path)) {
    if (force || sha256Of(conf.path) === conf.sha256) {
      fs.rmSync(conf.path, { force: true });
      removed.push(conf.path);
    } else kept.push(`${conf.path} (changed since hns-cni wrote it; --force removes it)`);
  }
  const pair = uninstallPair(binDir, record, force);
  removed.push(...pair.removed);
  kept.push(...pair.kept);
  if (process.platform === 'win32') {
    for (const n of fs.existsSync(binDir) ? fs.readdirSync(binDir) : []) {
      if (!/^koffi-[0-9a-f]{16}\.node$/.test(n)) continue;
      try {
        fs.rmSync(path.join(binDir, n), { force: true });
      } catch {
        // Loaded by this very process when it runs from the bin dir: Windows refuses; Install-HnsCni.ps1 removes it.
        kept.push(`${path.join(binDir, n)} (in use)`);
      }
    }
  }
  const summary = {
    networks: report.networks,
    hostEndpoints: report.hostEndpoints,
    routes: report.routes,
    removed,
    kept,
  };
  if (v.json) printJson({ ...summary, dataDir });
  else {
    printText(
      [
        `networks removed: ${report.networks.join(', ') || 'none'}`,
        `host endpoints removed: ${report.hostEndpoints.join(', ') || 'none'}`,
        `routes removed: ${report.routes.length}`,
        `files removed: ${[...removed, dataDir].join(', ')}`,
        ...kept.map((k) => `left: ${k}`),
        ...report.problems.map((p) => `problem (forced past): ${p}`),
      ].join('\n'),
    );
  }
  // Last: the data directory, with the log inside it closed first (Windows cannot delete an open file).
  await closeLog();
  fs.rmSync(dataDir, { recursive: true, force: true });
  return 0;
}
