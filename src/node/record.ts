// What the node agent made, on disk (`<data dir>/node/record.json`), so a restart re-uses it and never duplicates
// it, a route it did not make is never touched, and an uninstall removes exactly this. Written atomically after
// every change: a crash between an HNS/IP Helper call and the write at worst forgets an object whose identity is
// derived anyway (networks, host endpoints) or leaves a route the next sync re-adopts (routes: see routes.ts).
// Next to it, `status.json`: what the agent last saw, for `hns-cni node status`.
import * as path from 'node:path';
import type { OwnedRemoteSubnet, OwnedRoute, Unroutable } from '../plan/node-routes.js';
import { readFileIfExists, writeFileAtomic } from '../store/atomic-file.js';
import { defaultDataDir } from '../store/data-dir.js';

export interface RecordedHostEndpoint {
  network: string;
  id: string;
  name: string;
  address: string;
}

/** An interface whose IPv4 forwarding hns-cni turned on (it was off): teardown turns it off again. */
export interface RecordedForwarding {
  network: string;
  /** The address the interface was found by (host endpoint or management address). */
  address: string;
  /** NET_LUID, decimal: stable while the interface exists (its index may be reused). */
  interfaceLuid: string;
  family: 4;
}

export interface RecordedNetwork {
  name: string;
  id: string;
}

export interface NodeRecord {
  version: 1;
  /** Networks the agent created (ADD may have created others: those are found by their derived GUID). */
  networks: RecordedNetwork[];
  hostEndpoints: RecordedHostEndpoint[];
  routes: OwnedRoute[];
  remoteSubnets: (OwnedRemoteSubnet & { networkId: string })[];
  forwarding: RecordedForwarding[];
}

/** The agent's last view, for `hns-cni node status` (the record says what is owned; this says how things stand). */
export interface AgentStatus {
  updatedAt: string;
  pid: number;
  node: string;
  confFile?: string;
  phase: 'starting' | 'prepared' | 'synced' | 'waiting' | 'stopped';
  prepare: {
    ok: boolean;
    networks: string[];
    hostEndpoints: string[];
    notes: string[];
    /** IPv4 forwarding per host interface (l2bridge, overlay): node/forwarding.ts. */
    forwarding?: string[];
    error?: string;
  };
  api: {
    /** disabled: no credentials found; connected: list + watch running; disconnected: retrying with backoff. */
    state: 'disabled' | 'connected' | 'disconnected';
    source?: string;
    since?: string;
    lastError?: string;
    retries: number;
    nodes: number;
    lastSync?: string;
  };
  /** Overlay: this node's DR MAC in its Node annotation (node/dr-mac.ts); absent when not overlay or no API. */
  drMac?: {
    state: 'published' | 'pending' | 'failed';
    mac?: string;
    /** Why pending (no DrMacAddress, the Node not listed yet). */
    reason?: string;
    lastError?: string;
    retries: number;
  };
  routes: {
    mechanism: 'host-routes' | 'remote-subnet-routes' | 'none';
    /** Why none: a foreign network, nat mode, no API. */
    reason?: string;
    owned: number;
    foreign: { node: string; destinationPrefix: string; nextHop?: string }[];
    unroutable: Unroutable[];
    lastError?: string;
  };
}

export function nodeDir(dataDir = defaultDataDir()): string {
  return path.join(dataDir, 'node');
}

export function emptyRecord(): NodeRecord {
  return { version: 1, networks: [], hostEndpoints: [], routes: [], remoteSubnets: [], forwarding: [] };
}

export function readRecord(dataDir?: string): NodeRecord {
  const text = readFileIfExists(path.join(nodeDir(dataDir), 'record.json'));
  if (text === undefined) return emptyRecord();
  const parsed = JSON.parse(text) as NodeRecord;
  if (parsed.version !== 1) throw new Error(`node record: unsupported version ${String(parsed.version)}`);
  return { ...emptyRecord(), ...parsed };
}

export function writeRecord(record: NodeRecord, dataDir?: string): void {
  writeFileAtomic(path.join(nodeDir(dataDir), 'record.json'), `${JSON.stringify(record, null, 2)}\n`);
}

export function readAgentStatus(dataDir?: string): AgentStatus | undefined {
  const text = readFileIfExists(path.join(nodeDir(dataDir), 'status.json'));
  return text === undefined ? undefined : (JSON.parse(text) as AgentStatus);
}

export function writeAgentStatus(status: AgentStatus, dataDir?: string): void {
  writeFileAtomic(path.join(nodeDir(dataDir), 'status.json'), `${JSON.stringify(status, null, 2)}\n`);
}
