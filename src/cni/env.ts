// The CNI environment (spec §2 "Parameters") read and validated per verb. Every missing or invalid variable is
// reported in ONE code-4 error, as skel does, so an operator fixes them all in one round.
import { parseCniArgs } from './args.js';
import { CNI_CODE, CniError } from './errors.js';
import type { CniVerb } from './types.js';

export const CNI_VERBS: readonly CniVerb[] = ['ADD', 'DEL', 'CHECK', 'GC', 'STATUS', 'VERSION'];

export interface CniEnvironment {
  verb: CniVerb;
  containerId: string;
  netns: string;
  ifName: string;
  args: Record<string, string>;
  path: string[];
}

/** libcni's rule for container ids and network names (pkg/utils: cniValidNameChars). */
export const CNI_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

type EnvVar = 'CNI_CONTAINERID' | 'CNI_NETNS' | 'CNI_IFNAME' | 'CNI_PATH';

/**
 * Required variables per verb: the spec's table, plus CNI_PATH for every verb but VERSION because skel insists on
 * it (libcni always sends it). CNI_NETNS is optional on DEL (containerd sends "" once the namespace is gone); GC and
 * STATUS get empty CONTAINERID/NETNS/IFNAME/ARGS from libcni, so nothing of the attachment is required or read.
 */
const REQUIRED: Record<CniVerb, readonly EnvVar[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  GC: ['CNI_PATH'],
  STATUS: ['CNI_PATH'],
  VERSION: [],
};

const ATTACHMENT_VERBS: ReadonlySet<CniVerb> = new Set(['ADD', 'DEL', 'CHECK']);

export function isCniVerb(value: string): value is CniVerb {
  return (CNI_VERBS as readonly string[]).includes(value);
}

/** CNI_PATH's separator is the platform's PATH separator: `;` on Windows, `:` elsewhere. */
export function splitCniPath(value: string, platform: NodeJS.Platform): string[] {
  return value.split(platform === 'win32' ? ';' : ':').filter((dir) => dir !== '');
}

/** libcni's ValidateContainerID rule (pkg/utils). */
export function containerIdProblem(id: string): string | undefined {
  return CNI_NAME_PATTERN.test(id) ? undefined : `CNI_CONTAINERID: invalid characters in ${JSON.stringify(id)}`;
}

/**
 * libcni's ValidateInterfaceName: 1–15 bytes (the length is counted in UTF-8 bytes, like Go's len and the kernel's
 * IFNAMSIZ), not `.` or `..`, no `/`, `:` or whitespace.
 */
export function ifNameProblem(name: string): string | undefined {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0) return 'CNI_IFNAME: interface name is empty';
  if (bytes > 15) return `CNI_IFNAME: interface name ${JSON.stringify(name)} is longer than 15 bytes`;
  if (name === '.' || name === '..') return `CNI_IFNAME: interface name must not be ${JSON.stringify(name)}`;
  if (/[/:\s]/u.test(name)) return `CNI_IFNAME: interface name ${JSON.stringify(name)} contains / or : or whitespace`;
  return undefined;
}

/**
 * Reads the environment for a non-empty CNI_COMMAND (main prints the "about" text for an empty one).
 * Throws one CniError 4 listing every problem: an unknown command alone, otherwise all missing variables
 * (skel's wording) followed by every invalid one.
 */
export function readEnvironment(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): CniEnvironment {
  const command = env.CNI_COMMAND ?? '';
  if (!isCniVerb(command)) {
    throw new CniError(CNI_CODE.INVALID_ENVIRONMENT, `unknown CNI_COMMAND: ${command}`);
  }
  const verb = command;
  const value = (name: EnvVar | 'CNI_ARGS') => env[name] ?? '';
  const missing = REQUIRED[verb].filter((name) => value(name) === '');
  const invalid: string[] = [];

  const forAttachment = ATTACHMENT_VERBS.has(verb);
  const containerId = forAttachment ? value('CNI_CONTAINERID') : '';
  const ifName = forAttachment ? value('CNI_IFNAME') : '';
  if (containerId !== '') invalid.push(...optional(containerIdProblem(containerId)));
  if (ifName !== '') invalid.push(...optional(ifNameProblem(ifName)));

  let args: Record<string, string> = {};
  if (forAttachment) {
    const parsed = parseCniArgs(value('CNI_ARGS'));
    args = parsed.args;
    invalid.push(...parsed.problems);
  }
  if (missing.length > 0 || invalid.length > 0) {
    const problems =
      missing.length > 0 ? [`required env variables [${missing.join(',')}] missing`, ...invalid] : invalid;
    throw new CniError(CNI_CODE.INVALID_ENVIRONMENT, problems.join('; '), JSON.stringify({ missing, invalid }));
  }
  return {
    verb,
    containerId,
    netns: forAttachment ? value('CNI_NETNS') : '',
    ifName,
    args,
    path: verb === 'VERSION' ? [] : splitCniPath(value('CNI_PATH'), platform),
  };
}

function optional(problem: string | undefined): string[] {
  return problem === undefined ? [] : [problem];
}
