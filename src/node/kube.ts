// The Nodes of the cluster, kept current from the Kubernetes API with @kubernetes/client-node: a list, then a watch
// from its resourceVersion; a watch that ends normally is resumed from the last version seen, a "410 Gone" relists,
// and any failure (API server down, TLS, 5xx) keeps the last known nodes and retries with exponential backoff.
// Loaded only by the node agent (the client library is large; the CNI path never imports this).
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig, V1Node } from '@kubernetes/client-node';
import { importKubernetesClient } from '../kube/credentials.js';
import { log } from '../log/logger.js';
import type { NodeFacts } from '../plan/node-routes.js';
import { type Backoff, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

export { type ApiCredentials, loadCredentials } from '../kube/credentials.js';

type K8s = typeof import('@kubernetes/client-node');

export function nodeFactsOf(node: V1Node): NodeFacts {
  const spec = node.spec;
  const podCIDRs = spec?.podCIDRs?.length ? spec.podCIDRs : spec?.podCIDR ? [spec.podCIDR] : [];
  return {
    name: node.metadata?.name ?? '',
    podCIDRs,
    addresses: (node.status?.addresses ?? []).map((a) => ({ type: a.type, address: a.address })),
    annotations: { ...(node.metadata?.annotations ?? {}) },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** One list of every Node (the `--once` path and the first step of the watch). */
export async function listNodes(kc: KubeConfig, timeoutMs = 10_000): Promise<{ nodes: NodeFacts[]; version: string }> {
  const k8s: K8s = await importKubernetesClient();
  const list = await withTimeout(kc.makeApiClient(k8s.CoreV1Api).listNode(), timeoutMs, 'listing nodes');
  return { nodes: list.items.map(nodeFactsOf), version: list.metadata?.resourceVersion ?? '' };
}

/**
 * Sets (a string) or removes (null) annotations of one Node with a JSON merge patch (only those keys change; the
 * node RBAC needs `patch`). Throws on any API error; the caller retries.
 */
export async function patchNodeAnnotations(
  kc: KubeConfig,
  name: string,
  annotations: Record<string, string | null>,
  timeoutMs = 10_000,
): Promise<void> {
  const k8s: K8s = await importKubernetesClient();
  const body = { metadata: { annotations } };
  const options = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  await withTimeout(
    kc.makeApiClient(k8s.CoreV1Api).patchNode({ name, body }, options),
    timeoutMs,
    `patching node ${name}`,
  );
}

export interface WatchState {
  state: 'connected' | 'disconnected';
  since: string;
  lastError?: string;
  retries: number;
}

export interface NodeWatcherOptions {
  /** First retry delay and its cap (doubling in between). */
  backoffMs?: Backoff;
  onNodes(nodes: NodeFacts[]): void;
  onState(state: WatchState): void;
}

class Gone extends Error {}

/** list + watch, forever, until stop(). Reports every change of the node set and every change of connection state. */
export class NodeWatcher {
  private stopped = false;
  private controller: AbortController | undefined;
  private readonly nodes = new Map<string, NodeFacts>();
  private state: WatchState = { state: 'disconnected', since: new Date().toISOString(), retries: 0 };
  private done: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly opts: NodeWatcherOptions,
  ) {}

  start(): void {
    this.done ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller?.abort();
    this.wake?.();
    await this.done;
  }

  private setState(next: 'connected' | 'disconnected', error?: unknown): void {
    const changed = next !== this.state.state;
    this.state = {
      state: next,
      since: changed ? new Date().toISOString() : this.state.since,
      ...(error !== undefined && { lastError: String((error as Error).message ?? error) }),
      retries: next === 'connected' ? 0 : this.state.retries + 1,
    };
    this.opts.onState({ ...this.state });
  }

  private emit(): void {
    this.opts.onNodes([...this.nodes.values()]);
  }

  private async run(): Promise<void> {
    const backoff = this.opts.backoffMs ?? DEFAULT_BACKOFF;
    while (!this.stopped) {
      try {
        const { nodes, version } = await listNodes(this.kc);
        this.nodes.clear();
        for (const n of nodes) this.nodes.set(n.name, n);
        this.setState('connected');
        this.emit();
        await this.watchFrom(version);
      } catch (error) {
        if (this.stopped) break;
        if (error instanceof Gone) {
          log.info('node watch: resource version expired; listing again');
          continue;
        }
        this.setState('disconnected', error);
        const delay = backoffDelay(backoff, this.state.retries);
        log.warn('node watch: API server unavailable; keeping the last known nodes', {
          error: this.state.lastError,
          retryInMs: delay,
          retries: this.state.retries,
        });
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void sleep(delay).then(resolve);
        });
      }
    }
  }

  /** Watches from `version`; resumes after a normal end; throws on failure (or Gone, to relist). */
  private async watchFrom(startVersion: string): Promise<void> {
    const k8s: K8s = await importKubernetesClient();
    let version = startVersion;
    while (!this.stopped) {
      await new Promise<void>((resolve, reject) => {
        const watch = new k8s.Watch(this.kc);
        watch
          .watch(
            '/api/v1/nodes',
            { resourceVersion: version, allowWatchBookmarks: true },
            (type: string, obj: V1Node & { code?: number }) => {
              if (type === 'ERROR') {
                this.controller?.abort();
                reject(obj.code === 410 ? new Gone('gone') : new Error(`watch error ${JSON.stringify(obj)}`));
                return;
              }
              version = obj.metadata?.resourceVersion ?? version;
              if (type === 'BOOKMARK') return;
              const facts = nodeFactsOf(obj);
              if (type === 'DELETED') this.nodes.delete(facts.name);
              else this.nodes.set(facts.name, facts);
              this.emit();
            },
            (err: unknown) => (err ? reject(err) : resolve()),
          )
          .then((c) => {
            this.controller = c;
            if (this.stopped) c.abort();
          }, reject);
      });
    }
  }
}
