// The executable's V8 start-up snapshot (docs/build.md, "Start-up snapshot"). With `useSnapshot` the build runs the
// main script once, at build time, on the target platform's own Node, and V8 saves the heap: each pod start then
// begins with the modules below already initialised (config schemas, winston, the planner, the plugin's handlers)
// instead of evaluating ~400 modules and compiling zod's validators again.
// What must differ per process is not decided here: the invocation id is drawn on first use (log/logger.ts); the
// environment, argv, stdin and the log file are read only once the deserialised main function runs; koffi (a native
// module, which a snapshot cannot hold) is loaded on first use (hns/ffi/koffi-loader.ts).
import { constants } from 'node:os';
import { startupSnapshot } from 'node:v8';
import { resetLogState } from './log/logger.js';

/** True while the build runs the main script to make the snapshot. */
export function isBuildingSnapshot(): boolean {
  return startupSnapshot.isBuildingSnapshot();
}

/**
 * Initialises what every CNI verb needs, then hands `start` to V8 as the function each process runs after
 * deserialising the heap. Only module initialisation and pure work happen here: no file, socket or timer may stay
 * open (a snapshot cannot hold them) and nothing about this machine or this run may be remembered.
 */
export function prepareSnapshot(start: () => void): void {
  let detached: SignalListeners = [];
  startupSnapshot.setDeserializeMainFunction(() => {
    reattachSignalListeners(detached);
    start();
  });
  initialiseModules().then(
    () => {
      resetLogState();
      detached = detachSignalListeners();
    },
    (error: unknown) => {
      // A module that cannot initialise here would fail every pod start: fail the build instead.
      process.exitCode = 1;
      throw error;
    },
  );
}

async function initialiseModules(): Promise<void> {
  const [config] = await Promise.all([
    import('./config/load.js'), // config schemas and loader
    import('./plugin/index.js'), // planner, handlers
    import('./plugin/host-network.js'), // imported by every ADD
    import('./log/file-sink.js'), // winston
    // The backend the platform's ADD uses: the FFI's JavaScript side on Windows (koffi itself loads on first call),
    // the in-process simulator elsewhere (tests, benchmarks).
    process.platform === 'win32' ? import('./hns/ffi/abi.js') : import('./hns/sim/abi.js'),
  ]);
  // zod compiles a validator for each object schema on its first parse: do that once here, for the config every
  // node starts from (the issue-5 minimal config), so that no pod start pays for it.
  config.loadNetConf(WARM_UP_CONFIG);
}

const WARM_UP_CONFIG = {
  cniVersion: '1.1.0',
  name: 'snapshot',
  type: 'hns-cni',
  mode: 'l2bridge',
  clusterCIDR: '10.244.0.0/16',
  serviceCIDR: '10.96.0.0/12',
  ipam: { subnet: '10.244.3.0/24' },
};

type SignalListeners = [NodeJS.Signals, ((...args: unknown[]) => void)[]][];

/**
 * A snapshot cannot hold a signal watcher, and a module may install some when it loads (signal-exit does; it came with
 * proper-lockfile, which the locks no longer use). Any are taken off for the snapshot and put back in every process.
 */
function detachSignalListeners(): SignalListeners {
  const detached: SignalListeners = [];
  for (const signal of Object.keys(constants.signals) as NodeJS.Signals[]) {
    const listeners = process.listeners(signal) as ((...args: unknown[]) => void)[];
    if (listeners.length === 0) continue;
    detached.push([signal, listeners]);
    process.removeAllListeners(signal);
  }
  return detached;
}

function reattachSignalListeners(detached: SignalListeners): void {
  for (const [signal, listeners] of detached) for (const listener of listeners) process.on(signal, listener);
}
