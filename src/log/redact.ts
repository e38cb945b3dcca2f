// No secret leaves the process: not in the CNI error (which kubelet turns into a pod event anyone with `get events`
// reads), not in the log. Two layers, applied where text leaves (cni/error-reply.ts for stdout, logger.ts for the
// file):
//   1. values known to be secret, registered when they are read (a kubeconfig's token, password, keys; config
//      values under secret-looking keys): every occurrence is replaced, whatever surrounds it;
//   2. shapes that are secret wherever they come from (a kubeconfig quoted in a YAML error, an HTTP error echoing a
//      header, a delegate's stderr): `token: ...`-style pairs, Authorization schemes, PEM private keys, JWTs, and
//      passwords in URLs.
// Small and dependency-free: the error reply path loads it on every failure.
import { setOwnProperty } from '../cni/own-property.js';

const REDACTED = '[REDACTED]';
const MIN_SECRET_LENGTH = 4;
const known = new Set<string>();

/** Keys whose values are secret, in kubeconfigs, CNI configs and HTTP headers (any case, `-` or `_` separated). */
export const SECRET_KEY =
  /^(?:token|id[-_]?token|refresh[-_]?token|access[-_]?token|password|passwd|secret|client[-_]?secret|client[-_]?key[-_]?data|client[-_]?certificate[-_]?data|api[-_]?key|authorization|proxy[-_]?authorization|private[-_]?key)$/i;

const KEY_ALTERNATIVES = SECRET_KEY.source.slice(4, -2); // the (?:...) group's alternatives

// `key: value`, `key=value`, `"key": "value"`, `key: 'value'` (YAML, env, JSON, headers).
const KEY_VALUE = new RegExp(
  `((?:^|[\\s{,;"'(\\[])(?:${KEY_ALTERNATIVES})["']?\\s*[:=]\\s*)(?:"(?:[^"\\\\]|\\\\.)*"|'[^']*'|[^\\s"',;}\\]]+)`,
  'gim',
);
const AUTH_SCHEME = /\b(Bearer|Basic|Negotiate|Digest)\s+[A-Za-z0-9._~+/=-]{6,}/g;
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]*:[^/\s@]*@/gi;

/** Remembers `value` as a secret: from now on it is replaced wherever it appears in outgoing text. */
export function registerSecret(value: unknown): void {
  if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) known.add(value);
}

/**
 * Registers every string under a secret-looking key of a parsed document (a CNI config's `ipam` section, say), so a
 * plugin or server that echoes one back cannot leak it through us.
 */
export function registerSecretsIn(document: unknown, depth = 0): void {
  if (depth > 8 || typeof document !== 'object' || document === null) return;
  for (const [key, value] of Object.entries(document)) {
    if (SECRET_KEY.test(key)) {
      if (typeof value === 'string') registerSecret(value);
      else if (Array.isArray(value)) for (const v of value) registerSecret(v);
    }
    registerSecretsIn(value, depth + 1);
  }
}

/** `text` with every secret replaced by [REDACTED]. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of known) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(PEM_PRIVATE_KEY, '[REDACTED PRIVATE KEY]')
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(URL_CREDENTIALS, `$1${REDACTED}@`)
    .replace(KEY_VALUE, `$1${REDACTED}`);
}

/** A copy of `value` with every string redacted (objects and arrays walked; cycles and depth bounded). */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 12 || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // A value under a secret key is secret whatever it looks like.
    const secret = SECRET_KEY.test(k) && (typeof v === 'string' || typeof v === 'number');
    setOwnProperty(out, k, secret ? REDACTED : redactDeep(v, depth + 1, seen));
  }
  return out;
}

/** Forgets registered secrets (tests). */
export function forgetSecretsForTests(): void {
  known.clear();
}
