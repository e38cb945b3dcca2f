// Publishing this node's DR MAC (issue 13): the other nodes' agents build their RemoteSubnetRoute to this node from
// its `hns-cni.dev/dr-mac` annotation (plan/node-routes.ts peersOf), so the agent of an Overlay network it owns
// writes the network's DrMacAddress (configured, or the one HNS assigned) there with a JSON merge patch of the Node
// (only that key changes), and only when the annotation differs: a removed annotation is restored and a changed MAC
// republished at the next sync (every watch event of the Node brings one). An API error never fails prepare or the
// routes: it is shown in the status and retried with exponential backoff.
import type { KubeConfig } from '@kubernetes/client-node';
import type { HostComputeNetwork } from '../hns/types.js';
import { log } from '../log/logger.js';
import { DR_MAC_ANNOTATION, drMacOfNetwork, drMacToPublish, type NodeFacts } from '../plan/node-routes.js';
import { type Backoff, backoffDelay } from './backoff.js';
import { patchNodeAnnotations } from './kube.js';
import type { AgentStatus } from './record.js';

export type DrMacStatus = NonNullable<AgentStatus['drMac']>;

export class DrMacPublisher {
  private retries = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly status: DrMacStatus = { state: 'pending', retries: 0 };

  constructor(
    private readonly kc: KubeConfig,
    private readonly nodeName: string,
    private readonly opts: { backoffMs: Backoff; retry?: () => void },
  ) {}

  /** One attempt with the nodes known now; returns the API error (already scheduled for a retry), never throws. */
  async sync(nodes: readonly NodeFacts[], network: HostComputeNetwork): Promise<string | undefined> {
    const mac = drMacOfNetwork(network);
    const want = drMacToPublish(
      nodes.find((n) => n.name === this.nodeName),
      mac,
    );
    if (want.publish === undefined) {
      this.settle(want.reason === 'published' ? 'published' : 'pending', mac, want.reason);
      return undefined;
    }
    try {
      await patchNodeAnnotations(this.kc, this.nodeName, { [DR_MAC_ANNOTATION]: want.publish });
      log.info('node: DR MAC published', { node: this.nodeName, annotation: DR_MAC_ANNOTATION, mac: want.publish });
      this.settle('published', want.publish);
      return undefined;
    } catch (error) {
      const message = `publishing ${DR_MAC_ANNOTATION}=${want.publish} on node ${this.nodeName}: ${(error as Error).message}`;
      this.retries++;
      const delay = backoffDelay(this.opts.backoffMs, this.retries);
      Object.assign(this.status, { state: 'failed', mac: want.publish, lastError: message, retries: this.retries });
      delete this.status.reason;
      log.warn('node: cannot publish the DR MAC; retrying', { error: message, retryInMs: delay });
      if (this.opts.retry !== undefined) {
        clearTimeout(this.timer);
        this.timer = setTimeout(this.opts.retry, delay);
      }
      return message;
    }
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private settle(state: 'published' | 'pending', mac: string | undefined, reason?: string): void {
    this.retries = 0;
    this.status.state = state;
    this.status.retries = 0;
    delete this.status.lastError;
    if (mac !== undefined) this.status.mac = mac;
    if (reason !== undefined && reason !== 'published') this.status.reason = reason;
    else delete this.status.reason;
  }
}
