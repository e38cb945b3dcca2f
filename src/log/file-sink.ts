// The log file: winston's File transport, bounded by size with rotation (hns-cni.log, hns-cni1.log, ... with
// `tailable`, so the newest lines are always in the configured name). Loaded lazily by logger.ts: VERSION and
// `--help` never pay for winston. Each process appends; concurrent plugin processes share the file (O_APPEND).
import * as fs from 'node:fs';
import * as path from 'node:path';
import winston from 'winston';
import type { LogRecord, RecordWriter } from './logger.js';

export const LOG_MAX_BYTES = 10 * 1024 * 1024;
export const LOG_MAX_FILES = 5;

export interface RotationLimits {
  maxBytes: number;
  maxFiles: number;
}

/** A writer for `file`, or undefined when its directory cannot be created (the caller carries on without a log). */
export function openFileSink(
  file: string,
  limits: RotationLimits = { maxBytes: LOG_MAX_BYTES, maxFiles: LOG_MAX_FILES },
): RecordWriter | undefined {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  } catch {
    return undefined;
  }
  const transport = new winston.transports.File({
    filename: file,
    maxsize: limits.maxBytes,
    maxFiles: limits.maxFiles,
    tailable: true,
  });
  // The record is already the line: winston only frames and writes it.
  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.printf((info) => String(info.line)),
    transports: [transport],
    exitOnError: false,
  });
  // A write that fails later (disk full, file removed) must not crash the plugin through an unhandled 'error'.
  transport.on('error', () => {});
  logger.on('error', () => {});

  return {
    write(record: LogRecord): void {
      logger.log({ level: record.level, message: record.msg, line: JSON.stringify(record) });
    },
    close(): Promise<void> {
      // winston's File transport emits 'finish' only after its file stream has flushed (_final waits for it).
      const finished = new Promise<void>((resolve) => {
        transport.once('finish', () => resolve());
        transport.once('error', () => resolve());
      });
      logger.end();
      return finished;
    },
  };
}
