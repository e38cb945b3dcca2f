// The plugin's log: a file (never stdout, which belongs to the CNI result). Every line carries the invocation id,
// the verb, the container id and the time since start. Call `log.*` anywhere; `configureLog` is called once by
// main when the config is known. Before that, lines are buffered and written by the first configureLog.
// (Issue 2 owns the full implementation: rotation, defaults per platform, level from config/env.)
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface LogMeta {
  [key: string]: unknown;
}

export interface Log {
  error(msg: string, meta?: LogMeta): void;
  warn(msg: string, meta?: LogMeta): void;
  info(msg: string, meta?: LogMeta): void;
  debug(msg: string, meta?: LogMeta): void;
}

type Sink = (level: LogLevel, msg: string, meta?: LogMeta) => void;

let sink: Sink = () => {};

export function setLogSink(next: Sink): void {
  sink = next;
}

export const log: Log = {
  error: (msg, meta) => sink('error', msg, meta),
  warn: (msg, meta) => sink('warn', msg, meta),
  info: (msg, meta) => sink('info', msg, meta),
  debug: (msg, meta) => sink('debug', msg, meta),
};
