// The wire between the plugin's front and the node agent's CNI server (docs/agent-server.md): each message is one
// JSON object in a frame of a 4-byte big-endian length and that many bytes of UTF-8. A frame longer than MAX_FRAME,
// an empty one, or one that is not a JSON object is a protocol error: the reader reports it and the caller closes
// the connection.
import type { Socket } from 'node:net';

/** Larger than any network configuration plus environment a runtime sends (a CNI config is a few KiB). */
export const MAX_FRAME = 1024 * 1024;

export type Message = Record<string, unknown>;

export class FrameError extends Error {
  override name = 'FrameError';
}

export function encodeFrame(message: Message): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  if (body.length > MAX_FRAME) throw new FrameError(`frame of ${body.length} bytes exceeds ${MAX_FRAME}`);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** Splits a byte stream into messages. `push` returns the complete messages so far; throws FrameError on bad input. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);
  /** The longest frame accepted now (a server lowers it until its peer has proved the secret). */
  maxFrame = MAX_FRAME;

  push(chunk: Buffer): Message[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Message[] = [];
    while (this.pending.length >= 4) {
      const length = this.pending.readUInt32BE(0);
      if (length === 0 || length > this.maxFrame) throw new FrameError(`bad frame length ${length}`);
      if (this.pending.length < 4 + length) break;
      const body = this.pending.subarray(4, 4 + length);
      this.pending = this.pending.subarray(4 + length);
      let value: unknown;
      try {
        value = JSON.parse(body.toString('utf8'));
      } catch {
        throw new FrameError('frame is not JSON');
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new FrameError('frame is not a JSON object');
      }
      out.push(value as Message);
    }
    return out;
  }
}

/**
 * Reads messages from `socket` one at a time. `next()` resolves with the next message, or rejects when the
 * connection ends, errors, sends a bad frame, or stays silent for `timeoutMs`.
 */
export class MessageReader {
  readonly decoder = new FrameDecoder();
  private readonly queue: Message[] = [];
  private failure: Error | undefined;
  private waiter: { resolve: (m: Message) => void; reject: (e: Error) => void } | undefined;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const m of this.decoder.push(chunk)) this.queue.push(m);
      } catch (e) {
        this.fail(e as Error);
        socket.destroy();
        return;
      }
      this.wake();
    });
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    if (w === undefined) return;
    const m = this.queue.shift();
    if (m !== undefined) {
      this.waiter = undefined;
      w.resolve(m);
    } else if (this.failure !== undefined) {
      this.waiter = undefined;
      w.reject(this.failure);
    }
  }

  next(timeoutMs: number): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const done =
        <A>(f: (a: A) => void) =>
        (a: A) => {
          clearTimeout(timer);
          f(a);
        };
      this.waiter = { resolve: done(resolve), reject: done(reject) };
      this.wake();
    });
  }
}
