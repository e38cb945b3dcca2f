// IPAM allocation cost against pool fill: one allocation (lock, read state, find a free slot, two atomic writes)
// timed with the pool empty, 50% and 99% full (/24), and a /16 half full, as ratios to the empty /24 measured in
// the same run. Pools are pre-filled by writing allocation files directly (no fsync: 32k fsynced allocations would
// take minutes) and letting the store rebuild from them once, untimed; then allocations are timed through the
// public API. Run: node --import tsx scripts/bench/ipam.ts
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatAddress, parseAddress, parseCidr } from '../../src/ipam/cidr.js';
import { openIpam } from '../../src/ipam/ipam.js';
import { keyStem } from '../../src/ipam/keys.js';
import { STORE_VERSION } from '../../src/ipam/store.js';

const SAMPLES = Number(process.env.IPAM_BENCH_SAMPLES ?? 30);

async function fillAndMeasure(subnet: string, fill: number, label: string): Promise<number> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipam-bench-'));
  try {
    const ipam = await openIpam({ subnet, dataDir }, { network: 'bench', hostEndpoint: true });
    const usable = ipam.pools[0]!.usable;
    const target = Math.floor(usable * fill);
    const samples = Math.min(SAMPLES, usable - target);
    prefill(path.join(dataDir, 'bench', 'alloc'), subnet, ipam.pools[0]!.rangeStart, target);
    // The first write transaction finds no state.json and rebuilds it from the files (once, untimed).
    await ipam.release({ containerId: 'warm-up', ifName: 'eth0' });
    // Each probe is allocated (timed) then released, so the fill level stays put.
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = process.hrtime.bigint();
      await ipam.allocate({ containerId: `probe-${i}`, ifName: 'eth0' });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      await ipam.release({ containerId: `probe-${i}`, ifName: 'eth0' });
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    console.log(
      `ipam: ${label.padEnd(22)} held ${String(target).padStart(5)}/${usable}  median ${median.toFixed(2)} ms`,
    );
    return median;
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Writes `count` allocation files in the store's format, for consecutive addresses after the gateway and .2. */
function prefill(allocDir: string, subnet: string, rangeStart: string, count: number): void {
  fs.mkdirSync(allocDir, { recursive: true });
  const cidr = parseCidr(subnet)!;
  const first = parseAddress(rangeStart)!.value + 2n; // skip the gateway (.1) and the host endpoint (.2)
  const since = new Date().toISOString();
  for (let i = 0; i < count; i++) {
    const key = { containerId: `fill-${i}`, ifName: 'eth0' };
    const address = `${formatAddress(4, first + BigInt(i))}/${cidr.prefix}`;
    fs.writeFileSync(
      path.join(allocDir, `${keyStem(key)}.json`),
      JSON.stringify({ version: STORE_VERSION, ...key, ips: [{ address }], since }),
    );
  }
}

const baseline = await fillAndMeasure('10.0.0.0/24', 0, '/24 empty');
const rows: Array<[string, number]> = [
  ['/24 50% full', await fillAndMeasure('10.0.0.0/24', 0.5, '/24 50% full')],
  ['/24 99% full', await fillAndMeasure('10.0.0.0/24', 0.99, '/24 99% full')],
  ['/16 50% full', await fillAndMeasure(process.env.IPAM_BENCH_BIG ?? '10.1.0.0/16', 0.5, '/16 50% full')],
];
for (const [label, ms] of rows) console.log(`ipam: ratio ${label} / empty /24 = ${(ms / baseline).toFixed(2)}`);
