// HostComputeQuery (§1.5): SchemaVersion picks the output schema (absent/NULL query ⇒ v1), Filter is a JSON object
// serialised as a string whose keys are HNS's internal (v1) names: ID, Name, VirtualNetwork, VirtualNetworkName,
// Flags. GUIDs match case-insensitively; a filter miss is an empty result, never an error.
import { sameGuid } from '../guid.js';
import { HR } from '../hresult.js';
import { listedGhosts } from './endpoint-linger.js';
import { fail } from './failure.js';
import { tableOf } from './lookup.js';
import { formatGuid } from './output.js';
import { type JsonObject, parseJsonObject, schemaMajor } from './schema-check.js';
import type { ObjectKind, SimState } from './state.js';

export interface ParsedQuery {
  /** true ⇒ render v2 objects (SchemaVersion.Major >= 2). */
  v2: boolean;
  filter: JsonObject;
}

export function parseQuery(text: string | undefined): ParsedQuery {
  if (text === undefined || text.trim() === '') return { v2: false, filter: {} };
  const doc = parseJsonObject(text);
  const major = schemaMajor(doc);
  return { v2: major !== undefined && major >= 2, filter: parseFilter(doc.Filter) };
}

function parseFilter(value: unknown): JsonObject {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'object' && !Array.isArray(value)) return value as JsonObject;
  if (typeof value !== 'string') fail(HR.HCN_E_INVALID_JSON, '{{Filter,TypeMismatch}}');
  return parseJsonObject(value);
}

type Matchable = { ID?: string; Name?: string; Flags?: number; [k: string]: unknown };

function matches(state: SimState, kind: ObjectKind, obj: Matchable, filter: JsonObject): boolean {
  for (const [key, want] of Object.entries(filter)) {
    if (!matchesKey(state, kind, obj, key, want)) return false;
  }
  return true;
}

function sameName(state: SimState, a: unknown, b: unknown): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  return state.options.nameMatch === 'exact' ? a === b : a.toLowerCase() === b.toLowerCase();
}

function matchesKey(state: SimState, kind: ObjectKind, obj: Matchable, key: string, want: unknown): boolean {
  switch (key) {
    case 'ID':
      return typeof want === 'string' && sameGuid(obj.ID, want);
    case 'Name':
      return sameName(state, obj.Name, want);
    case 'Flags':
      return typeof want === 'number' && ((obj.Flags ?? 0) & want) === want;
    case 'VirtualNetwork':
    case 'HostComputeNetwork':
      return kind === 'endpoint' && typeof want === 'string' && sameGuid(obj.HostComputeNetwork as string, want);
    case 'VirtualNetworkName': {
      const network = kind === 'endpoint' ? state.networks[obj.HostComputeNetwork as string] : undefined;
      return network !== undefined && sameName(state, network.Name, want);
    }
    case 'HostComputeNamespace':
      return kind === 'endpoint' && typeof want === 'string' && sameGuid(obj.HostComputeNamespace as string, want);
    default: {
      const have = Object.hasOwn(obj, key) ? obj[key] : undefined;
      if (typeof have === 'string' && typeof want === 'string') return have.toLowerCase() === want.toLowerCase();
      return have !== undefined && have === want;
    }
  }
}

function objectsOf(state: SimState, kind: ObjectKind): Matchable[] {
  const ghosts = kind === 'endpoint' ? listedGhosts(state) : [];
  return [...Object.values(tableOf(state, kind)), ...ghosts] as Matchable[];
}

/**
 * HcnEnumerate*: a JSON array of GUID strings. When nothing matches: `[]`, or no out-string at all (NULL) under
 * the option enumerateEmptyOutput=null (F14: SDN's hns.v2.psm1 guards against a NULL list).
 */
export function enumerate(state: SimState, kind: ObjectKind, queryText: string | undefined): string | undefined {
  const { filter } = parseQuery(queryText);
  const ids = objectsOf(state, kind)
    .filter((o) => matches(state, kind, o, filter))
    .map((o) => formatGuid(state, kind, o.ID!));
  if (ids.length === 0 && state.options.enumerateEmptyOutput === 'null') return undefined;
  return JSON.stringify(ids);
}
