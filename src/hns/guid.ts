// GUIDs as HNS writes them: 36-char dashed form, no braces. Case differs between HNS builds and object kinds, so
// every comparison goes through sameGuid and every GUID we emit goes through normalizeGuid (lower case).
const GUID_RE = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;

export const GUID_NULL = '00000000-0000-0000-0000-000000000000';

export function isGuid(value: string): boolean {
  const m = GUID_RE.exec(value);
  // Braces must come in pairs.
  return m !== null && value.startsWith('{') === value.endsWith('}');
}

/** Accepts braces and any case; returns the lower-case dashed form. Throws on anything else. */
export function normalizeGuid(value: string): string {
  if (!isGuid(value)) throw new TypeError(`not a GUID: ${JSON.stringify(value)}`);
  return GUID_RE.exec(value)![1]!.toLowerCase();
}

export function sameGuid(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || !isGuid(a) || !isGuid(b)) return false;
  return normalizeGuid(a) === normalizeGuid(b);
}

/** The 16 bytes of a GUID as Windows lays it out in memory: Data1..Data3 little-endian, Data4 verbatim. */
export function guidToBytes(value: string): Buffer {
  const hex = normalizeGuid(value).replaceAll('-', '');
  const b = Buffer.from(hex, 'hex');
  const out = Buffer.alloc(16);
  out.writeUInt32LE(b.readUInt32BE(0), 0);
  out.writeUInt16LE(b.readUInt16BE(4), 4);
  out.writeUInt16LE(b.readUInt16BE(6), 6);
  b.copy(out, 8, 8, 16);
  return out;
}

export function guidFromBytes(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, 16);
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  const d4 = Buffer.from(b.subarray(8, 16)).toString('hex');
  return `${h(b.readUInt32LE(0), 8)}-${h(b.readUInt16LE(4), 4)}-${h(b.readUInt16LE(6), 4)}-${d4.slice(0, 4)}-${d4.slice(4)}`;
}
