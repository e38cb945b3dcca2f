// subnetFrom "node": the Node object's spec.podCIDRs (or podCIDR), read with @kubernetes/client-node through a
// kubeconfig and cached on disk, so ADD does not hit the API server for every pod.
//
// Staleness. The cache records the Node's uid and resourceVersion and when it was read. Within the TTL it is used
// as is; after the TTL it is re-read (one GET), and STATUS/GC pass `refresh` to re-read at once. A podCIDR is
// immutable for the life of a Node object, so the answer can only change when the Node is deleted and registered
// again (new uid); the re-read catches that, and the store then rebuilds its pools for the new subnet, so nothing
// is handed out from the old one afterwards. When the API server cannot be reached after the TTL, the cached
// answer is used (with a warning) rather than failing pod starts; with nothing cached the error is 11.
import * as fs from 'node:fs';
import { CNI_CODE, CniError } from '../../cni/errors.js';
import { untrustedKubeconfigReason } from '../../kube/credentials.js';
import { log } from '../../log/logger.js';
import { redactSecrets, registerSecret, registerSecretsIn } from '../../log/redact.js';
import { readFileIfExists, writeFileAtomic } from '../../store/atomic-file.js';
import { ensureTrustedFile, UnsafePathError } from '../../store/private-dir.js';
import { type Cidr, parseCidr } from '../cidr.js';
import type { NodeSubnets } from './types.js';

export interface NodeSourceOptions {
  kubeconfig: string;
  nodeName: string;
  cacheFile: string;
  ttlSeconds: number;
  /** Re-read the Node now whatever the cache's age (STATUS, GC). */
  refresh?: boolean;
  /** Give up on the API server after this long (default 5 s). */
  timeoutMs?: number;
  now?: () => number;
}

interface NodeCache {
  nodeName: string;
  uid: string;
  resourceVersion: string;
  podCIDRs: string[];
  fetchedAt: number;
}

// Node names are DNS-1123 subdomains; checked before the name is used in a file name.
const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export async function nodeSubnets(opts: NodeSourceOptions): Promise<NodeSubnets> {
  if (!NODE_NAME.test(opts.nodeName)) {
    throw new CniError(CNI_CODE.INVALID_CONFIG, `invalid node name ${JSON.stringify(opts.nodeName)}`);
  }
  const now = (opts.now ?? Date.now)();
  const cached = readCache(opts.cacheFile, opts.nodeName);
  if (cached && !opts.refresh && now - cached.fetchedAt < opts.ttlSeconds * 1000) return toSubnets(cached, opts);

  let fresh: NodeCache;
  try {
    fresh = await fetchNode(opts, now);
  } catch (e) {
    if (!(e instanceof Unreachable)) throw e;
    if (cached) {
      log.warn('ipam: API server unreachable; using the cached podCIDRs', { node: opts.nodeName, error: e.message });
      return toSubnets(cached, opts);
    }
    throw new CniError(
      e.codeWithoutCache,
      `cannot read node ${opts.nodeName} from the API server and no podCIDR is cached: ${e.message}`,
      'ipam.kubeconfig names the kubeconfig; ipam.nodeName the Node object',
    );
  }
  if (cached && (cached.uid !== fresh.uid || cached.podCIDRs.join() !== fresh.podCIDRs.join())) {
    log.info('ipam: node podCIDRs changed', { node: opts.nodeName, from: cached.podCIDRs, to: fresh.podCIDRs });
  }
  writeFileAtomic(opts.cacheFile, JSON.stringify(fresh));
  return toSubnets(fresh, opts);
}

/**
 * The Node could not be read (network, TLS, timeout, 5xx, or an unusable kubeconfig), as opposed to a definite
 * answer: the cache is used if there is one, else the error carries `codeWithoutCache`.
 */
class Unreachable extends Error {
  constructor(
    message: string,
    readonly codeWithoutCache: number = CNI_CODE.TRY_AGAIN_LATER,
  ) {
    super(message);
  }
}

