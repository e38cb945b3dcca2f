// `hns-cni node ...`: the node agent and its views (src/node/), and the agent's CNI server (src/agent-link/).
// Never loaded by the CNI verbs.
//   node [--once] [--conf-dir DIR] [--kubeconfig FILE] [--node-name NAME] [--resync-seconds N]
//        [--no-serve-cni | --serve-only]
//   node status [--json] [--conf-dir DIR] [--bin-dir DIR]
//   node teardown [--force]        remove what hns-cni made on this node (routes, host endpoints, its networks)
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ENDPOINT_FILE, readEndpoint } from '../agent-link/endpoint-file.js';
import type { PluginHandlers } from '../cni/dispatch.js';
import { selectHcnClient } from '../hns/select.js';
import { selectIphlpClient } from '../iphlp/select.js';
import { NodeAgent } from '../node/agent.js';
import { defaultBinDir, defaultConfDir } from '../node/conf.js';
import { type NodeStatusReport, nodeStatus } from '../node/status.js';
import { teardownNode } from '../node/teardown.js';
import { defaultDataDir } from '../store/data-dir.js';
import { printError, printJson, printText } from './output.js';

const USAGE = `usage: hns-cni node [--once] [--conf-dir DIR] [--kubeconfig FILE] [--node-name NAME] [--resync-seconds N]
                    [--no-serve-cni | --serve-only]
       hns-cni node status [--json] [--conf-dir DIR] [--bin-dir DIR]   (also: is the CNI server serving)
       hns-cni node teardown [--force]
Prepares the configured networks (with the host endpoint on l2bridge and overlay, IP forwarding on the host
interfaces) and keeps the routes to the other nodes' pod subnets in line with the Kubernetes API; on overlay it
publishes the node's DR MAC (annotation hns-cni.dev/dr-mac). --once: prepare and sync once, then exit (0 = converged).
teardown also turns IP forwarding off again where hns-cni turned it on.
A long-running agent also serves the CNI verbs for the plugin (loopback TCP, authenticated by a secret in the data
directory; docs/agent-server.md): a pod start then runs only the plugin's small front, not its HNS and IPAM work's
initialisation. --no-serve-cni: do not.
--serve-only: only serve the CNI verbs (no network preparation, no Kubernetes API; nodes without credentials);
it ends on SIGTERM or when its endpoint file (<data dir>/agent-cni.json) is deleted.`;

const CALL_TIMEOUT_MS = 30_000;

function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>) {
  return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<
    string,
    string | boolean | undefined
  >;
}

export async function main(argv: string[]): Promise<number> {
  // The Kubernetes client (loaded by the agent, and by the IPAM's node source on its own) uses APIs Node deprecates:
  // their warnings would be the agent's only stderr output.
  (process as { noDeprecation?: boolean }).noDeprecation = true;
  const [first, ...rest] = argv;
  try {
    if (first === '--help' || first === '-h' || first === 'help') {
      printText(USAGE);
      return 0;
    }
    if (first === 'status') return await status(rest);
    if (first === 'teardown') return await teardown(rest);
    return await agent(argv);
  } catch (error) {
    const usage = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    printError(`hns-cni node: ${(error as Error).message}${usage ? `\n${USAGE}` : ''}`);
    return usage ? 2 : 1;
  }
}

async function doors() {
  return {
    hcn: await selectHcnClient({ timeoutMs: CALL_TIMEOUT_MS }),
    iphlp: await selectIphlpClient({ timeoutMs: CALL_TIMEOUT_MS }),
  };
}

