// Credentials for the Kubernetes API, wherever a node keeps them: a kubeconfig file (the first of the candidates
// that exists: an explicit path, $KUBECONFIG, the config's, C:\k\config), else the in-cluster service account (a
// HostProcess pod finds its token under $CONTAINER_SANDBOX_MOUNT_POINT). @kubernetes/client-node is loaded here
// only, and only when called: the CNI path pays for it only when it needs the API.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { invocationEnv } from '../cni/invocation.js';
import { log } from '../log/logger.js';
import { ensureTrustedFile, UnsafePathError } from '../store/private-dir.js';

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
export async function loadCredentials(
  candidates: (string | undefined)[],
  /** Filled with a sentence per existing candidate that was not trusted (for a command's own error). */
  skipped: string[] = [],
): Promise<ApiCredentials | undefined> {
  const file = await trustedCredentialsFile(candidates, skipped);
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

/**
 * The first existing candidate that only SYSTEM and Administrators can change (store/private-dir.ts
 * ensureTrustedFile): a kubeconfig can make the client library run a command (`users[].user.exec`), as SYSTEM here.
 * One that others could have written — `C:\k\config` created by a user on a node whose kubeconfig lives elsewhere —
 * is skipped, loudly.
 */
async function trustedCredentialsFile(
  candidates: (string | undefined)[],
  skipped: string[],
): Promise<string | undefined> {
  for (const file of candidates) {
    if (file === undefined || file === '' || !fs.existsSync(file)) continue;
    try {
      await ensureTrustedFile(file);
      return file;
    } catch (e) {
      // Fail closed: a file whose permissions cannot be read is not trusted either.
      const why = `kubeconfig ${file} not used: ${untrustedKubeconfigReason(e)}`;
      log.error(why, e instanceof UnsafePathError ? { problems: e.problems, fix: e.fix } : {});
      skipped.push(why);
    }
  }
  return undefined;
}

/** Why a kubeconfig is not loaded (ensureTrustedFile's refusal, or an ACL that cannot be read), with the fix. */
export function untrustedKubeconfigReason(e: unknown): string {
  const consequence = 'and it could make hns-cni run a command as SYSTEM (users[].user.exec)';
  if (!(e instanceof UnsafePathError))
    return `its permissions cannot be read (${(e as Error).message}), ${consequence}`;
  return (
    `users other than SYSTEM and Administrators can change it (${e.problems.join('; ')}), ${consequence}. ` +
    `Fix it as an administrator: ${e.fix[0]}`
  );
}

/** The first candidate kubeconfig that exists (no client library loaded: a cheap test for the CNI path). */
export function credentialsFile(candidates: (string | undefined)[]): string | undefined {
  return candidates.find((f): f is string => f !== undefined && f !== '' && fs.existsSync(f));
}
