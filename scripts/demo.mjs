// The demo behind `npm run demo`: the built plugin (dist/hns-cni) gives three pods a network in transparent mode,
// on the built-in HNS simulator, exactly as containerd would call it; then shows what HNS and the IPAM hold, and
// cleans up with DEL.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const exe = path.resolve('dist/hns-cni');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-cni-demo-'));
const env = {
  ...process.env,
  HNS_CNI_HCN: 'sim',
  HNS_CNI_SIM_STATE: path.join(work, 'hns-state.json'),
  HNS_CNI_DATA_DIR: path.join(work, 'data'),
  HNS_CNI_LOG: path.join(work, 'hns-cni.log'),
};
const config = {
  cniVersion: '1.0.0',
  name: 'k8s-pods',
  type: 'hns-cni',
  mode: 'transparent',
  clusterCIDR: '10.244.0.0/16',
  serviceCIDR: '10.96.0.0/12',
  ipam: { subnet: '10.244.3.0/24' },
};

function run(args, extraEnv = {}, input = '') {
  const r = spawnSync(exe, args, { env: { ...env, ...extraEnv }, input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`hns-cni ${args.join(' ')} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

function cni(verb, containerId, netns) {
  const extra = { CNI_COMMAND: verb, CNI_CONTAINERID: containerId, CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_PATH: '' };
  const out = run([], { ...extra, CNI_PATH: path.dirname(exe) }, JSON.stringify(config));
  return out.trim() === '' ? undefined : JSON.parse(out);
}

function section(title) {
  console.log(`\n\x1b[1m== ${title}\x1b[0m`);
}

try {
  section('The network configuration (the minimal transparent config)');
  console.log(JSON.stringify(config));
  const pods = ['nginx-7c5ddbdf54-x2k9q', 'redis-0', 'coredns-5d78c9869d-4lbjz'].map((name, i) => ({
    name,
    containerId: `${(i + 1).toString(16).repeat(8)}${name.replace(/[^a-z0-9]/g, '').slice(0, 8)}`,
  }));

  for (const pod of pods) {
    pod.netns = JSON.parse(run(['hns', 'namespace-create', '--json'])).ID;
    const result = cni('ADD', pod.containerId, pod.netns);
    section(`ADD ${pod.name} → namespace ${pod.netns}`);
    for (const [i, itf] of result.interfaces.entries()) {
      const ips = result.ips.filter((ip) => ip.interface === i).map((ip) => `${ip.address} gw ${ip.gateway}`);
      console.log(`  ${itf.name.padEnd(8)} mac ${itf.mac}  ${ips.join(', ') || '(address assigned by HNS NAT)'}`);
    }
    for (const r of result.routes) console.log(`  route ${r.dst.padEnd(14)} via ${r.gw}`);
  }

  section('HNS networks (hns-cni hns networks)');
  process.stdout.write(run(['hns', 'networks']));
  section('HNS endpoints (hns-cni hns endpoints)');
  process.stdout.write(run(['hns', 'endpoints']));
  section('IPAM allocations (hns-cni ipam)');
  process.stdout.write(run(['ipam']));
  section('HCN calls made, counted by the simulator (hns-cni sim stats)');
  process.stdout.write(run(['sim', 'stats']));

  for (const pod of pods) cni('DEL', pod.containerId, pod.netns);
  section('After DEL of the three pods: endpoints and allocations are gone, the networks stay');
  process.stdout.write(run(['hns', 'endpoints']));
  process.stdout.write(run(['ipam']));
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
