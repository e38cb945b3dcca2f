// CNI_ARGS: `K=V;K2=V2` (spec §2, deprecated but still what containerd uses for the Kubernetes pod identity).
// Keys arrive in any order (containerd builds them from a map). Like libcni's types.LoadArgs, a key we do not know
// is an error unless the runtime set `IgnoreUnknown` to 1/true; containerd and CRI-O always set it.
import { setOwnProperty } from './own-property.js';

/** The keys hns-cni understands: the Kubernetes pod identity (containerd's toCNILabels) and the conventional IP. */
export const KNOWN_CNI_ARGS = [
  'IgnoreUnknown',
  'K8S_POD_NAMESPACE',
  'K8S_POD_NAME',
  'K8S_POD_INFRA_CONTAINER_ID',
  'K8S_POD_UID',
  'IP',
] as const;

export interface ParsedCniArgs {
  args: Record<string, string>;
  /** Problems worth a code-4 error; empty when CNI_ARGS is acceptable. */
  problems: string[];
}

/**
 * Splits CNI_ARGS into pairs. Values may contain any character but `;` (including `=` after the first one and
 * non-ASCII text: Node decodes the environment as UTF-8). Empty segments (`a=1;;b=2`, a trailing `;`) are skipped;
 * a segment without `=` or with an empty key is a problem. A repeated key keeps its last value, as in libcni.
 * Keys are matched case-sensitively, as libcni matches them against struct field names.
 */
export function parseCniArgs(raw: string, known: readonly string[] = KNOWN_CNI_ARGS): ParsedCniArgs {
  const args: Record<string, string> = {};
  const problems: string[] = [];
  const unknown: string[] = [];
  for (const segment of raw.split(';')) {
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    if (eq <= 0) {
      problems.push(`CNI_ARGS: invalid pair ${JSON.stringify(segment)} (expected KEY=VALUE)`);
      continue;
    }
    const key = segment.slice(0, eq);
    setOwnProperty(args, key, segment.slice(eq + 1));
    if (!known.includes(key)) unknown.push(key);
  }
  const ignoreUnknown = Object.hasOwn(args, 'IgnoreUnknown') ? args.IgnoreUnknown : undefined;
  let ignoring = false;
  if (ignoreUnknown !== undefined) {
    const flag = ignoreUnknown.toLowerCase();
    if (flag === '1' || flag === 'true') ignoring = true;
    else if (flag !== '0' && flag !== 'false') {
      problems.push(`CNI_ARGS: IgnoreUnknown must be 1, 0, true or false, got ${JSON.stringify(ignoreUnknown)}`);
    }
  }
  if (unknown.length > 0 && !ignoring) {
    problems.push(`CNI_ARGS: unknown keys ${JSON.stringify(unknown)} (set IgnoreUnknown=1 to accept them)`);
  }
  return { args, problems };
}
