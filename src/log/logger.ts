// The plugin's log: a file (never stdout, which belongs to the CNI result). Every line is one JSON object carrying
// the invocation id, the verb, the container id and the milliseconds since the process started. Call `log.*`
// anywhere. Until `configureLog` runs (main calls it once the config's `log` section is known), lines are kept in
// memory; configureLog writes them out. Nothing here may throw into the caller: a log that cannot be written is
// dropped, the CNI operation carries on.
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { currentInvocation, resetProcessInvocation } from '../cni/invocation.js';
import { setOwnProperty } from '../cni/own-property.js';
import { redactDeep, redactSecrets } from './redact.js';

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

/** One line of the log file, in the order its fields are written. */
export interface LogRecord {
  time: string;
  level: LogLevel;
  inv: string;
  verb: string;
  cid: string;
  ms: number;
  msg: string;
  [key: string]: unknown;
}

/** Where stamped records go once the log is configured (the winston file sink, or a test's collector). */
export interface RecordWriter {
  write(record: LogRecord): void;
  /** Resolves when everything written so far is on disk (or could not be). */
  close(): Promise<void>;
}

export interface LogOptions {
  /** The log file; `undefined` means the platform default (see defaultLogFile). */
  file?: string;
  level?: LogLevel;
}

/** The effective options, and where the file came from (for the message when it is refused). */
export interface ResolvedLogOptions extends Required<LogOptions> {
  fileSource: 'HNS_CNI_LOG' | 'log.file' | 'default';
}

const LEVEL_RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const MAX_BUFFERED = 2000;

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(LEVEL_RANK, value);
}

/** `C:\ProgramData\hns-cni\hns-cni.log` on Windows; `<tmp>/hns-cni/hns-cni.log` elsewhere. */
export function defaultLogFile(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') {
    return path.win32.join(process.env.ProgramData ?? 'C:\\ProgramData', 'hns-cni', 'hns-cni.log');
  }
  return path.join(os.tmpdir(), 'hns-cni', 'hns-cni.log');
}

/**
 * The effective options: the environment (HNS_CNI_LOG, HNS_CNI_LOG_LEVEL) overrides the config's `log` section, so
 * an operator can redirect or raise the log of one node without editing the network config; then the defaults.
 */
export function resolveLogOptions(fromConfig: LogOptions, env: NodeJS.ProcessEnv = process.env): ResolvedLogOptions {
  const envLevel = env.HNS_CNI_LOG_LEVEL?.toLowerCase();
  const level = isLogLevel(envLevel) ? envLevel : (fromConfig.level ?? 'info');
  if (env.HNS_CNI_LOG) return { file: env.HNS_CNI_LOG, fileSource: 'HNS_CNI_LOG', level };
  if (fromConfig.file) return { file: fromConfig.file, fileSource: 'log.file', level };
  return { file: defaultLogFile(), fileSource: 'default', level };
}

// The invocation id is drawn when first needed, not at module initialisation: the executable's V8 start-up snapshot
// (src/snapshot.ts) holds this module already initialised, and every process must still get its own id. The id, verb
// and container id are the current invocation's (cni/invocation.ts): the node agent serves many at once.
let buffered: LogRecord[] = [];
let writer: RecordWriter | undefined;
let threshold: LogLevel = 'debug'; // until configured, keep everything: the configured level filters the buffer
let configured = false;
// Lines keep being buffered until a destination is known, also while configureLog is opening the file (opening it
// may itself log: on Windows the directory check loads koffi, which reports a repaired native module).
let destinationKnown = false;

/** Sets the verb and container id stamped on every later line (and on buffered lines not yet written). */
export function setLogContext(next: { verb?: string; containerId?: string }): void {
  const context = currentInvocation();
  if (next.verb !== undefined) context.verb = next.verb;
  if (next.containerId !== undefined) context.cid = next.containerId;
  for (const record of buffered) {
    record.verb ||= context.verb;
    record.cid ||= context.cid;
  }
}

export function invocationId(): string {
  const context = currentInvocation();
  context.inv ??= randomBytes(4).toString('hex');
  return context.inv;
}

