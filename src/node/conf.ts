// The networks the node serves, read the way containerd reads them: the first file of the CNI conf dir in lexical
// order (*.conflist, *.conf, *.json), and in it every plugin of type hns-cni, with the list's name and cniVersion as
// libcni passes them. Each is loaded by the same loadNetConf as a pod's ADD, so the agent prepares exactly what the
// plugin will look for.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadNetConf } from '../config/load.js';
import type { NetConf } from '../config/types.js';

export const HNS_CNI_TYPE = 'hns-cni';
const CONF_EXTENSIONS = ['.conf', '.conflist', '.json'];

/** containerd's default on Windows; the CNI convention elsewhere. */
export function defaultConfDir(platform = process.platform): string {
  return platform === 'win32' ? 'C:\\Program Files\\containerd\\cni\\conf' : '/etc/cni/net.d';
}

export function defaultBinDir(platform = process.platform): string {
  return platform === 'win32' ? 'C:\\Program Files\\containerd\\cni\\bin' : '/opt/cni/bin';
}

export interface NodeConfigs {
  /** The file containerd would use; undefined when the dir has none. */
  file?: string;
  networks: NetConf[];
}

export function firstConfFile(confDir: string): string | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(confDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const candidates = names.filter((n) => CONF_EXTENSIONS.includes(path.extname(n).toLowerCase())).sort();
  return candidates.length > 0 ? path.join(confDir, candidates[0]!) : undefined;
}

/** The hns-cni networks of the conf dir's first file. A file that does not parse is an error naming it. */
export function readNodeConfigs(confDir: string): NodeConfigs {
  const file = firstConfFile(confDir);
  if (file === undefined) return { networks: [] };
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: not a JSON network configuration (${(e as Error).message})`);
  }
  const plugins = Array.isArray(doc.plugins) ? (doc.plugins as Record<string, unknown>[]) : [doc];
  const networks: NetConf[] = [];
  for (const plugin of plugins) {
    if (plugin.type !== HNS_CNI_TYPE) continue;
    const conf = Array.isArray(doc.plugins) ? { ...plugin, name: doc.name, cniVersion: doc.cniVersion } : plugin;
    try {
      networks.push(loadNetConf(conf));
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
  }
  return { file, networks };
}
