// `hns-cni ipam [--network NAME] [--json] [--data-dir DIR]`: every allocation (network, subnet, address, container
// id, ifname, since) and the pool usage. Read-only and lock-free (src/ipam/snapshot.ts): safe while pods start.
import { defaultIpamDataDir } from '../ipam/config.js';
import { listNetworks, type NetworkSnapshot, readNetworkSnapshot } from '../ipam/snapshot.js';
import { printError, printJson, printTable, printText } from './output.js';

const USAGE = 'usage: hns-cni ipam [--network NAME] [--json] [--data-dir DIR]';

interface Args {
  network?: string;
  json: boolean;
  dataDir: string;
}

function parseArgs(argv: string[]): Args | string {
  const args: Args = { json: false, dataDir: defaultIpamDataDir() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === '--json') args.json = true;
      else if (a === '--network') args.network = value();
      else if (a === '--data-dir') args.dataDir = value();
      else if (a === '--help' || a === '-h') return USAGE;
      else return `unknown argument ${a}\n${USAGE}`;
    } catch (e) {
      return `${(e as Error).message}\n${USAGE}`;
    }
  }
  return args;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    if (args === USAGE) {
      printText(USAGE);
      return 0;
    }
    printError(args);
    return 2;
  }
  const networks = args.network === undefined ? listNetworks(args.dataDir) : [args.network];
  let snapshots: NetworkSnapshot[];
  try {
    snapshots = networks.map((n) => readNetworkSnapshot(args.dataDir, n));
  } catch (e) {
    printError(`hns-cni ipam: ${(e as Error).message}`);
    return 1;
  }
  if (args.json) {
    printJson({ dataDir: args.dataDir, networks: snapshots });
    return 0;
  }
  if (snapshots.length === 0) {
    printText(`no IPAM stores in ${args.dataDir}`);
    return 0;
  }
  for (const s of snapshots) {
    const usage = s.pools.map((p) => `${p.subnet}: ${p.held} of ${p.usable} held`).join(', ');
    printText(`network ${s.network}  ${usage || s.problem || ''}`);
    if (s.allocations.length > 0) {
      printTable(
        ['SUBNET', 'ADDRESS', 'CONTAINER', 'IFNAME', 'SINCE'],
        s.allocations.map((a) => [
          a.subnet,
          a.address,
          a.containerId,
          a.ifName,
          a.recovered ? `${a.since} (recovered)` : a.since,
        ]),
      );
    }
  }
  return 0;
}
