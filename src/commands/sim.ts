// `hns-cni sim ...`: the HNS simulator's operator side.
//   serve [--listen 127.0.0.1:PORT] [--state FILE]     serve the stub wire protocol; prints host:port first
//   stats [--json]                                     call counters, objects, faults, vSwitch blips, stub memory
//   reset [--options]                                  forget every object/counter/fault (--options: also options)
//   fault --fn F [--nth N] [--times N|--always] (--hr H | --hang MS | --late MS | --kill)  |  fault --list | --clear
//   latency --ms N [--fn F]  |  latency --clear
//   options [--set key=value ...] [--json]
//   container --create ID [--owner NAME] | --delete ID | --list [--json]   HCS compute systems (what a container
//                                                      runtime creates; a v1 CNI plugin attaches endpoints to them)
//   listen ... | routes ...                            the simulated node's sockets and routing table (sim-host.ts)
// Every subcommand takes --state FILE (default HNS_CNI_SIM_STATE, else <tmpdir>/hns-cni-sim/state.json).
import { createComputeSystem, deleteComputeSystem } from '../hns/sim/compute-systems.js';
import { SIM_FUNCTIONS } from '../hns/sim/functions.js';
import { type FaultSpec, faultFromSpec, isHcnFunction, statsOf } from '../hns/sim/instrumentation.js';
import { describeOptions, parseOptionValue, type SimOptions } from '../hns/sim/options.js';
import { startSimServer } from '../hns/sim/server.js';
import { defaultStateFile, readState, resetState, transact } from '../hns/sim/state-file.js';
import { printError, printJson, printTable, printText } from './output.js';
import { parse, UsageError } from './sim-args.js';
import { listen, routes } from './sim-host.js';

const USAGE = `usage: hns-cni sim <serve|stats|reset|fault|latency|options|container|listen|routes> [--state FILE] ...
  serve   [--listen 127.0.0.1:PORT]
  stats   [--json]
  reset   [--options]
  fault   --fn FUNCTION [--nth N] [--times N | --always] (--hr HRESULT | --hang MS | --late MS | --kill)
  fault   --list | --clear
  latency --ms N [--fn FUNCTION] | --clear
  options [--set key=value ...] [--json]
  container --create ID [--owner NAME] | --delete ID | --list [--json]
  listen  (--tcp PORT | --udp PORT) [--address ADDR] [--pid N] [--process NAME] [--remove]
  listen  --list [--json] | --clear
  routes  [--json] | --add PREFIX --via HOP [--if INDEX] [--metric N] | --delete PREFIX --via HOP [--if INDEX]
functions: ${SIM_FUNCTIONS.join(', ')}`;

type Sub = (argv: string[], stateFile: string) => Promise<number>;

const SUBCOMMANDS: Record<string, Sub> = { serve, stats, reset, fault, latency, options, container, listen, routes };

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    printText(USAGE);
    return sub === undefined ? 2 : 0;
  }
  const run = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  if (run === undefined) {
    printError(`hns-cni sim: unknown subcommand "${sub}"\n${USAGE}`);
    return 2;
  }
  const { stateFile, others } = takeStateOption(rest);
  try {
    return await run(others, stateFile);
  } catch (e) {
    printError(`hns-cni sim ${sub}: ${(e as Error).message}${e instanceof UsageError ? `\n${USAGE}` : ''}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

function takeStateOption(argv: string[]): { stateFile: string; others: string[] } {
  const i = argv.indexOf('--state');
  if (i < 0 || argv[i + 1] === undefined) return { stateFile: defaultStateFile(), others: argv };
  return { stateFile: argv[i + 1]!, others: [...argv.slice(0, i), ...argv.slice(i + 2)] };
}

async function serve(argv: string[], stateFile: string): Promise<number> {
  const v = parse(argv, { listen: { type: 'string', default: '127.0.0.1:0' } });
  const listen = String(v.listen);
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(listen.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bad --listen ${listen}`);
  const server = await startSimServer({ host, port, stateFile });
  // The first stdout line is the address: tests and scripts read it to set HNS_CNI_STUB_ADDR.
  printText(server.address);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
  return 0;
}

async function stats(argv: string[], stateFile: string): Promise<number> {
  const v = parse(argv, { json: { type: 'boolean', default: false } });
  const s = statsOf(readState(stateFile));
  if (v.json) {
    printJson({ stateFile, ...s });
    return 0;
  }
  printText(`state file: ${stateFile}\nHNS version: ${s.hnsVersion}`);
  printText(
    `objects: ${s.objects.networks} networks, ${s.objects.endpoints} endpoints, ${s.objects.namespaces} namespaces, ` +
      `${s.objects.loadBalancers} load balancers, ${s.objects.routes} SDN routes, ` +
      `${s.objects.computeSystems} compute systems; ` +
      `${s.openHandles} open handles`,
  );
  const calls = Object.entries(s.calls).map(([fn, n]) => [fn, String(n)]);
  printTable(['FUNCTION', 'CALLS'], [...calls, ['total', String(s.totalCalls)]]);
  if (s.faults.length > 0) {
    printTable(
      ['FAULT FN', 'NTH', 'TIMES', 'ACTION', 'SEEN', 'FIRED'],
      s.faults.map((f) => [
        f.fn,
        String(f.nth),
        f.times === 0 ? 'always' : String(f.times),
        f.action,
        String(f.seen),
        String(f.fired),
      ]),
    );
  }
  const switches = Object.entries(s.vswitches).map(([a, ids]) => `${a} (${ids.length} networks)`);
  printText(`vSwitches: ${switches.join(', ') || 'none'}; blips: ${s.blips.count}`);
  printText(
    `stub: ${s.stub.allocated} out-strings sent, ${s.stub.freed} freed, ${s.stub.outstanding} outstanding ` +
      `(${s.stub.processesReported}/${s.stub.processes} processes reported)`,
  );
  return 0;
}

