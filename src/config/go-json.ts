// Reads a JSON document the way Go's encoding/json reads it into the anchor plugins' structs: keys match struct
// fields case-insensitively (an exact spelling wins), unknown keys are ignored, `null` is the zero value, and a
// value of the wrong JSON type is an error. Here the ignored keys are reported (so they can be logged) and the
// errors carry their JSON path (so they become one code-7 error listing every problem).
import type { ConfigIssue } from '../cni/netconf.js';
import { formatJsonPath } from '../cni/netconf.js';

export type GoField =
  | { kind: 'string' }
  | { kind: 'bool' }
  | { kind: 'int' }
  | { kind: 'strings' }
  /** Any JSON value, kept as is (Go's json.RawMessage / map[string]interface{}). */
  | { kind: 'raw' }
  | { kind: 'object'; fields: Readonly<Record<string, GoField>> }
  | { kind: 'list'; of: GoField };

export const go = {
  string: { kind: 'string' } as GoField,
  bool: { kind: 'bool' } as GoField,
  int: { kind: 'int' } as GoField,
  strings: { kind: 'strings' } as GoField,
  raw: { kind: 'raw' } as GoField,
  object: (fields: Record<string, GoField>): GoField => ({ kind: 'object', fields }),
  list: (of: GoField): GoField => ({ kind: 'list', of }),
};

export interface GoRead {
  /** The document with known keys in their canonical spelling; unknown keys and nulls dropped. */
  value: Record<string, unknown>;
  /** Wrong types, as code-7 issues. */
  issues: ConfigIssue[];
  /** JSON paths of the keys the struct has no field for (Go drops them silently). */
  ignored: string[];
}

type Path = (string | number)[];

/** Reads `doc` as the struct `fields` describes. */
export function readLikeGo(doc: Record<string, unknown>, fields: Readonly<Record<string, GoField>>): GoRead {
  const out: GoRead = { value: {}, issues: [], ignored: [] };
  out.value = readObject(doc, fields, [], out) ?? {};
  return out;
}

function readObject(
  obj: Record<string, unknown>,
  fields: Readonly<Record<string, GoField>>,
  path: Path,
  out: GoRead,
): Record<string, unknown> {
  const byLower = new Map(Object.keys(fields).map((k) => [k.toLowerCase(), k]));
  const result: Record<string, unknown> = {};
  const exact = new Set(Object.keys(obj).filter((k) => Object.hasOwn(fields, k)));
  for (const [key, value] of Object.entries(obj)) {
    const name = byLower.get(key.toLowerCase());
    if (name === undefined) {
      out.ignored.push(formatJsonPath([...path, key]));
      continue;
    }
    // Go keeps one value per field; an exactly spelled key wins over another casing of it.
    if (key !== name && exact.has(name)) continue;
    if (value === null) continue;
    const read = readValue(value, fields[name]!, [...path, key], out);
    if (read !== undefined) result[name] = read;
  }
  return result;
}

function readValue(value: unknown, field: GoField, path: Path, out: GoRead): unknown {
  const wrong = (what: string) => {
    out.issues.push({ path: formatJsonPath(path), reason: `must be ${what} (got ${describe(value)})` });
    return undefined;
  };
  switch (field.kind) {
    case 'raw':
      return value;
    case 'string':
      return typeof value === 'string' ? value : wrong('a string');
    case 'bool':
      return typeof value === 'boolean' ? value : wrong('true or false');
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) ? value : wrong('an integer');
    case 'strings':
      if (!Array.isArray(value)) return wrong('a list of strings');
      return value.filter((v, i) => {
        if (v === null || typeof v === 'string') return v !== null;
        out.issues.push({ path: formatJsonPath([...path, i]), reason: `must be a string (got ${describe(v)})` });
        return false;
      });
    case 'object':
      if (!isObject(value)) return wrong('an object');
      return readObject(value, field.fields, path, out);
    case 'list':
      if (!Array.isArray(value)) return wrong('a list');
      return value.map((v, i) => (v === null ? undefined : readValue(v, field.of, [...path, i], out)));
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
