// What ADD may want to know about the pod behind a sandbox, from the API server: spec.hostNetwork, the HostProcess
// flag, dnsPolicy and the declared ports. Looked up by K8S_POD_NAMESPACE/K8S_POD_NAME, bounded in time, and cached
// on disk per pod (namespace, name and UID: a pod recreated under the same name is another entry), so a repeated
// ADD or CHECK of the same pod does not ask again. Every failure is an answer of "unknown" for the caller to fall
// back from: a pod start never waits on a slow or absent API server beyond the bound.
import * as path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { readFileIfExists, writeFileAtomic } from '../store/atomic-file.js';
import { type ApiCredentials, importKubernetesClient } from './credentials.js';

export interface PodFacts {
  uid: string;
  hostNetwork: boolean;
  hostProcess: boolean;
  dnsPolicy: string;
  ports: { containerPort: number; hostPort?: number; protocol: string }[];
}

export interface PodRef {
  namespace: string;
  name: string;
  /** K8S_POD_UID when the runtime passes it. */
  uid?: string;
}

interface CacheFile {
  version: 1;
  entries: Record<string, { facts: PodFacts; at: number }>;
}

const CACHE_TTL_MS = 10 * 60_000;
const CACHE_MAX = 256;

export function podFactsOf(pod: V1Pod): PodFacts {
  const spec = pod.spec;
  const hostProcess =
    spec?.securityContext?.windowsOptions?.hostProcess === true ||
    (spec?.containers ?? []).some((c) => c.securityContext?.windowsOptions?.hostProcess === true);
  return {
    uid: pod.metadata?.uid ?? '',
    hostNetwork: spec?.hostNetwork === true,
    hostProcess,
    dnsPolicy: spec?.dnsPolicy ?? 'ClusterFirst',
    ports: (spec?.containers ?? []).flatMap((c) =>
      (c.ports ?? []).map((p) => ({
        containerPort: p.containerPort,
        ...(p.hostPort !== undefined && { hostPort: p.hostPort }),
        protocol: p.protocol ?? 'TCP',
      })),
    ),
  };
}

const keyOf = (ref: PodRef) => `${ref.namespace}/${ref.name}/${ref.uid ?? ''}`;

function readCache(file: string): CacheFile {
  try {
    const parsed = JSON.parse(readFileIfExists(file) ?? '') as CacheFile;
    if (parsed.version === 1 && typeof parsed.entries === 'object' && parsed.entries !== null) return parsed;
  } catch {
    // a missing or damaged cache is an empty one
  }
  return { version: 1, entries: {} };
}

export function podCacheFile(dataDir: string): string {
  return path.join(dataDir, 'pod-facts.json');
}

/** The cached facts of a pod, if fresh. */
export function cachedPodFacts(dataDir: string, ref: PodRef, now = Date.now()): PodFacts | undefined {
  const hit = readCache(podCacheFile(dataDir)).entries[keyOf(ref)];
  return hit !== undefined && now - hit.at < CACHE_TTL_MS ? hit.facts : undefined;
}

function remember(dataDir: string, ref: PodRef, facts: PodFacts, now: number): void {
  const cache = readCache(podCacheFile(dataDir));
  cache.entries[keyOf(ref)] = { facts, at: now };
  const keys = Object.keys(cache.entries).sort((a, b) => cache.entries[a]!.at - cache.entries[b]!.at);
  for (const k of keys.slice(0, Math.max(0, keys.length - CACHE_MAX))) delete cache.entries[k];
  for (const k of Object.keys(cache.entries)) if (now - cache.entries[k]!.at >= CACHE_TTL_MS) delete cache.entries[k];
  writeFileAtomic(podCacheFile(dataDir), JSON.stringify(cache));
}

/** GET the pod (within timeoutMs) and cache what ADD needs. Throws on any failure, timeout included. */
export async function fetchPodFacts(
  creds: ApiCredentials,
  ref: PodRef,
  opts: { timeoutMs: number; dataDir: string },
): Promise<PodFacts> {
  const k8s = await importKubernetesClient();
  const api = creds.kc.makeApiClient(k8s.CoreV1Api);
  let timer: NodeJS.Timeout | undefined;
  try {
    const pod = await Promise.race([
      api.readNamespacedPod({ name: ref.name, namespace: ref.namespace }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
      }),
    ]);
    const facts = podFactsOf(pod);
    if (ref.uid !== undefined && facts.uid !== '' && facts.uid !== ref.uid) {
      throw new Error(`pod ${ref.namespace}/${ref.name} is now ${facts.uid}, not the sandbox's ${ref.uid}`);
    }
    remember(opts.dataDir, ref, facts, Date.now());
    return facts;
  } finally {
    clearTimeout(timer);
  }
}
