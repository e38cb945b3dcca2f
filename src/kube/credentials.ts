// Credentials for the Kubernetes API, wherever a node keeps them: a kubeconfig file (the first of the candidates
// that exists: an explicit path, $KUBECONFIG, the config's, C:\k\config), else the in-cluster service account (a
// HostProcess pod finds its token under $CONTAINER_SANDBOX_MOUNT_POINT). @kubernetes/client-node is loaded here
// only, and only when called: the CNI path pays for it only when it needs the API.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { invocationEnv } from '../cni/invocation.js';

/**
 * The client library still uses Node APIs that Node 24 deprecates (punycode, url.parse): their one-time warnings
 * would land on the stderr of a CNI call or an operator command. Nothing of ours relies on deprecation warnings.
 */
export async function importKubernetesClient(): Promise<typeof import('@kubernetes/client-node')> {
  (process as { noDeprecation?: boolean }).noDeprecation = true;
  return import('@kubernetes/client-node');
}

export interface ApiCredentials {
  kc: KubeConfig;
  /** Where they came from, for status and logs (never the credentials themselves). */
  source: string;
}

/**
 * A kubeconfig file (explicit, $KUBECONFIG, or the config's ipam.kubeconfig), else the in-cluster service account
 * (a HostProcess pod finds its token under $CONTAINER_SANDBOX_MOUNT_POINT). Undefined when there is none.
 */
export async function loadCredentials(candidates: (string | undefined)[]): Promise<ApiCredentials | undefined> {
  const file = credentialsFile(candidates);
  if (file !== undefined) {
    const k8s = await importKubernetesClient();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(file);
    return { kc, source: file };
  }
  // The invocation's environment: in the agent's CNI server, the plugin process's (agent-link/forwarded-env.ts).
  const env = invocationEnv();
  if (env.KUBERNETES_SERVICE_HOST) {
    const k8s = await importKubernetesClient();
    const kc = new k8s.KubeConfig();
    const prefix = env.CONTAINER_SANDBOX_MOUNT_POINT;
    kc.loadFromCluster(prefix ? path.resolve(prefix) : undefined);
    return { kc, source: 'in-cluster service account' };
  }
  return undefined;
}

/** The first candidate kubeconfig that exists (no client library loaded: a cheap test for the CNI path). */
export function credentialsFile(candidates: (string | undefined)[]): string | undefined {
  return candidates.find((f): f is string => f !== undefined && f !== '' && fs.existsSync(f));
}
