// The cost of the log on a no-op ADD, in process: the full CNI flow (env, stdin envelope, versions, result
// conversion) with a handler that returns a fixed result, run N times with the winston file sink (opened, written
// and closed per iteration, as each plugin process does) and N times with logging switched off.
// Prints the per-invocation medians and their ratio. Usage: node --import tsx scripts/bench/logging.ts [iterations]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type CniIo, type PluginHandlers, runCni } from '../../src/cni/dispatch.js';
import { closeLog, configureLog, log, resetLogForTests, setLogSink } from '../../src/log/logger.js';

const iterations = Number(process.argv[2] ?? 200);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-cni-bench-log-'));
const logFile = path.join(dir, 'hns-cni.log');

const stdin = Buffer.from(JSON.stringify({ cniVersion: '1.0.0', name: 'bench', type: 'hns-cni' }));
const env = {
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'bench-container',
  CNI_NETNS: '9f3c5e0a-0000-4000-8000-000000000001',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=bench',
  HNS_CNI_LOG: logFile,
};

const noopAdd: PluginHandlers<Record<string, unknown>> = {
  loadConfig: (raw) => raw,
  add: async () => {
    log.info('endpoint ready', { endpoint: 'e0', ip: '10.0.0.5/24' }); // a handler's typical line
    return { cniVersion: '1.0.0', ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1' }] };
  },
  del: async () => {},
  check: async () => {},
  gc: async () => {},
  status: async () => {},
};

function io(withLog: boolean): CniIo {
  return {
    env,
    platform: process.platform,
    readStdin: () => stdin,
    writeStdoutJson: () => {},
    writeStderrText: () => {},
    configureLog: withLog ? (options) => configureLog(options, env) : async () => {},
  };
}

const closeTimes: number[] = [];

async function once(withLog: boolean): Promise<number> {
  resetLogForTests();
  if (!withLog) setLogSink(() => {});
  const start = performance.now();
  const code = await runCni(async () => noopAdd, io(withLog));
  const closing = performance.now();
  await closeLog(); // what main awaits before process.exit: the lines are on disk when it resolves
  if (withLog) closeTimes.push(performance.now() - closing);
  if (code !== 0) throw new Error(`no-op ADD failed with exit code ${code}`);
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// Interleave the two variants so machine load affects both alike; warm up first (JIT, winston's first load).
for (let i = 0; i < 10; i++) {
  await once(true);
  await once(false);
}
const withLog: number[] = [];
const withoutLog: number[] = [];
for (let i = 0; i < iterations; i++) {
  withLog.push(await once(true));
  withoutLog.push(await once(false));
}
const lines = fs.readFileSync(logFile, 'utf8').trim().split('\n').length;
fs.rmSync(dir, { recursive: true, force: true });

const a = median(withLog);
const b = median(withoutLog);
console.log(`logging: no-op ADD in process, ${iterations} iterations, ${lines} lines written`);
console.log(`logging: median with file log ${a.toFixed(3)} ms, without ${b.toFixed(3)} ms`);
console.log(`logging: of which waiting for the flush at exit (closeLog) ${median(closeTimes).toFixed(3)} ms`);
console.log(`logging: ratio with/without ${(a / b).toFixed(2)}x (+${(a - b).toFixed(3)} ms per invocation)`);
