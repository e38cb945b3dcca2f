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

/** Writes `value` as the single JSON document on stdout. */
export function writeStdoutJson(value: unknown): void {
  stdoutWritten = true;
  writeAll(1, `${JSON.stringify(value)}\n`);
}

/** Whether the document was written (main's last-resort handler must not write a second one). */
export function hasWrittenStdout(): boolean {
  return stdoutWritten;
}

/** Text for a human on stderr (the "about" line). Never the log: that goes to the log file. */
export function writeStderrText(text: string): void {
  writeAll(2, text.endsWith('\n') ? text : `${text}\n`);
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (e) {
      // A non-blocking pipe whose buffer is full: the reader (libcni) drains it, so try again.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
  }
}
