// subnetFrom "flannel": flannel writes subnet.env (FLANNEL_NETWORK, FLANNEL_SUBNET=10.244.3.1/24, FLANNEL_IPV6_*,
// FLANNEL_MTU, FLANNEL_IPMASQ). FLANNEL_SUBNET carries the gateway (.1) as its address: the node subnet is its
// network. flannel's host-gw backend puts the host endpoint at .2, which the pool keeps out by default.
import * as fs from 'node:fs';
import { CNI_CODE, CniError } from '../../cni/errors.js';
import { formatCidr, parseCidr } from '../cidr.js';
import type { NodeSubnets } from './types.js';

export function readFlannelSubnets(file: string): NodeSubnets {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // flannel writes the file once it has a lease: until then, pods must wait rather than fail for good.
    throw new CniError(
      code === 'ENOENT' ? CNI_CODE.TRY_AGAIN_LATER : CNI_CODE.INVALID_CONFIG,
      `flannel subnet file ${file} cannot be read (${code ?? 'error'})`,
      'is flanneld running on this node? ipam.subnetFile names the file',
    );
  }
  const vars = parseEnvFile(text);
  const bad = (msg: string) => new CniError(CNI_CODE.INVALID_CONFIG, `flannel subnet file ${file}: ${msg}`);
  const subnetText = vars.get('FLANNEL_SUBNET');
  if (subnetText === undefined) throw bad('FLANNEL_SUBNET is missing');
  const v4 = parseCidr(subnetText);
  if (v4?.family !== 4 || v4.prefix > 30) throw bad(`FLANNEL_SUBNET ${JSON.stringify(subnetText)} is not an IPv4 CIDR`);
  const result: NodeSubnets = { v4, origin: file };
  const network = vars.get('FLANNEL_NETWORK');
  if (network !== undefined) {
    const c = parseCidr(network);
    if (c?.family !== 4) throw bad(`FLANNEL_NETWORK ${JSON.stringify(network)} is not an IPv4 CIDR`);
    result.clusterCidr = formatCidr(c);
  }
  const subnet6 = vars.get('FLANNEL_IPV6_SUBNET');
  if (subnet6 !== undefined) {
    const c = parseCidr(subnet6);
    if (c?.family !== 6 || c.prefix < 64 || c.prefix > 126) {
      throw bad(`FLANNEL_IPV6_SUBNET ${JSON.stringify(subnet6)} is not an IPv6 CIDR between /64 and /126`);
    }
    result.v6 = c;
  }
  const network6 = vars.get('FLANNEL_IPV6_NETWORK');
  if (network6 !== undefined) {
    const c = parseCidr(network6);
    if (c?.family !== 6) throw bad(`FLANNEL_IPV6_NETWORK ${JSON.stringify(network6)} is not an IPv6 CIDR`);
    result.clusterCidr6 = formatCidr(c);
  }
  return result;
}

/** KEY=VALUE lines; blank lines and # comments ignored; surrounding quotes and CRs (Windows editors) stripped. */
function parseEnvFile(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    vars.set(
      line.slice(0, eq).trim(),
      line
        .slice(eq + 1)
        .trim()
        .replace(/^(["'])(.*)\1$/, '$2'),
    );
  }
  return vars;
}
