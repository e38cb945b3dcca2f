// The log file: winston writing our records to a file that log-file.ts has checked and opened, bounded by size with
// rotation (hns-cni.log, hns-cni1.log, ...: the newest lines always in the configured name). Loaded lazily by
// logger.ts: VERSION and `--help` never pay for winston. Each process appends; concurrent plugin processes share
// the file (O_APPEND), and each rotates by its own count of what is in the file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import winston from 'winston';
import { checkLogLocation, openLogFile, rotateLogFiles } from './log-file.js';
import type { LogRecord, RecordWriter } from './logger.js';

export const LOG_MAX_BYTES = 10 * 1024 * 1024;
export const LOG_MAX_FILES = 5;

export interface RotationLimits {
  maxBytes: number;
  maxFiles: number;
}

/**
 * A writer for `file`. Rejects with LogFileRefused (log-file.ts) when the file may not be used, or with the file
 * system's error when it cannot be opened; the caller carries on without it.
 */
export async function openFileSink(
  file: string,
  limits: RotationLimits = { maxBytes: LOG_MAX_BYTES, maxFiles: LOG_MAX_FILES },
): Promise<RecordWriter> {
  await checkLogLocation(file);
  let opened = openLogFile(file, limits);
  let size = opened.size;
  let transport = streamTransport(opened.fd);
  // The record is already the line: winston only frames and writes it.
  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.printf((info) => String(info.line)),
    transports: [transport.winston],
    exitOnError: false,
  });
  // A write that fails later (disk full, file removed) must not crash the plugin through an unhandled 'error'.
  logger.on('error', () => {});
  const retired: Promise<void>[] = [];

  /** Past the limit (a long-running process): finish the current file, rotate, go on in a fresh one. */
  const rotate = () => {
    try {
      const previous = transport;
      logger.remove(previous.winston);
      retired.push(previous.finish({ end: true }));
      rotateLogFiles(file, limits.maxFiles);
      opened = openLogFile(file, limits);
      size = opened.size;
      transport = streamTransport(opened.fd);
      logger.add(transport.winston);
    } catch {
      // The log goes quiet rather than fail the operation; the next process starts over.
    }
  };

  return {
    write(record: LogRecord): void {
      const line = JSON.stringify(record);
      size += Buffer.byteLength(line) + os.EOL.length;
      logger.log({ level: record.level, message: record.msg, line });
      if (size >= limits.maxBytes) rotate();
    },
    async close(): Promise<void> {
      const finished = transport.finish({ end: false }); // the logger ends it once its own records are through
      logger.end();
      await Promise.all([...retired, finished]);
    },
  };
}

interface StreamTransport {
  winston: winston.transport;
  /**
   * Resolves once every record the transport was given is in the file and the file is closed. `end`: end the
   * transport here (one removed from the logger); otherwise the logger ends it when it ends.
   */
  finish(options: { end: boolean }): Promise<void>;
}

function streamTransport(fd: number): StreamTransport {
  const stream = fs.createWriteStream('', { fd, autoClose: true });
  stream.on('error', () => {});
  const transport = new winston.transports.Stream({ stream });
  transport.on('error', () => {});
  // The transport's 'finish' comes once it handed every record to the stream; the stream's 'close' once the bytes
  // are written and the file is closed.
  const finished = new Promise<void>((resolve) => {
    transport.once('finish', () => {
      stream.once('close', () => resolve());
      stream.once('error', () => resolve());
      stream.end();
    });
    transport.once('error', () => resolve());
  });
  return {
    winston: transport,
    finish: ({ end }) => {
      if (end && !transport.writableEnded) transport.end();
      return finished;
    },
  };
}
