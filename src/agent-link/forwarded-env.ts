// Which of the front's environment travels to the agent. The runtime's CNI_* variables are the request itself. The
// variables below change what a verb does (backend, state and log locations, the simulator, library paths, the
// Kubernetes facts the IPAM's node source reads, where temp and ProgramData are): the front sends their values and
// the agent serves the request only when every one equals its own; otherwise the front runs the verb itself.
// Every HNS_CNI_* variable counts, present or not, so a new knob is covered without a change here.
const COMPARED = [
  'ProgramData',
  'TMP',
  'TEMP',
  'TMPDIR',
  'NODE_NAME',
  'KUBECONFIG',
  'KUBERNETES_SERVICE_HOST',
  'KUBERNETES_SERVICE_PORT',
] as const;

function isCompared(name: string): boolean {
  return name.startsWith('HNS_CNI_') || (COMPARED as readonly string[]).includes(name);
}

/** The request's own variables (CNI_*), sent as they are. */
export function cniVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('CNI_') && v !== undefined) out[k] = v;
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