async function agent(argv: string[]): Promise<number> {
  const v = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    allowNegative: true,
    options: {
      once: { type: 'boolean', default: false },
      'conf-dir': { type: 'string' },
      kubeconfig: { type: 'string' },
      'node-name': { type: 'string' },
      'resync-seconds': { type: 'string' },
      'backoff-max-seconds': { type: 'string' },
      'serve-cni': { type: 'boolean', default: true },
      'serve-only': { type: 'boolean', default: false },
    },
  }).values as Record<string, string | boolean | undefined>;
  const resync = Number(v['resync-seconds'] ?? 60);
  const backoffMax = Number(v['backoff-max-seconds'] ?? 30);
  if (!(resync > 0) || !(backoffMax > 0)) throw Object.assign(new Error('bad number'), { code: 'ERR_PARSE_ARGS_BAD' });
  const nodeName = (v['node-name'] as string | undefined) ?? process.env.NODE_NAME;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const onSignal = () => stop();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const serveCni = v['serve-cni'] !== false && v.once !== true;
  if (v['serve-only'] === true && !serveCni) {
    throw Object.assign(new Error('--serve-only serves the CNI verbs: not with --no-serve-cni or --once'), {
      code: 'ERR_PARSE_ARGS_CONFLICT',
    });
  }
  // --serve-only ends when its endpoint file is withdrawn (deleted, or replaced by another agent's) as on SIGTERM.
  const server = serveCni ? await startCniServer(v['serve-only'] === true ? onSignal : undefined) : undefined;
  try {
    if (v['serve-only'] === true) {
      await stopped;
      return 0;
    }
    return await runAgent(v, nodeName, resync, backoffMax, stopped);
  } finally {
    await server?.stop();
  }
}

async function startCniServer(onWithdrawn?: () => void) {
  const { CniServer } = await import('../agent-link/server.js');
  const server = new CniServer({
    ...(onWithdrawn !== undefined && { onWithdrawn }),
    dataDir: defaultDataDir(),
    loadHandlers: async () => (await import('../plugin/index.js')).handlers as PluginHandlers<unknown>,
  });
  await server.start();
  return server;
}

async function runAgent(
  v: Record<string, string | boolean | undefined>,
  nodeName: string | undefined,
  resync: number,
  backoffMax: number,
  stopped: Promise<void>,
): Promise<number> {
  const a = new NodeAgent({
    ...(await doors()),
    confDir: (v['conf-dir'] as string | undefined) ?? defaultConfDir(),
    dataDir: defaultDataDir(),
    once: v.once === true,
    ...(typeof v.kubeconfig === 'string' && { kubeconfig: v.kubeconfig }),
    ...(nodeName !== undefined && { nodeName }),
    resyncMs: resync * 1000,
    backoffMs: { initial: Math.min(1_000, backoffMax * 1000), max: backoffMax * 1000 },
    stopped,
  });
  if (v.once === true) {
    const problems = await a.runOnce();
    for (const p of problems) printError(`hns-cni node: ${p}`);
    return problems.length === 0 ? 0 : 1;
  }
  await a.run();
  return 0;
}

