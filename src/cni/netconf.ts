// The standard CNI network-configuration fields (spec 1.1.0 §"Section 1: Network configuration format" and §3's
// injected keys) as a zod shape, and the one function that turns schema failures into CNI error 7. The plugin's own
// NetConf schema (src/config/) spreads `baseNetConfShape` into a strict object and adds its fields.
import { z } from 'zod';
import { CNI_NAME_PATTERN } from './env.js';
import { CNI_CODE, CniError } from './errors.js';
import { MAX_NAME_LENGTH } from './text-rules.js';

// Kept light for the CNI path (env.ts needs the pattern without loading zod); re-exported for schema authors.
export { CNI_NAME_PATTERN };

const stringList = z.array(z.string());

/** A string field checked by one of text-rules.ts's rules (the rule's reason becomes the issue's message). */
export function ruleField(problem: (text: string) => string | undefined) {
  return z.string().superRefine((text, ctx) => {
    const reason = problem(text);
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason });
  });
}

/** The well-known `dns` key (spec §1). Strict: a typo here would silently drop a resolver setting. */
export const dnsConfigSchema = z.strictObject({
  nameservers: stringList.optional(),
  domain: z.string().optional(),
  search: stringList.optional(),
  options: stringList.optional(),
});

/** One entry of `cni.dev/valid-attachments` (GC, spec 1.1.0) and libcni's legacy `cni.dev/attachments`. */
export const attachmentSchema = z.looseObject({
  containerID: z.string(),
  ifname: z.string(),
});

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** hns-cni's own `log` section: the log file and level for this network (env HNS_CNI_LOG / _LEVEL override). */
export const logConfigSchema = z.strictObject({
  file: z.string().min(1).optional(),
  level: z.enum(LOG_LEVELS).optional(),
});

const jsonObject = z.record(z.string(), z.unknown());

export const baseNetConfShape = {
  cniVersion: z.string().min(1),
  /** Only meaningful in the file on disk; the runtime negotiates and sends `cniVersion`. */
  cniVersions: stringList.optional(),
  name: z
    .string()
    .regex(CNI_NAME_PATTERN, 'network name must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$')
    .max(MAX_NAME_LENGTH, `network name must be at most ${MAX_NAME_LENGTH} characters`),
  type: z.string().min(1),
  /** Removed by the runtime before it calls us, but kept legal so a config file validates as is. */
  capabilities: z.record(z.string(), z.boolean()).optional(),
  /** Capability arguments; keys may arrive in any case (read through runtime-config.ts). */
  runtimeConfig: jsonObject.optional(),
  prevResult: jsonObject.optional(),
  args: jsonObject.optional(),
  dns: dnsConfigSchema.optional(),
  /** Passed whole to the IPAM plugin, which owns its schema. */
  ipam: z.looseObject({ type: z.string().min(1) }).optional(),
  'cni.dev/valid-attachments': z.array(attachmentSchema).optional(),
  'cni.dev/attachments': z.array(attachmentSchema).optional(),
  log: logConfigSchema.optional(),
} as const;

/** The base shape alone, rejecting unknown keys: what a plugin with no fields of its own would accept. */
export const baseNetConfSchema = z.strictObject(baseNetConfShape);
export type BaseNetConf = z.output<typeof baseNetConfSchema>;

export interface ConfigIssue {
  path: string;
  reason: string;
}

/** `["ipam", "ranges", 0, "subnet"]` → `ipam.ranges[0].subnet`; keys that are not identifiers are bracket-quoted. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** Flattens zod issues into one line per problem; an unknown-keys issue becomes one line per key. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatJsonPath([...issue.path, key]), reason: 'unknown field' });
    } else {
      out.push({ path: formatJsonPath(issue.path), reason: issue.message });
    }
  }
  return out;
}

/**
 * Validates `value` against `schema`. On failure throws CniError 7 whose msg lists every issue as `<path>: <reason>`
 * (so the runtime's event shows all of them at once) and whose details holds the same list as JSON.
 */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = describeIssues(parsed.error.issues);
  const listed = issues.map((i) => `${i.path}: ${i.reason}`).join('; ');
  throw new CniError(CNI_CODE.INVALID_CONFIG, `invalid network configuration: ${listed}`, JSON.stringify(issues));
}

/**
 * `prevResult` as CHECK reads it (spec: a Result of the config's version). Only the members CHECK compares are
 * checked, loosely: extra members pass, as they do in libcni. A malformed one is a code-7 issue under `prevResult`.
 */
const prevResultSchema = z.looseObject({
  cniVersion: z.string().optional(),
  interfaces: z
    .array(z.looseObject({ name: z.string(), mac: z.string().optional(), sandbox: z.string().optional() }))
    .optional(),
  ips: z
    .array(
      z.looseObject({
        address: z
          .string()
          .regex(/^[0-9a-fA-F.:]+\/\d{1,3}$/, 'must be an address with its prefix length, e.g. "10.244.3.7/24"'),
        gateway: z.string().optional(),
        interface: z.number().int().min(0).optional(),
      }),
    )
    .optional(),
  routes: z.array(z.looseObject({ dst: z.string(), gw: z.string().optional() })).optional(),
  dns: z.looseObject({}).optional(),
});

export type PrevResult = z.output<typeof prevResultSchema>;

export function parsePrevResult(value: unknown): PrevResult {
  const parsed = prevResultSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = describeIssues(parsed.error.issues).map((i) => ({
    path: i.path === '(root)' ? 'prevResult' : /^\[/.test(i.path) ? `prevResult${i.path}` : `prevResult.${i.path}`,
    reason: i.reason,
  }));
  const listed = issues.map((i) => `${i.path}: ${i.reason}`).join('; ');
  throw new CniError(CNI_CODE.INVALID_CONFIG, `invalid prevResult: ${listed}`, JSON.stringify(issues));
}
