// Entry point of hns-cni(.exe). With no arguments it is a CNI plugin (the runtime passes everything in CNI_*
// variables and stdin); `--help`, `--version` and `hns-cni <command> ...` are for people. The CNI path imports only
// the protocol core and the logger; the plugin's handlers, winston and debug commands are loaded when needed.
import packageJson from '../package.json' with { type: 'json' };
import { type CniIo, runCni } from './cni/dispatch.js';
import { toErrorReply } from './cni/error-reply.js';
import { frontOrigin, takeFrontArguments } from './cni/front-origin.js';
import { hasWrittenStdout, readStdin, writeStderrText, writeStdoutBytes, writeStdoutJson } from './cni/io.js';
import { SUPPORTED_VERSIONS } from './cni/versions.js';
import { COMMANDS } from './commands/registry.js';
import { exitProcess } from './hns/process-exit.js';
import { closeLog, configureLog, log, setLogContext } from './log/logger.js';
import { isBuildingSnapshot, prepareSnapshot } from './snapshot.js';

const ENVIRONMENT_HELP: [string, string][] = [
  ['CNI_COMMAND', 'ADD, DEL, CHECK, GC, STATUS or VERSION (set by the container runtime)'],
  ['CNI_CONTAINERID', 'container (sandbox) id; ADD, DEL, CHECK'],
  ['CNI_NETNS', 'HCN namespace GUID; ADD, CHECK (optional on DEL)'],
  ['CNI_IFNAME', 'interface name in the pod (containerd: eth0); ADD, DEL, CHECK'],
  ['CNI_ARGS', 'K=V;K2=V2 (K8S_POD_NAMESPACE, K8S_POD_NAME, ..., IgnoreUnknown=1)'],
  ['CNI_PATH', "plugin directories, ';'-separated on Windows, ':' elsewhere"],
  ['HNS_CNI_LOG', "log file (overrides the config's log.file); only hns-cni's own log, else the default is used"],
  ['HNS_CNI_LOG_LEVEL', 'error, warn, info (default) or debug (overrides log.level)'],
  ['HNS_CNI_HCN', 'ffi or sim: the HNS backend'],
  ['HNS_CNI_AGENT', "off: never hand the verb to the node agent's CNI server (docs/agent-server.md)"],
  [
    'HNS_CNI_DATA_DIR',
    'state directory override: an absolute path; created private, refused (104) if others can write it',
  ],
];

function usage(): string {
  const pad = (rows: [string, string][]) => {
    const width = Math.max(...rows.map(([name]) => name.length));
    return rows.map(([name, text]) => `  ${name.padEnd(width)}  ${text}`).join('\n');
  };
  const commands = Object.entries(COMMANDS).map(([name, entry]): [string, string] => [name, entry.summary]);
  return [
    `hns-cni ${packageJson.version}: a CNI plugin for Windows nodes driving the Host Networking Service`,
    '',
    'Usage:',
    '  hns-cni                     run as a CNI plugin (config on stdin, parameters in CNI_* variables); the verb',
    "                              goes to the node agent's CNI server when one serves, else runs here",
    '  hns-cni <command> [args]    run a debug or operator command',
    '  hns-cni --help | --version',
    '',
    `CNI verbs: ADD, DEL, CHECK, GC, STATUS, VERSION (spec versions ${SUPPORTED_VERSIONS.join(', ')})`,
    '',
    'Environment:',
    pad(ENVIRONMENT_HELP),
    '',
    'Commands:',
    pad(commands),
  ].join('\n');
}

// stdin is read once: by the front when it offers the verb to the agent, then again by the in-process path.
let stdin: Buffer | undefined;
const readStdinOnce = (): Buffer => {
  stdin ??= readStdin();
  return stdin;
};

/** The real process boundary for the CNI verbs. */
const processIo: CniIo = {
  env: process.env,
  platform: process.platform,
  readStdin: readStdinOnce,
  writeStdoutJson,
  writeStderrText,
  configureLog: (options) => configureLog(options),
};

/**
 * The front (docs/agent-server.md): a verb other than VERSION goes to the node agent's CNI server when one answers;
 * its stdout document and exit code become ours. undefined: run the verb in this process (the reason is logged).
 */
async function offerToAgent(): Promise<number | undefined> {
  const verb = process.env.CNI_COMMAND ?? '';
  if (verb === '' || verb === 'VERSION' || process.env.HNS_CNI_AGENT === 'off') return undefined;
  const front = frontOrigin();
  if (front !== undefined) {
    // The native front offered the verb already; it says why the agent did not take it.
    const { logFallback } = await import('./agent-link/front.js');
    logFallback(front.fallback ?? 'the front did not say');
    return undefined;
  }
  let input: Buffer;
  try {
    input = readStdinOnce();
  } catch {
    return undefined; // the in-process path reports it as a CNI error
  }
  const { offerToAgent: offer, logFallback } = await import('./agent-link/front.js');
  const outcome = await offer(process.env, input, process.execPath);
  if ('fallback' in outcome) {
    logFallback(outcome.fallback);
    return undefined;
  }
  if (outcome.forwarded.out.length > 0) writeStdoutBytes(outcome.forwarded.out);
  return outcome.forwarded.code;
}

async function runCommand(name: string, argv: string[]): Promise<number> {
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    const { printError } = await import('./commands/output.js');
    printError(`hns-cni: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  setLogContext({ verb: name });
  await configureLog({});
  let commandMain: Awaited<ReturnType<typeof entry.load>>;
  try {
    commandMain = await entry.load();
  } catch (e) {
    const { printError } = await import('./commands/output.js');
    printError(`hns-cni: command "${name}" is not available in this build: ${(e as Error).message}`);
    log.error('command failed to load', { command: name, error: e });
    return 1;
  }
  return commandMain(argv);
}

let cniMode = false;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    cniMode = true;
    const forwarded = await offerToAgent();
    if (forwarded !== undefined) return forwarded;
    return runCni(async () => (await import('./plugin/index.js')).handlers, processIo);
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    (await import('./commands/output.js')).printText(usage());
    return 0;
  }
  if (first === '--version' || first === '-v') {
    const { printText } = await import('./commands/output.js');
    printText(`hns-cni ${packageJson.version} (CNI spec ${SUPPORTED_VERSIONS.join(', ')}; Node ${process.version})`);
    return 0;
  }
  return runCommand(first, rest);
}

/** Ends the process once the log is on disk; an explicit exit so a stray handle cannot keep a CNI call hanging. */
async function finish(code: number): Promise<never> {
  await closeLog();
  exitProcess(code);
}

/** Last resort: a bug escaped every handler. In CNI mode the runtime still gets one well-formed error document. */
function crash(error: unknown): void {
  log.error('unexpected exception', { error });
  if (cniMode && !hasWrittenStdout()) {
    try {
      writeStdoutJson(toErrorReply(error, SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.length - 1]!));
    } catch {
      // stdout is gone; the exit code still tells the runtime.
    }
  }
  void finish(1);
}

/** One invocation. In the executable it runs after V8 deserialised the start-up snapshot (src/snapshot.ts). */
function start(): void {
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  main(takeFrontArguments(process.argv.slice(2))).then(finish, crash);
}

if (isBuildingSnapshot()) prepareSnapshot(start);
else start();
