// One CNI invocation from environment to exit code: read and validate env and stdin, check versions, hand the
// request to the verb's handler, and print exactly one JSON document (result or error) in the requested version.

import { isLogLevel, type LogLevel, type LogOptions, log, setLogContext } from '../log/logger.js';
import { registerSecretsIn } from '../log/redact.js';
import { readEnvironment } from './env.js';
import { parseEnvelope } from './envelope.js';
import { toErrorReply } from './error-reply.js';
import { isCniError } from './errors.js';
import { convertResult } from './result-convert.js';
import { normalizeRuntimeConfig } from './runtime-config.js';
import type { CniRequest, CniResult } from './types.js';
import {
  checkVersionForVerb,
  isSupportedVersion,
  LATEST_VERSION,
  SUPPORTED_VERSIONS,
  versionReply,
} from './versions.js';

/**
 * The plugin behind the protocol: `loadConfig` validates the stdin document (throwing CniError 7 via
 * netconf.parseConfig) and its result is passed to the verb's handler. A handler fails by throwing; a CniError
 * reaches the runtime as is, anything else as code 999.
 */
export interface PluginHandlers<C = unknown> {
  loadConfig(raw: Record<string, unknown>, req: CniRequest): C | Promise<C>;
  add(req: CniRequest, conf: C): Promise<CniResult>;
  del(req: CniRequest, conf: C): Promise<void>;
  check(req: CniRequest, conf: C): Promise<void>;
  gc(req: CniRequest, conf: C): Promise<void>;
  status(req: CniRequest, conf: C): Promise<void>;
}

/** The process boundary, injectable so the whole flow runs in-process in unit tests. */
export interface CniIo {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  readStdin(): Buffer;
  writeStdoutJson(value: unknown): void;
  writeStderrText(text: string): void;
  /** Opens the log once its options are known (logger.configureLog in the product). Idempotent. */
  configureLog(options: LogOptions): Promise<void>;
}

export const ABOUT = 'hns-cni: CNI plugin for Windows nodes (Host Networking Service)';

/**
 * Runs one invocation and returns the process exit code (0 success, 1 error reported on stdout). The handlers are
 * loaded only after VERSION was answered, so VERSION never pays for the plugin's imports (zod, HNS bindings).
 */
export async function runCni<C>(loadHandlers: () => Promise<PluginHandlers<C>>, io: CniIo): Promise<number> {
  const command = io.env.CNI_COMMAND ?? '';
  if (command === '') {
    // skel's behaviour for a human running the binary: describe ourselves on stderr, exit 0, stdout untouched.
    io.writeStderrText(`${ABOUT}\nCNI protocol versions supported: ${SUPPORTED_VERSIONS.join(', ')}`);
    return 0;
  }
  setLogContext({ verb: command, containerId: io.env.CNI_CONTAINERID ?? '' });
  let replyVersion: string = LATEST_VERSION;
  try {
    const env = readEnvironment(io.env, io.platform);
    setLogContext({ containerId: env.containerId });
    if (env.verb === 'VERSION') {
      // Never read stdin here: libcni may not write or close it for VERSION.
      io.writeStdoutJson(versionReply());
      return 0;
    }
    const rawConfig = io.readStdin();
    const { config, cniVersion } = parseEnvelope(rawConfig);
    // Values under secret-looking keys (a delegated IPAM's password, say) never leave in an error or the log.
    registerSecretsIn(config);
    if (isSupportedVersion(cniVersion)) replyVersion = cniVersion;
    await io.configureLog(logOptionsFrom(config));
    log.info(`${env.verb} start`, { netns: env.netns, ifName: env.ifName, args: env.args, cniVersion });
    if (config.runtimeConfig !== undefined) {
      // What the capability arguments mean to us, whatever key case the runtime used (containerd: PascalCase).
      log.debug('runtimeConfig', { runtimeConfig: normalizeRuntimeConfig(config.runtimeConfig) });
    }
    const version = checkVersionForVerb(env.verb, cniVersion);
    const req: CniRequest = { ...env, cniVersion: version, config, rawConfig };
    const handlers = await loadHandlers();
    const conf = await handlers.loadConfig(config, req);
    switch (env.verb) {
      case 'ADD':
        io.writeStdoutJson(convertResult(await handlers.add(req, conf), version));
        break;
      case 'DEL':
        await handlers.del(req, conf);
        break;
      case 'CHECK':
        await handlers.check(req, conf);
        break;
      case 'GC':
        await handlers.gc(req, conf);
        break;
      case 'STATUS':
        await handlers.status(req, conf);
        break;
    }
    log.info(`${env.verb} done`);
    return 0;
  } catch (error) {
    const reply = toErrorReply(error, replyVersion);
    await io.configureLog({});
    if (isCniError(error)) {
      log.warn(`${command} failed`, { code: reply.code, error: reply.msg, details: reply.details });
    } else {
      log.error(`${command} failed with an unexpected exception`, { code: reply.code, error });
    }
    io.writeStdoutJson(reply);
    return 1;
  }
}

/** The config's `log` section, read leniently: the schema reports a malformed one as code 7 later. */
export function logOptionsFrom(config: Record<string, unknown>): LogOptions {
  const section = config.log;
  if (typeof section !== 'object' || section === null) return {};
  const { file, level } = section as { file?: unknown; level?: unknown };
  const options: LogOptions = {};
  if (typeof file === 'string' && file !== '') options.file = file;
  if (isLogLevel(level)) options.level = level satisfies LogLevel;
  return options;
}