async function reset(argv: string[], stateFile: string): Promise<number> {
  const v = parse(argv, { options: { type: 'boolean', default: false } });
  await resetState(stateFile, !v.options);
  printText(`simulator state reset (${stateFile})`);
  return 0;
}

async function fault(argv: string[], stateFile: string): Promise<number> {
  const v = parse(argv, {
    fn: { type: 'string' },
    nth: { type: 'string' },
    times: { type: 'string' },
    always: { type: 'boolean', default: false },
    hr: { type: 'string' },
    hang: { type: 'string' },
    late: { type: 'string' },
    kill: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    clear: { type: 'boolean', default: false },
  });
  if (v.clear) {
    await transact(stateFile, (s) => {
      s.faults = [];
    });
    printText('faults cleared');
    return 0;
  }
  if (v.list) {
    printJson(statsOf(readState(stateFile)).faults);
    return 0;
  }
  if (v.fn === undefined) throw new UsageError('--fn is required');
  const spec: FaultSpec = { fn: v.fn };
  if (v.nth !== undefined) spec.nth = Number(v.nth);
  if (v.always) spec.times = 0;
  else if (v.times !== undefined) spec.times = Number(v.times);
  if (v.hr !== undefined) spec.hr = v.hr;
  if (v.hang !== undefined) spec.hangMs = Number(v.hang);
  if (v.late !== undefined) spec.lateMs = Number(v.late);
  if (v.kill) spec.kill = true;
  const f = faultFromSpec(spec);
  await transact(stateFile, (s) => {
    s.faults.push(f);
  });
  printText(
    `fault set: ${f.fn} call #${f.nth}${f.times === 1 ? '' : f.times === 0 ? ' and every later call' : ` (+${f.times - 1})`}`,
  );
  return 0;
}

async function latency(argv: string[], stateFile: string): Promise<number> {
  const v = parse(argv, { ms: { type: 'string' }, fn: { type: 'string' }, clear: { type: 'boolean', default: false } });
  if (v.clear) {
    await transact(stateFile, (s) => {
      s.latencyMs = {};
    });
    printText('latency cleared');
    return 0;
  }
  const ms = Number(v.ms);
  if (v.ms === undefined || !Number.isFinite(ms) || ms < 0) throw new UsageError('--ms N is required');
  const fn = v.fn ?? '*';
  if (fn !== '*' && !isHcnFunction(fn)) throw new UsageError(`unknown function ${fn}`);
  await transact(stateFile, (s) => {
    s.latencyMs[fn] = ms;
  });
  printText(`latency ${fn}: ${ms} ms`);
  return 0;
}

async function options(argv: string[], stateFile: string): Promise<number> {
  const v = parse(argv, { set: { type: 'string', multiple: true }, json: { type: 'boolean', default: false } });
  const changes: Partial<SimOptions> = {};
  for (const kv of v.set ?? []) {
    const eq = kv.indexOf('=');
    if (eq < 0) throw new UsageError(`--set needs key=value, got ${kv}`);
    const key = kv.slice(0, eq);
    Object.assign(changes, { [key]: parseOptionValue(key, kv.slice(eq + 1)) });
  }
  const current =
    Object.keys(changes).length === 0
      ? readState(stateFile).options
      : await transact(stateFile, (s) => {
          Object.assign(s.options, changes);
          return s.options;
        });
  const shown = describeOptions(current);
  if (v.json) printJson(shown);
  else
    printTable(
      ['OPTION', 'VALUE'],
      Object.entries(shown).map(([k, val]) => [k, Array.isArray(val) ? val.join(',') : String(val)]),
    );
  return 0;
}

/** HCS compute systems: the containers a v1 plugin's hot attach (hcsshim HotAttachEndpoint) opens by id. */
async function container(argv: string[], stateFile: string): Promise<number> {
  const v = parse(argv, {
    create: { type: 'string' },
    delete: { type: 'string' },
    owner: { type: 'string' },
    list: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  if (v.create !== undefined) {
    const id = v.create;
    const system = await transact(stateFile, (s) => createComputeSystem(s, id, v.owner));
    if (v.json) printJson(system);
    else printText(`compute system ${system.Id} created (compartment ${system.CompartmentId})`);
    return 0;
  }
  if (v.delete !== undefined) {
    const id = v.delete;
    await transact(stateFile, (s) => deleteComputeSystem(s, id));
    printText(`compute system ${id} deleted`);
    return 0;
  }
  if (!v.list) throw new UsageError('container needs --create ID, --delete ID or --list');
  const systems = Object.values(readState(stateFile).computeSystems);
  if (v.json) printJson(systems);
  else
    printTable(
      ['ID', 'OWNER', 'COMPARTMENT'],
      systems.map((s) => [s.Id, s.Owner, String(s.CompartmentId)]),
    );
  return 0;
}
