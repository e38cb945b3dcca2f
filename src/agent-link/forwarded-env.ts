// Which of the front's environment travels to the agent, and how.
// - Per request (the verb sees the front's values, whatever the agent's are): the runtime's CNI_* variables, and
//   what the verb path reads about Kubernetes credentials (kube/credentials.ts: in-cluster service account only when
//   KUBERNETES_SERVICE_HOST is set, its token under CONTAINER_SANDBOX_MOUNT_POINT). The agent runs in a HostProcess
//   pod that has them; containerd's plugin process does not, and must behave as it would in-process.
// - Compared (the agent serves the request only when every one equals its own; otherwise the front runs the verb
//   itself): what chooses the backend, the state and log locations, the simulator, library paths (every HNS_CNI_*
//   variable, present on either side, so a new knob is covered without a change here), where ProgramData is (the
//   Windows defaults of the data dir and log), and TMPDIR (the POSIX defaults; Windows defaults never use the temp
//   directory, so TMP/TEMP, which differ between containerd's SYSTEM and a pod, are not compared).
const PER_REQUEST = ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'CONTAINER_SANDBOX_MOUNT_POINT'] as const;
const COMPARED = ['ProgramData', 'TMPDIR'] as const;

export function isPerRequest(name: string): boolean {
  return name.startsWith('CNI_') || (PER_REQUEST as readonly string[]).includes(name);
}

function isCompared(name: string): boolean {
  return name.startsWith('HNS_CNI_') || (COMPARED as readonly string[]).includes(name);
}

/** The request's own variables (CNI_* and the per-request ones), sent as they are. */
export function cniVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (isPerRequest(k) && v !== undefined) out[k] = v;
  return out;
}

/** The behaviour-changing variables, for the agent to compare with its own. */
export function comparedVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (isCompared(k) && v !== undefined) out[k] = v;
  return out;
}

/** The first variable whose value differs between the front's and the agent's environment, if any. */
export function environmentMismatch(
  front: Record<string, string>,
  agent: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const mine = comparedVariables(agent);
  // Windows variable names are case-insensitive (ProgramData may arrive as PROGRAMDATA).
  const key = (k: string) => (platform === 'win32' ? k.toUpperCase() : k);
  const a = new Map(Object.entries(front).map(([k, v]) => [key(k), v]));
  const b = new Map(Object.entries(mine).map(([k, v]) => [key(k), v]));
  for (const k of new Set([...a.keys(), ...b.keys()])) if (a.get(k) !== b.get(k)) return k;
  return undefined;
}
