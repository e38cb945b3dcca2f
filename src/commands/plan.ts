// `hns-cni plan`: with the same CNI_* environment and stdin as an ADD, prints the HCN calls and the exact JSON
// documents that ADD would send, without writing anything to HNS or the IPAM (read-only lookups only: the network
// by name, an address the attachment already holds). Operators use it to debug a config on a live node.
import { readEnvironment } from '../cni/env.js';
import { parseEnvelope } from '../cni/envelope.js';
import { isCniError } from '../cni/errors.js';
import { invokedPath } from '../cni/front-origin.js';
import { readStdin } from '../cni/io.js';
import type { CniRequest } from '../cni/types.js';
import { loadNetConf } from '../config/load.js';
import { isGuid, normalizeGuid } from '../hns/guid.js';
import type { DelegatedIpamConfig } from '../ipam/config.js';
import { planAdd } from '../plan/add.js';
import { describePlan } from '../plan/describe.js';
import type { PodAddress } from '../plan/types.js';
import { openContext, type VerbContext } from '../plugin/context.js';
import { readHnsView } from '../plugin/networks.js';
import { printError, printJson, printText } from './output.js';
import { delegatedPreview } from './plan-delegated.js';

const USAGE =
  'usage: CNI_CONTAINERID=... CNI_NETNS=... CNI_IFNAME=... CNI_PATH=... hns-cni plan [--json] < config.json';

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    printText(USAGE);
    return 0;
  }
  let ctx: VerbContext | undefined;
  try {
    const env = readEnvironment({ ...process.env, CNI_COMMAND: 'ADD' }, process.platform);
    const rawConfig = readStdin();
    const { config, cniVersion } = parseEnvelope(rawConfig);
    const req: CniRequest = { ...env, cniVersion, config, rawConfig };
    const conf = loadNetConf(config, { invokedAs: invokedPath() });
    ctx = await openContext(req, conf);
    const { allocation, source } = await previewAddress(ctx);
    const netns = isGuid(req.netns) ? normalizeGuid(req.netns) : req.netns;
    const plan = planAdd({
      config: conf,
      request: { containerId: req.containerId, netns, ifName: req.ifName, podNamespace: req.args.K8S_POD_NAMESPACE },
      allocation,
      hns: await readHnsView(ctx),
    });
    const configNotes = conf.notes
      .filter((n) => n.level !== 'debug')
      .map((n) => (n.path ? `${n.path}: ${n.text}` : n.text));
    if (argv.includes('--json')) {
      printJson({ addressSource: source, family: conf.family, configNotes, ...plan });
    } else {
      const header = [`# pod address: ${source}`, `# config read with ${conf.family}'s rules`];
      printText([...header, ...configNotes.map((n) => `config: ${n}`), ...describePlan(plan)].join('\n'));
    }
    return 0;
  } catch (error) {
    printError(
      `hns-cni plan: ${isCniError(error) ? `${error.message} (CNI code ${error.code})` : (error as Error).message}`,
    );
    return 1;
  } finally {
    await ctx?.hcn.settled(); // the handles the preview opened are closed before the process ends
  }
}

/** The address ADD would use, found without allocating: the one already held, else a labelled preview. */
async function previewAddress(ctx: VerbContext): Promise<{ allocation?: PodAddress; source: string }> {
  const { addressing } = ctx;
  if (addressing.kind === 'hns') return { source: 'assigned by HNS when the endpoint is created' };
  if (addressing.kind === 'delegated') {
    const ipam = ctx.conf.ipam as DelegatedIpamConfig;
    const preview = delegatedPreview(ipam);
    if (preview === undefined) {
      return { source: 'from the delegated IPAM plugin (not run by plan); the documents show no address' };
    }
    return {
      allocation: preview,
      source: `from ${ipam.type} (not run by plan; shown as the first address it would hand out, ${preview.address})`,
    };
  }
  const held = await addressing.held();
  if (held !== undefined) {
    const all = [held.address, ...(held.ipv6 ? [held.ipv6.address] : [])].join(' and ');
    return { allocation: held, source: `${all}, already held by this attachment` };
  }
  const ipam = await addressing.builtin!();
  // The range's first address that is not blocked (the gateway .1 and the l2bridge host endpoint .2 never are pods').
  const previews = ipam.pools.map((pool) =>
    pool.firstAssignable === undefined
      ? undefined
      : { address: `${pool.firstAssignable}/${pool.subnet.split('/')[1]}`, gateway: pool.gateway },
  );
  const [v4, v6] = previews;
  if (v4 === undefined) return { source: `none: ${ipam.pools[0]!.subnet} has no address a pod may hold` };
  return {
    allocation: { ...v4, ...(v6 !== undefined && { ipv6: v6 }) },
    source: `the next free address of ${ipam.pools.map((p) => p.subnet).join(' and ')} (shown as ${[v4, v6]
      .filter((x) => x !== undefined)
      .map((x) => x.address.split('/')[0])
      .join(' and ')}; the real ADD picks round-robin)`,
  };
}
