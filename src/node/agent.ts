// `hns-cni node`: the node agent. Idempotent on every start:
//   1. prepare every hns-cni network of the CNI conf dir (networks + host endpoint, prepare.ts), retrying while HNS
//      is not up yet;
//   2. keep the routes to the other nodes' pod subnets in line with the Kubernetes API (kube.ts + routes.ts):
//      host routes for l2bridge/transparent, RemoteSubnetRoute policies for an Overlay network hns-cni owns;
//      nothing for a network another agent created (flanneld keeps its own routes), nor in nat mode;
//   3. write what it sees to status.json after every change (`hns-cni node status`).
// `--once` does 1 and one list+sync, then exits: 0 when everything converged, 1 otherwise (the reason on stderr).
// A long-running agent survives API-server outages (last known nodes kept, retries with backoff) and repairs
// removed routes at each resync. SIGTERM/SIGINT stop it and leave everything in place for the pods.
import { setTimeout as sleep } from 'node:timers/promises';
import type { HcnClient } from '../hns/client.js';
import { defaultKubeconfig, defaultNodeName, isDelegatedIpam } from '../ipam/config.js';
import type { IphlpClient } from '../iphlp/client.js';
import { log } from '../log/logger.js';
import { type NodeFacts, peersOf } from '../plan/node-routes.js';
import { type Backoff, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { readNodeConfigs } from './conf.js';
import { DrMacPublisher } from './dr-mac.js';
import { enableHostForwarding } from './forwarding.js';
import { type ApiCredentials, listNodes, loadCredentials, NodeWatcher } from './kube.js';
import { type PreparedNetwork, prepareNetwork } from './prepare.js';
import { type AgentStatus, type NodeRecord, readRecord, writeAgentStatus, writeRecord } from './record.js';
import { syncHostRoutes, syncRemoteSubnets } from './routes.js';

export interface AgentOptions {
  confDir: string;
  dataDir: string;
  hcn: HcnClient;
  iphlp: IphlpClient;
  once: boolean;
  kubeconfig?: string;
  nodeName?: string;
  /** Re-list and repair every so often even without a watch event (default 60 s). */
  resyncMs?: number;
  backoffMs?: Backoff;
  /** Resolves when the agent must stop (SIGTERM); the CLI wires the signals. */
  stopped?: Promise<void>;
}

interface RouteTarget {
  prepared: PreparedNetwork;
  mechanism: 'host-routes' | 'remote-subnet-routes';
}

export class NodeAgent {
  private readonly record: NodeRecord;
  private readonly status: AgentStatus;
  private prepared: PreparedNetwork[] = [];
  private nodes: NodeFacts[] | undefined;
  private syncing: Promise<void> = Promise.resolve();
  /** Overlay: publishes this node's DR MAC (set once API credentials are known). */
  private drMac: DrMacPublisher | undefined;

  constructor(private readonly opts: AgentOptions) {
    this.record = readRecord(opts.dataDir);
    this.status = {
      updatedAt: new Date().toISOString(),
      pid: process.pid,
      node: opts.nodeName ?? defaultNodeName(),
      phase: 'starting',
      prepare: { ok: false, networks: [], hostEndpoints: [], notes: [] },
      api: { state: 'disabled', retries: 0, nodes: 0 },
      routes: { mechanism: 'none', owned: this.record.routes.length, foreign: [], unroutable: [] },
    };
  }

  private save = (): void => writeRecord(this.record, this.opts.dataDir);

  private publish(): void {
    this.status.updatedAt = new Date().toISOString();
    this.status.routes.owned = this.record.routes.length + this.record.remoteSubnets.length;
    writeAgentStatus(this.status, this.opts.dataDir);
  }

  /** Step 1. Throws when a network cannot be prepared (the caller decides whether to retry). */
  async prepare(): Promise<void> {
    const { file, networks } = readNodeConfigs(this.opts.confDir);
    if (file !== undefined) this.status.confFile = file;
    if (networks.length === 0) {
      throw new Error(`no hns-cni network in ${file ?? `${this.opts.confDir} (no configuration file)`}`);
    }
    const prepared: PreparedNetwork[] = [];
    const forwarding: string[] = [];
    for (const conf of networks) {
      const p = await prepareNetwork(this.opts.hcn, this.opts.dataDir, conf, this.record, this.save);
      prepared.push(p);
      forwarding.push(...(await enableHostForwarding(this.opts.iphlp, p, this.record, this.save)));
    }
    this.prepared = prepared;
    this.status.prepare = {
      ok: true,
      networks: prepared.map((p) => `${p.conf.network} (${p.network.Type ?? 'NAT'}, ${p.plan.podNetworkId})`),
      hostEndpoints: prepared.flatMap((p) =>
        p.plan.hostEndpoint
          ? [`${p.plan.hostEndpoint.name} ${p.plan.hostEndpoint.address} (${p.plan.hostEndpoint.action})`]
          : [],
      ),
      notes: prepared.flatMap((p) => p.plan.notes),
      forwarding,
    };
    this.status.phase = 'prepared';
    this.publish();
    log.info('node: networks prepared', { networks: this.status.prepare.networks });
  }

  /** Which network's routes this agent keeps, and how; undefined (with the reason in status) when none. */
  private routeTarget(): RouteTarget | undefined {
    const first = this.prepared.find((p) => p.conf.mode !== 'nat');
    const reasonNone = (reason: string) => {
      this.status.routes.mechanism = 'none';
      this.status.routes.reason = reason;
      return undefined;
    };
    if (first === undefined) return reasonNone('nat mode: pods are reached through WinNAT, no inter-node routes');
    if (!first.plan.podNetworkOwned) {
      return reasonNone(
        `network ${first.conf.network} was created by another agent (flanneld?): its routes and policies are left to it`,
      );
    }
    const mechanism = first.network.Type === 'Overlay' ? 'remote-subnet-routes' : 'host-routes';
    this.status.routes.mechanism = mechanism;
    delete this.status.routes.reason;
    return { prepared: first, mechanism };
  }

  /** Step 2 with the nodes known now. Serialised: a sync never overlaps another. */
  sync(): Promise<void> {
    const run = this.syncing.then(() => this.syncOnce());
    this.syncing = run.catch(() => {});
    return run;
  }

  private async syncOnce(): Promise<void> {
    const target = this.routeTarget();
    if (target === undefined || this.nodes === undefined) {
      this.publish();
      return;
    }
    const { peers, unroutable } = peersOf(this.nodes, this.status.node);
    const outcome =
      target.mechanism === 'host-routes'
        ? await syncHostRoutes(this.opts.iphlp, this.record, this.save, peers, unroutable)
        : await syncRemoteSubnets(
            this.opts.hcn,
            target.prepared.plan.podNetworkId,
            this.record,
            this.save,
            peers,
            unroutable,
          );
    const drMacError =
      target.mechanism === 'remote-subnet-routes' && this.drMac !== undefined
        ? await this.drMac.sync(this.nodes, target.prepared.network)
        : undefined;
    if (this.drMac !== undefined && target.mechanism === 'remote-subnet-routes') this.status.drMac = this.drMac.status;
    this.status.routes.foreign = outcome.plan.foreign;
    this.status.routes.unroutable = outcome.plan.unroutable;
    if (outcome.errors.length > 0) this.status.routes.lastError = outcome.errors.join('; ');
    else delete this.status.routes.lastError;
    this.status.api.lastSync = new Date().toISOString();
    this.status.phase = 'synced';
    this.publish();
    const errors = drMacError === undefined ? outcome.errors : [...outcome.errors, drMacError];
    if (errors.length > 0) throw new Error(errors.join('; '));
  }

  private async credentials(): Promise<ApiCredentials | undefined> {
    const ipamKubeconfigs = this.prepared.flatMap((p) => {
      const ipam = p.conf.ipam;
      return ipam !== undefined && !isDelegatedIpam(ipam) && typeof ipam.kubeconfig === 'string'
        ? [ipam.kubeconfig]
        : [];
    });
    const creds = await loadCredentials([
      this.opts.kubeconfig,
      process.env.KUBECONFIG,
      ...ipamKubeconfigs,
      defaultKubeconfig(),
    ]);
    if (creds !== undefined) this.status.api.source = creds.source;
    return creds;
  }

  /** `--once`: prepare, one list, one sync. */
  async runOnce(): Promise<string[]> {
    const problems: string[] = [];
    try {
      await this.prepare();
    } catch (error) {
      this.status.prepare = { ...this.status.prepare, ok: false, error: (error as Error).message };
      this.publish();
      return [(error as Error).message];
    }
    const creds = await this.credentials();
    if (creds === undefined) {
      this.routeTarget();
      this.status.routes.reason = 'no Kubernetes API credentials (--kubeconfig, KUBECONFIG, ipam.kubeconfig)';
      this.status.phase = 'stopped';
      this.publish();
      return problems;
    }
    this.drMac = new DrMacPublisher(creds.kc, this.status.node, { backoffMs: { initial: 0, max: 0 } });
    try {
      const { nodes } = await listNodes(creds.kc);
      this.nodes = nodes;
      this.status.api = {
        ...this.status.api,
        state: 'connected',
        since: new Date().toISOString(),
        nodes: nodes.length,
      };
      await this.sync();
    } catch (error) {
      this.status.api = { ...this.status.api, state: 'disconnected', lastError: (error as Error).message };
      problems.push((error as Error).message);
    }
    this.status.phase = 'stopped';
    this.publish();
    return problems;
  }

  /** The long-running agent; returns when `stopped` resolves. */
  async run(): Promise<void> {
    const stopped = this.opts.stopped ?? new Promise<void>(() => {});
    let stop = false;
    void stopped.then(() => {
      stop = true;
    });
    const backoff = this.opts.backoffMs ?? DEFAULT_BACKOFF;
    for (let attempt = 0; !stop; attempt++) {
      try {
        await this.prepare();
        break;
      } catch (error) {
        this.status.prepare = { ...this.status.prepare, ok: false, error: (error as Error).message };
        this.status.phase = 'waiting';
        this.publish();
        const delay = backoffDelay(backoff, attempt + 1);
        log.warn('node: cannot prepare the networks yet; retrying', {
          error: (error as Error).message,
          retryInMs: delay,
        });
        await Promise.race([sleep(delay), stopped]);
      }
    }
    if (stop) return this.finish();
    const creds = await this.credentials();
    if (creds === undefined) {
      this.routeTarget();
      this.status.routes.reason = 'no Kubernetes API credentials (--kubeconfig, KUBECONFIG, ipam.kubeconfig)';
      this.publish();
      await stopped;
      return this.finish();
    }
    let debounce: NodeJS.Timeout | undefined;
    const schedule = () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        this.sync().catch((error: unknown) =>
          log.error('node: route sync failed', { error: (error as Error).message }),
        );
      }, 100);
    };
    this.drMac = new DrMacPublisher(creds.kc, this.status.node, { backoffMs: backoff, retry: schedule });
    const watcher = new NodeWatcher(creds.kc, {
      backoffMs: backoff,
      onNodes: (nodes) => {
        this.nodes = nodes;
        this.status.api.nodes = nodes.length;
        schedule();
      },
      onState: (s) => {
        this.status.api = { ...this.status.api, ...s };
        if (s.state === 'disconnected') this.publish();
      },
    });
    watcher.start();
    const resync = setInterval(schedule, this.opts.resyncMs ?? 60_000);
    await stopped;
    clearInterval(resync);
    clearTimeout(debounce);
    this.drMac.stop();
    await watcher.stop();
    await this.syncing;
    return this.finish();
  }

  private finish(): void {
    this.status.phase = 'stopped';
    this.publish();
  }
}
