// Installing hns-cni on a node without Kubernetes-managed install (and the DaemonSet's init step): the executable
// into the CNI bin dir, the conflist into the CNI conf dir, both recorded (`<data dir>/install.json`, with their
// SHA-256) so an upgrade replaces only what hns-cni wrote and an uninstall removes exactly that.
//
// The executable is replaced by rename-then-replace: the new copy is written next to the target under a temporary
// name, the current file is renamed aside (Windows lets a running executable be renamed, not overwritten), the new
// one renamed into place, and the old one deleted when nothing runs it any more (a later install or the uninstall
// retries). A CNI call that started the old binary keeps running it to the end; the next one starts the new one.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../store/atomic-file.js';
import { firstConfFile } from './conf.js';

export const CONFLIST_NAME = '10-hns-cni.conflist';

export function executableName(platform = process.platform): string {
  return platform === 'win32' ? 'hns-cni.exe' : 'hns-cni';
}

export interface InstallRecord {
  version: 1;
  installedAt: string;
  /** The front (before the pair: the one executable) last installed. */
  binary?: { path: string; sha256: string };
  /** Every front installed into the bin dir (hns-cni.exe and/or anchors' names); they share one engine. */
  fronts?: { path: string; sha256: string }[];
  /** The engine beside the fronts (hns-cni-engine.exe). */
  engine?: { path: string; sha256: string };
  conflist?: { path: string; sha256: string };
}

const recordFile = (dataDir: string) => path.join(dataDir, 'install.json');

export function readInstallRecord(dataDir: string): InstallRecord {
  const text = readFileIfExists(recordFile(dataDir));
  return text === undefined ? { version: 1, installedAt: '' } : (JSON.parse(text) as InstallRecord);
}

export function writeInstallRecord(dataDir: string, record: InstallRecord): void {
  writeFileAtomic(recordFile(dataDir), `${JSON.stringify(record, null, 2)}\n`);
}

export function sha256Of(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Files set aside by earlier upgrades: `<exe>.old-<ms>`. */
function setAside(binDir: string, exe: string): string[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(binDir);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(`${exe}.old-`)).map((n) => path.join(binDir, n));
}

/** Deletes what it can of the set-aside copies; returns what is still in use (Windows refuses to delete those). */
export function removeSetAside(binDir: string, exe = executableName()): string[] {
  const left: string[] = [];
  for (const file of setAside(binDir, exe)) {
    try {
      fs.rmSync(file, { force: true });
    } catch {
      left.push(file);
    }
  }
  return left;
}

export interface BinaryOutcome {
  path: string;
  action: 'installed' | 'upgraded' | 'unchanged';
  sha256: string;
  /** Old copies still in use, to be deleted by a later install or the uninstall. */
  inUse: string[];
}

export function installBinary(source: string, binDir: string, exe = executableName()): BinaryOutcome {
  const target = path.join(binDir, exe);
  const sha256 = sha256Of(source);
  fs.mkdirSync(binDir, { recursive: true });
  if (fs.existsSync(target) && sha256Of(target) === sha256) {
    return { path: target, action: 'unchanged', sha256, inUse: removeSetAside(binDir, exe) };
  }
  const staged = `${target}.new-${process.pid}`;
  fs.copyFileSync(source, staged);
  fs.chmodSync(staged, 0o755);
  const existed = fs.existsSync(target);
  if (existed) fs.renameSync(target, `${target}.old-${Date.now()}`);
  fs.renameSync(staged, target);
  return { path: target, action: existed ? 'upgraded' : 'installed', sha256, inUse: removeSetAside(binDir, exe) };
}

export interface ConflistFacts {
  name: string;
  mode: string;
  clusterCIDR: string;
  serviceCIDR: string;
  subnet: string;
  subnet6?: string;
}

/** The conflist install writes: the minimal config, with the node's pod subnet given directly. */
export function conflistFor(f: ConflistFacts): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    name: f.name,
    plugins: [
      {
        type: 'hns-cni',
        mode: f.mode,
        clusterCIDR: f.clusterCIDR,
        serviceCIDR: f.serviceCIDR,
        capabilities: { portMappings: true, dns: true, 'io.kubernetes.cri.pod-annotations': true },
        ipam: { subnet: f.subnet, ...(f.subnet6 !== undefined && { subnet6: f.subnet6 }) },
      },
    ],
  };
}

export interface ConflistOutcome {
  path: string;
  action: 'written' | 'unchanged' | 'kept' | 'replaced';
  sha256?: string;
  /** Why the file was kept, or which other file containerd will read first. */
  note?: string;
}

/**
 * Writes the conflist unless an operator's file is in the way: a file at our path whose content hns-cni did not
 * write (its hash is not the recorded one) is kept, unless `force`.
 */
export function installConflist(
  confDir: string,
  doc: Record<string, unknown>,
  recorded: InstallRecord['conflist'],
  force: boolean,
): ConflistOutcome {
  const file = path.join(confDir, CONFLIST_NAME);
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const sha256 = createHash('sha256').update(text).digest('hex');
  const existing = fs.existsSync(file) ? sha256Of(file) : undefined;
  let action: ConflistOutcome['action'];
  if (existing === sha256) action = 'unchanged';
  else if (existing !== undefined && existing !== recorded?.sha256 && !force) {
    return { path: file, action: 'kept', note: `${file} was not written by hns-cni: kept (--force replaces it)` };
  } else action = existing === undefined ? 'written' : 'replaced';
  if (action !== 'unchanged') writeFileAtomic(file, text);
  const first = firstConfFile(confDir);
  const note = first !== undefined && first !== file ? `containerd reads ${first} first, not ${file}` : undefined;
  return { path: file, action, sha256, ...(note !== undefined && { note }) };
}
