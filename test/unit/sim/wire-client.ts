// A Node client of the stub wire protocol (native/PROTOCOL.md) for tests: what the C stub does, minus CoTaskMemAlloc.
import * as net from 'node:net';
import { decodeReply, encodeCall, FrameReader, type WireReply } from '../../../src/hns/sim/wire.js';

export interface CallArgs {
  fn: string;
  handle?: bigint;
  guid?: string;
  s1?: string;
  s2?: string;
  s3?: string;
  wantsErrorRecord?: boolean;
}

export class WireClient {
  private readonly reader = new FrameReader();
  private readonly waiting: ((r: WireReply) => void)[] = [];
  readonly closed: Promise<void>;

  private constructor(
    readonly socket: net.Socket,
    readonly pid: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) this.waiting.shift()?.(decodeReply(frame));
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static connect(address: string, pid: number): Promise<WireClient> {
    const colon = address.lastIndexOf(':');
    return new Promise((resolve, reject) => {
      const s = net.connect(Number(address.slice(colon + 1)), address.slice(0, colon), () => {
        s.setNoDelay(true);
        resolve(new WireClient(s, pid));
      });
      s.once('error', reject);
    });
  }

  frame(a: CallArgs): Buffer {
    return encodeCall({
      fn: a.fn,
      handle: a.handle ?? 0n,
      ...(a.guid !== undefined ? { guid: a.guid } : {}),
      s1: a.s1,
      s2: a.s2,
      s3: a.s3,
      wantsErrorRecord: a.wantsErrorRecord ?? true,
      pid: this.pid,
    });
  }

  /** Sends raw bytes (possibly several frames, or part of one) and expects `replies` replies. */
  sendRaw(bytes: Buffer, replies = 1): Promise<WireReply[]> {
    const out = Array.from({ length: replies }, () => new Promise<WireReply>((r) => this.waiting.push(r)));
    this.socket.write(bytes);
    return Promise.all(out);
  }

  async call(a: CallArgs): Promise<WireReply> {
    return (await this.sendRaw(this.frame(a)))[0]!;
  }

  close(): void {
    this.socket.end();
  }
}