function describe(r: NodeStatusReport): string {
  const lines: string[] = [];
  const a = r.agent;
  if (a !== undefined) {
    lines.push(`agent: ${a.phase} (node ${a.node}, pid ${a.pid}, updated ${a.ageSeconds} s ago)`);
    lines.push(
      `  prepare: ${a.prepare.ok ? 'ok' : `not done${a.prepare.error ? `: ${a.prepare.error}` : ''}`}` +
        (a.confFile ? ` (${a.confFile})` : ''),
    );
    lines.push(
      `  API: ${a.api.state}${a.api.source ? ` via ${a.api.source}` : ''}, ${a.api.nodes} node(s)` +
        (a.api.lastSync ? `, last sync ${a.api.lastSync}` : '') +
        (a.api.state === 'disconnected' && a.api.lastError ? `, retry ${a.api.retries}: ${a.api.lastError}` : ''),
    );
    lines.push(`  routes: ${a.routes.mechanism}${a.routes.reason ? ` (${a.routes.reason})` : ''}`);
    for (const f of a.routes.foreign) lines.push(`    foreign: ${f.destinationPrefix} (node ${f.node}) left alone`);
    for (const u of a.routes.unroutable) lines.push(`    unroutable: node ${u.node}: ${u.reason}`);
    if (a.routes.lastError) lines.push(`    last error: ${a.routes.lastError}`);
    if (a.drMac) {
      const d = a.drMac;
      lines.push(
        `  DR MAC: ${d.state}${d.mac ? ` ${d.mac}` : ''}${d.reason ? ` (${d.reason})` : ''}` +
          (d.lastError ? `, retry ${d.retries}: ${d.lastError}` : ''),
      );
    }
  } else {
    lines.push('agent: has not run on this node');
  }
  lines.push(`networks (${r.networks.length}):`);
  for (const n of r.networks) lines.push(`  ${n.name}  ${n.type}  ${n.id}  ${n.podEndpoints} pod endpoint(s)`);
  lines.push(`host endpoints (${r.hostEndpoints.length}):`);
  for (const e of r.hostEndpoints) lines.push(`  ${e.name}  ${e.address ?? '-'}  on ${e.network}`);
  if (r.forwarding.length > 0) lines.push(`IP forwarding turned on by hns-cni (${r.forwarding.length}):`);
  for (const f of r.forwarding) {
    lines.push(
      `  ${f.address} (if ${f.interfaceIndex ?? '-'})  ${f.enabled ? 'enabled' : f.present ? 'OFF' : 'interface gone'}`,
    );
  }
  lines.push(`routes (${r.routes.length}):`);
  for (const x of r.routes) {
    lines.push(`  ${x.destinationPrefix} via ${x.nextHop} (node ${x.node})  ${x.present ? 'in place' : 'MISSING'}`);
  }
  if (r.remoteSubnets.length > 0) lines.push(`remote subnet routes (${r.remoteSubnets.length}):`);
  for (const s of r.remoteSubnets) {
    lines.push(
      `  ${s.destinationPrefix} → ${s.providerAddress} (node ${s.node})  ${s.present ? 'in place' : 'MISSING'}`,
    );
  }
  lines.push(
    `files: ${[r.files.binary, r.files.confFile, r.files.stateDir].filter((f) => f !== undefined).join(', ') || 'none'}`,
  );
  if (r.binDirProblems !== undefined) {
    const problems = r.binDirProblems;
    lines.push(
      problems.length === 0
        ? 'bin dir: closed to other users'
        : `bin dir: OPEN to other users (they could run code as SYSTEM through it): ${problems.join('; ')}`,
    );
  }
  lines.push(r.clean ? 'nothing of hns-cni is left on this node' : '');
  return lines.join('\n').trimEnd();
}

async function status(argv: string[]): Promise<number> {
  const v = parse(argv, {
    json: { type: 'boolean', default: false },
    'conf-dir': { type: 'string' },
    'bin-dir': { type: 'string' },
  });
  const report = await nodeStatus({
    ...(await doors()),
    dataDir: defaultDataDir(),
    confDir: (v['conf-dir'] as string | undefined) ?? defaultConfDir(),
    binDir: (v['bin-dir'] as string | undefined) ?? defaultBinDir(),
  });
  const cniServer = cniServerStatus(defaultDataDir());
  if (v.json) printJson({ ...report, cniServer });
  else {
    printText(describe(report));
    printText(
      cniServer.serving
        ? `CNI server: serving on 127.0.0.1:${cniServer.port} (pid ${cniServer.pid})`
        : `CNI server: not serving (${cniServer.reason}); verbs run in the plugin process`,
    );
  }
  return 0;
}

/** Whether the agent's CNI server answers the plugin's verbs: its endpoint file, and its process alive. */
function cniServerStatus(
  dataDir: string,
): { serving: true; port: number; pid: number } | { serving: false; reason: string } {
  const endpoint = readEndpoint(dataDir);
  if (typeof endpoint === 'string') return { serving: false, reason: endpoint };
  try {
    process.kill(endpoint.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') {
      return { serving: false, reason: `its process ${endpoint.pid} is gone (stale ${ENDPOINT_FILE})` };
    }
  }
  return { serving: true, port: endpoint.port, pid: endpoint.pid };
}

async function teardown(argv: string[]): Promise<number> {
  const v = parse(argv, { force: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } });
  const report = await teardownNode({ ...(await doors()), dataDir: defaultDataDir(), force: v.force === true });
  if (v.json) printJson(report);
  else {
    printText(
      [
        `routes removed: ${report.routes.length}`,
        `remote subnet routes removed: ${report.remoteSubnets.length}`,
        `host endpoints removed: ${report.hostEndpoints.join(', ') || 'none'}`,
        `IP forwarding turned off again: ${report.forwarding.join(', ') || 'none'}`,
        `networks removed: ${report.networks.join(', ') || 'none'}`,
      ].join('\n'),
    );
  }
  for (const p of report.problems) printError(`hns-cni node teardown: ${p}`);
  return report.problems.length === 0 ? 0 : 1;
}
