// The I/O half of the host-network rules (plan/host-network.ts is the pure half), run by ADD before planning:
//   - is the pod host-network? The annotation says so, or (detect "api", the default when the node has a kubeconfig)
//     the API server's spec.hostNetwork for K8S_POD_NAMESPACE/K8S_POD_NAME. One bound covers the whole lookup
//     (credentials, loading the client, the GET); a pod already asked about answers from the on-disk cache. A
//     timeout or any failure is logged and ADD goes on with the annotation alone: a pod never fails to start
//     because the API server is slow.
//   - which of its host ports does a process of the node hold now? IP Helper's TCP listener and UDP tables. A
//     failure to read them is logged and only the reserved-port rule applies.
// Everything here is loaded on demand: an ordinary pod's ADD pays for none of it (plugin-budget.test.ts).
import type { NetConf } from '../config/types.js';
import { defaultKubeconfig, isDelegatedIpam } from '../ipam/config.js';
import { log } from '../log/logger.js';
import { isHostNetworkPod } from '../plan/host-network.js';
import { readPortMappings } from '../plan/ports.js';
import type { HostNetworkFacts } from '../plan/types.js';
import type { VerbContext } from './context.js';

function kubeconfigCandidates(conf: NetConf): string[] {
  const ipam = conf.ipam;
  const fromIpam =
    ipam !== undefined && !isDelegatedIpam(ipam) && typeof ipam.kubeconfig === 'string' ? ipam.kubeconfig : undefined;
  return [conf.hostNetwork.kubeconfig, fromIpam, defaultKubeconfig()].filter((f): f is string => f !== undefined);
}

/** spec.hostNetwork from the API (cache first), or undefined when it cannot be known within the bound. */
async function askApi(ctx: VerbContext): Promise<boolean | undefined> {
  const { conf, req } = ctx;
  const settings = conf.hostNetwork;
  if (settings.detect === 'annotation') return undefined;
  const namespace = req.args.K8S_POD_NAMESPACE;
  const name = req.args.K8S_POD_NAME;
  if (!namespace || !name) return undefined;
  const { credentialsFile } = await import('../kube/credentials.js');
  const candidates = kubeconfigCandidates(conf);
  if (credentialsFile(candidates) === undefined) {
    if (settings.detect === 'api') log.warn('hostNetwork.detect is "api" but no kubeconfig exists', { candidates });
    return undefined;
  }
  const ref = { namespace, name, ...(req.args.K8S_POD_UID ? { uid: req.args.K8S_POD_UID } : {}) };
  const { cachedPodFacts, fetchPodFacts } = await import('../kube/pod-facts.js');
  const cached = cachedPodFacts(ctx.dataDir, ref);
  if (cached !== undefined) return cached.hostNetwork;
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const lookup = (async () => {
      const { loadCredentials } = await import('../kube/credentials.js');
      const creds = await loadCredentials(candidates);
      if (creds === undefined) return undefined;
      return (await fetchPodFacts(creds, ref, { timeoutMs: settings.apiTimeoutMs, dataDir: ctx.dataDir })).hostNetwork;
    })();
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${settings.apiTimeoutMs} ms`)),
        settings.apiTimeoutMs,
      );
    });
    const answer = await Promise.race([lookup, bound]);
    log.info('host-network: pod looked up', {
      pod: `${namespace}/${name}`,
      hostNetwork: answer,
      lookupMs: Math.round(performance.now() - started),
    });
    return answer;
  } catch (error) {
    log.warn('host-network: API lookup failed; using the annotation alone', {
      pod: `${namespace}/${name}`,
      error: (error as Error).message,
    });
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

async function portsInUse(conf: NetConf): Promise<HostNetworkFacts['portsInUse']> {
  try {
    const { selectIphlpClient } = await import('../iphlp/select.js');
    const iphlp = await selectIphlpClient({ timeoutMs: conf.timeouts.hnsCallMs });
    return await iphlp.listPortOwners();
  } catch (error) {
    log.warn("host-network: cannot read the node's sockets; only the reserved ports are checked", {
      error: (error as Error).message,
    });
    return undefined;
  }
}

/** The facts planAdd needs about a (possibly) host-network pod; undefined for a pod that is plainly not one. */
export async function hostNetworkFacts(ctx: VerbContext): Promise<HostNetworkFacts | undefined> {
  const { conf } = ctx;
  const annotated = isHostNetworkPod(conf.runtimeConfig);
  const apiSaysHostNetwork = annotated ? undefined : await askApi(ctx);
  if (!annotated && apiSaysHostNetwork !== true)
    return apiSaysHostNetwork === false ? { apiSaysHostNetwork } : undefined;
  const facts: HostNetworkFacts = apiSaysHostNetwork === undefined ? {} : { apiSaysHostNetwork };
  const wantsPorts = conf.hostNetwork.mode === 'emulate' && conf.hostNetwork.checkPortsInUse;
  if (wantsPorts && readPortMappings(conf.runtimeConfig.portMappings).length > 0) {
    const inUse = await portsInUse(conf);
    if (inUse !== undefined) facts.portsInUse = inUse;
  }
  return facts;
}