async function fetchNode(opts: NodeSourceOptions, now: number): Promise<NodeCache> {
  // The Kubernetes client is large: it is loaded only when the cache cannot answer.
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  let api: InstanceType<typeof k8s.CoreV1Api>;
  try {
    if (!fs.existsSync(opts.kubeconfig)) throw new Error('file not found');
    await ensureTrustedFile(opts.kubeconfig);
    kc.loadFromFile(opts.kubeconfig);
    for (const user of kc.users) registerUserSecrets(user);
    api = kc.makeApiClient(k8s.CoreV1Api);
  } catch (e) {
    throw new Unreachable(`kubeconfig ${opts.kubeconfig}: ${describeKubeconfigError(e)}`, CNI_CODE.INVALID_CONFIG);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  try {
    const node = await Promise.race([
      api.readNode({ name: opts.nodeName }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Unreachable(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    const podCIDRs = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
    if (podCIDRs.length === 0) {
      // kube-controller-manager has not assigned one yet (or runs without --allocate-node-cidrs).
      throw new CniError(
        CNI_CODE.TRY_AGAIN_LATER,
        `node ${opts.nodeName} has no spec.podCIDR yet`,
        'kube-controller-manager assigns it when run with --allocate-node-cidrs; otherwise set ipam.subnet',
      );
    }
    return {
      nodeName: opts.nodeName,
      uid: node.metadata?.uid ?? '',
      resourceVersion: node.metadata?.resourceVersion ?? '',
      podCIDRs,
      fetchedAt: now,
    };
  } catch (e) {
    if (e instanceof CniError || e instanceof Unreachable) throw e;
    const code = (e as { code?: unknown }).code;
    if (code === 404) {
      throw new CniError(
        CNI_CODE.INVALID_CONFIG,
        `node ${opts.nodeName} does not exist in the cluster`,
        'set ipam.nodeName to the name this node is registered under',
      );
    }
    if (code === 401 || code === 403) {
      throw new CniError(
        CNI_CODE.INVALID_CONFIG,
        `the API server refused to let ${opts.kubeconfig} read node ${opts.nodeName} (HTTP ${code})`,
      );
    }
    // An HTTP error's text carries the response body and headers: its first line is enough to say what happened.
    throw new Unreachable(
      redactSecrets(
        String((e as Error).message)
          .split('\n')[0]!
          .slice(0, 300),
      ),
    );
  } finally {
    clearTimeout(timer);
  }
}

function readCache(file: string, nodeName: string): NodeCache | undefined {
  let text: string | undefined;
  try {
    text = readFileIfExists(file);
  } catch {
    return undefined;
  }
  if (text === undefined) return undefined;
  try {
    const c = JSON.parse(text) as NodeCache;
    const valid =
      c.nodeName === nodeName &&
      typeof c.fetchedAt === 'number' &&
      Array.isArray(c.podCIDRs) &&
      c.podCIDRs.every((p) => typeof p === 'string' && parseCidr(p) !== undefined);
    if (valid) return c;
  } catch {
    // fall through: an unreadable cache is as good as none
  }
  log.warn('ipam: ignoring an unreadable node cache', { file });
  return undefined;
}

function toSubnets(c: NodeCache, opts: NodeSourceOptions): NodeSubnets {
  const cidrs = c.podCIDRs.map((p) => parseCidr(p)).filter((x): x is Cidr => x !== undefined);
  const v4 = cidrs.find((x) => x.family === 4);
  const v6 = cidrs.find((x) => x.family === 6);
  if (!v4 || v4.prefix > 30) {
    throw new CniError(
      CNI_CODE.INVALID_CONFIG,
      `node ${opts.nodeName} has no usable IPv4 podCIDR (${c.podCIDRs.join(', ')})`,
      'the built-in IPAM needs an IPv4 subnet of /30 or larger',
    );
  }
  const result: NodeSubnets = { v4, origin: `node ${opts.nodeName} (resourceVersion ${c.resourceVersion})` };
  if (v6 && v6.prefix >= 64 && v6.prefix <= 126) result.v6 = v6;
  return result;
}

/**
 * A kubeconfig holds credentials, and the YAML parser's message quotes the lines around the error (a bearer token
 * on one of them ends up in a pod event). Only the parser's reason and the position are kept; anything else is
 * reduced to its first line, redacted.
 */
function describeKubeconfigError(e: unknown): string {
  if (e instanceof UnsafePathError) return `not used: ${untrustedKubeconfigReason(e)}`;
  const error = e as {
    name?: unknown;
    reason?: unknown;
    mark?: { line?: unknown; column?: unknown };
    message?: unknown;
  };
  if (error?.name === 'YAMLException') {
    const line = typeof error.mark?.line === 'number' ? error.mark.line + 1 : '?';
    const column = typeof error.mark?.column === 'number' ? error.mark.column + 1 : '?';
    return `not valid YAML: ${String(error.reason ?? 'syntax error')} at line ${line}, column ${column} (its lines are not quoted: they may hold credentials)`;
  }
  const first = String(error?.message ?? e)
    .split('\n')[0]!
    .slice(0, 300);
  return redactSecrets(first);
}

/** A kubeconfig user's credentials, remembered so no error or log line can repeat them (log/redact.ts). */
function registerUserSecrets(user: {
  token?: string;
  password?: string;
  keyData?: string;
  certData?: string;
  authProvider?: unknown;
  exec?: unknown;
}): void {
  for (const value of [user.token, user.password, user.keyData, user.certData]) registerSecret(value);
  for (const data of [user.keyData, user.certData]) {
    if (data !== undefined) registerSecret(Buffer.from(data, 'base64').toString('utf8').trim());
  }
  registerSecretsIn((user.authProvider as { config?: unknown } | undefined)?.config);
  const env = (user.exec as { env?: Array<{ value?: unknown }> } | undefined)?.env;
  if (Array.isArray(env)) for (const entry of env) registerSecret(entry?.value);
}
