// The CNI plugin's only stdout writer and its stdin reader. Synchronous fd I/O on purpose: Node's stream-based stdio
// throws EBADF when Wine hands the process a Unix pipe (toolchain.md), and a synchronous write cannot be lost when
// the process exits right after it. stdout carries exactly one JSON document per invocation; nothing else.
import * as fs from 'node:fs';
import { CNI_CODE, CniError } from './errors.js';

/** The whole of stdin (the network configuration). */
export function readStdin(): Buffer {
  try {
    return fs.readFileSync(0);
  } catch (e) {
    throw new CniError(CNI_CODE.IO_FAILURE, `error reading from stdin: ${(e as Error).message}`);
  }
}

let stdoutWritten = false;

/** The bytes of `value` as the single JSON document on stdout (the agent relays exactly these). */
export function stdoutDocument(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** Writes `value` as the single JSON document on stdout. */
export function writeStdoutJson(value: unknown): void {
  stdoutWritten = true;
  writeAll(1, stdoutDocument(value));
}

/** Writes bytes another process produced with writeStdoutJson (the agent's reply, relayed as they are). */
export function writeStdoutBytes(bytes: Buffer): void {
  stdoutWritten = true;
  writeAll(1, bytes);
}

/** Whether the document was written (main's last-resort handler must not write a second one). */
export function hasWrittenStdout(): boolean {
  return stdoutWritten;
}

/** Text for a human on stderr (the "about" line). Never the log: that goes to the log file. */
export function writeStderrText(text: string): void {
  writeAll(2, text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * Writes all of `text` to `fd` before returning, whatever the fd is: a pipe may take only part of a write (64 KiB
 * at a time on Linux), and once anything in the process touched `process.stdout`, libuv made the pipe non-blocking,
 * so a full pipe answers EAGAIN. Both are retried until the reader has drained everything; EAGAIN waits briefly
 * (a synchronous sleep, not a busy loop) for the reader. Any other error (EPIPE: the reader is gone) is thrown.
 */
export function writeAll(fd: number, text: string | Buffer): void {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let offset = 0;
  let waitMs = 0;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
      waitMs = 0;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      waitMs = Math.min(waitMs * 2 || 1, 50);
      sleeper ??= new Int32Array(new SharedArrayBuffer(4));
      Atomics.wait(sleeper, 0, 0, waitMs);
    }
  }
}

// Made on first need: V8's snapshot builder has no SharedArrayBuffer, and this module is in the start-up snapshot.
let sleeper: Int32Array | undefined;