function stamp(level: LogLevel, msg: string, meta?: LogMeta): LogRecord {
  const record: LogRecord = {
    time: new Date().toISOString(),
    level,
    inv: invocationId(),
    verb: currentInvocation().verb,
    cid: currentInvocation().cid,
    ms: Math.round(performance.now() * 10) / 10,
    msg: redactSecrets(msg),
  };
  if (meta) {
    for (const [key, value] of Object.entries(meta)) {
      if (!Object.hasOwn(record, key)) {
        // Redacted here, before the record reaches a file or a test's collector (log/redact.ts).
        setOwnProperty(record, key, redactDeep(serializable(value)));
      }
    }
  }
  return record;
}

/** Errors become {name, message, code, stack}: JSON.stringify would otherwise write `{}`. */
function serializable(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as NodeJS.ErrnoException).code;
    return { name: value.name, message: value.message, ...(code ? { code } : {}), stack: value.stack };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function record(level: LogLevel, msg: string, meta?: LogMeta): void {
  if (LEVEL_RANK[level] > LEVEL_RANK[threshold]) return;
  const line = stamp(level, msg, meta);
  if (writer) {
    writer.write(line);
  } else if (!destinationKnown) {
    buffered.push(line);
    if (buffered.length > MAX_BUFFERED) buffered.shift();
  }
}

let sink: Sink = record;

/** Replaces where `log.*` goes (tests, embedding). The file log is bypassed while a custom sink is set. */
export function setLogSink(next: Sink): void {
  sink = next;
}

/** Restores the default destination (buffer, then the configured file). */
export function resetLogSink(): void {
  sink = record;
}

function safely(level: LogLevel, msg: string, meta?: LogMeta): void {
  try {
    sink(level, msg, meta);
  } catch {
    // Logging must never break a CNI operation.
  }
}

export const log: Log = {
  error: (msg, meta) => safely('error', msg, meta),
  warn: (msg, meta) => safely('warn', msg, meta),
  info: (msg, meta) => safely('info', msg, meta),
  debug: (msg, meta) => safely('debug', msg, meta),
};

/**
 * Opens the log file (winston, loaded only now) and writes out what was buffered. Call once; later calls are
 * ignored. A configured file that may not be used (log-file.ts: not hns-cni's own log, an unsafe directory, a
 * relative path) is refused: the log goes to the default file, whose first new line says what was refused and why.
 * If no file can be opened the process carries on without a log.
 */
export async function configureLog(options: LogOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (configured) return;
  configured = true;
  const resolved = resolveLogOptions(options, env);
  threshold = resolved.level;
  let refusal: LogMeta | undefined;
  try {
    const { openFileSink } = await import('./file-sink.js');
    try {
      writer = await openFileSink(resolved.file);
    } catch (error) {
      if (resolved.fileSource === 'default') throw error;
      refusal = { file: resolved.file, source: resolved.fileSource, reason: (error as Error).message };
      writer = await openFileSink(defaultLogFile());
    }
  } catch {
    writer = undefined;
  }
  useWriter(writer);
  if (refusal) log.warn('the configured log file was refused; logging to the default file', refusal);
}

/** Sends buffered and future records to `next` (the file sink; tests pass a collector). */
export function useWriter(next: RecordWriter | undefined): void {
  configured = true;
  destinationKnown = true;
  writer = next;
  const pending = buffered;
  buffered = [];
  if (!writer) return;
  for (const line of pending) {
    if (LEVEL_RANK[line.level] <= LEVEL_RANK[threshold]) safeWrite(writer, line);
  }
}

function safeWrite(target: RecordWriter, line: LogRecord): void {
  try {
    target.write(line);
  } catch {
    // see safely()
  }
}

/** Waits (at most `capMs`) until the log is on disk. main calls this last, before the process exits. */
export async function closeLog(capMs = 2000): Promise<void> {
  const current = writer;
  writer = undefined;
  if (!current) return;
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, capMs);
    timer.unref();
  });
  try {
    await Promise.race([current.close().catch(() => {}), cap]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Forgets all state (buffered lines, destination, context, invocation id): the start-up snapshot is taken after this,
 * so no process inherits anything of the build's.
 */
export function resetLogState(): void {
  resetProcessInvocation();
  buffered = [];
  writer = undefined;
  threshold = 'debug';
  configured = false;
  destinationKnown = false;
  sink = record;
}

/** For tests that exercise the logger more than once in one process. */
export const resetLogForTests = resetLogState;
