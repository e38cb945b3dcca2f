// The stub ↔ simulator wire protocol of native/PROTOCOL.md: frame reassembly over TCP (frames arrive split or
// coalesced), request decoding, reply encoding. The client half (encodeCall/decodeReply) is here too, for tests
// and tools that speak to `sim serve` without the C stub.
import { guidFromBytes, guidToBytes } from '../guid.js';

export const PROTOCOL_VERSION = 1;
export const OP_CALL = 1;
export const OP_FREE_REPORT = 2;
const NULL_STRING = 0xffffffff;
/** A frame larger than this is a protocol error, not a request to allocate. */
export const MAX_FRAME = 64 * 1024 * 1024;

export interface CallRequest {
  op: typeof OP_CALL;
  fn: string;
  handle: bigint;
  guid?: string;
  s1?: string;
  s2?: string;
  s3?: string;
  /** The caller passed a non-NULL ErrorRecord pointer. */
  wantsErrorRecord: boolean;
  pid: number;
}

export interface FreeReport {
  op: typeof OP_FREE_REPORT;
  pid: number;
  allocations: bigint;
  frees: bigint;
}

export type WireRequest = CallRequest | FreeReport;

export interface WireReply {
  hr: number;
  /** 0 = return normally; 1 = terminate the calling process (fault "kill"). */
  action: 0 | 1;
  handle: bigint;
  output?: string;
  errorRecord?: string;
}

export class ProtocolError extends Error {}

/** Accumulates TCP chunks and yields complete frame bodies (the bytes after the u32 length). */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    while (this.pending.length >= 4) {
      const length = this.pending.readUInt32LE(0);
      if (length > MAX_FRAME) throw new ProtocolError(`frame of ${length} bytes exceeds the limit`);
      if (this.pending.length < 4 + length) break;
      frames.push(this.pending.subarray(4, 4 + length));
      this.pending = this.pending.subarray(4 + length);
    }
    return frames;
  }
}

class Cursor {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new ProtocolError('truncated frame');
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.at++);
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.at);
    this.at += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.at);
    this.at += 8;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }
  str(): string | undefined {
    const n = this.u32();
    if (n === NULL_STRING) return undefined;
    if (n % 2 !== 0) throw new ProtocolError('odd UTF-16 byte length');
    return this.bytes(n).toString('utf16le');
  }
}

export function decodeRequest(body: Buffer): WireRequest {
  const c = new Cursor(body);
  const version = c.u8();
  if (version !== PROTOCOL_VERSION) throw new ProtocolError(`protocol version ${version}`);
  const op = c.u8();
  if (op === OP_FREE_REPORT) return { op, pid: c.u32(), allocations: c.u64(), frees: c.u64() };
  if (op !== OP_CALL) throw new ProtocolError(`unknown op ${op}`);
  const fn = c.bytes(c.u8()).toString('latin1');
  const handle = c.u64();
  const hasGuid = c.u8() !== 0;
  const guid = hasGuid ? guidFromBytes(c.bytes(16)) : undefined;
  const s1 = c.str();
  const s2 = c.str();
  const s3 = c.str();
  const flags = c.u8();
  const pid = c.u32();
  return { op, fn, handle, ...(guid ? { guid } : {}), s1, s2, s3, wantsErrorRecord: (flags & 1) !== 0, pid };
}

// ---- encoding --------------------------------------------------------------------------------------------------

class Writer {
  private readonly parts: Buffer[] = [];
  u8(v: number): this {
    this.parts.push(Buffer.from([v]));
    return this;
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.parts.push(b);
    return this;
  }
  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v | 0);
    this.parts.push(b);
    return this;
  }
  u64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, v));
    this.parts.push(b);
    return this;
  }
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  str(s: string | undefined): this {
    if (s === undefined) return this.u32(NULL_STRING);
    const b = Buffer.from(s, 'utf16le');
    return this.u32(b.length).raw(b);
  }
  /** The body prefixed with its u32 length. */
  frame(): Buffer {
    const body = Buffer.concat(this.parts);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(body.length);
    return Buffer.concat([len, body]);
  }
}

export function encodeReply(r: WireReply): Buffer {
  return new Writer().i32(r.hr).u8(r.action).u64(r.handle).str(r.output).str(r.errorRecord).frame();
}

export function decodeReply(body: Buffer): WireReply {
  const c = new Cursor(body);
  const hr = c.i32();
  const action = c.u8() === 1 ? 1 : 0;
  const handle = c.u64();
  const output = c.str();
  const errorRecord = c.str();
  return {
    hr,
    action,
    handle,
    ...(output !== undefined ? { output } : {}),
    ...(errorRecord !== undefined ? { errorRecord } : {}),
  };
}

export function encodeCall(r: Omit<CallRequest, 'op'>): Buffer {
  const w = new Writer().u8(PROTOCOL_VERSION).u8(OP_CALL);
  const fn = Buffer.from(r.fn, 'latin1');
  w.u8(fn.length).raw(fn).u64(r.handle);
  if (r.guid === undefined) w.u8(0);
  else w.u8(1).raw(guidToBytes(r.guid));
  return w
    .str(r.s1)
    .str(r.s2)
    .str(r.s3)
    .u8(r.wantsErrorRecord ? 1 : 0)
    .u32(r.pid)
    .frame();
}

export function encodeFreeReport(r: Omit<FreeReport, 'op'>): Buffer {
  return new Writer().u8(PROTOCOL_VERSION).u8(OP_FREE_REPORT).u32(r.pid).u64(r.allocations).u64(r.frees).frame();
}
