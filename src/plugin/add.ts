// ADD: address → plan → endpoints → attach → result, as one transaction. On failure every endpoint GUID this call
// sent a create for is deleted in reverse — whatever the create answered, since HNS may have applied a create that
// failed or timed out — and the address is released last, only if this call took it and every delete is confirmed
// (a create whose outcome is unknown and whose GUID is not there yet keeps the address: abandoned-creates.ts).
// Nothing here depends on which HRESULT HNS gives for an existing GUID or a detach of an endpoint that is not
// attached: HNS's view decides. The happy path on a node whose network exists costs, in HCN calls: OpenNetwork +
// CreateEndpoint per endpoint, then OpenNamespace + one Modify per endpoint (single-endpoint modes 4, transparent 7).
import { CNI_CODE, CniError } from '../cni/errors.js';
import type { CniResult } from '../cni/types.js';
import type { NetConf, StaticRoute } from '../config/types.js';
import { isHcnError, isNotFound, isRetryable } from '../hns/errors.js';
import { isGuid, normalizeGuid, sameGuid } from '../hns/guid.js';
import type { HostComputeEndpoint } from '../hns/types.js';
import { log } from '../log/logger.js';
import { planAdd } from '../plan/add.js';
import { completeResult } from '../plan/result.js';
import type {
  AddPlan,
  AttachEndpointsStep,
  CreateEndpointStep,
  CreateNetworkStep,
  HostNetworkFacts,
  PodAddress,
} from '../plan/types.js';
import { recordAbandonedCreates } from './abandoned-creates.js';
import { existingEndpointOrConflict, mayBeExistingOrTaken } from './address-conflict.js';
import type { VerbContext } from './context.js';
import { deleteEndpoint, detachAll } from './endpoint-removal.js';
import { ignoreNotFound, toCniError } from './hns-errors.js';
import { removeLegacyEndpoints } from './legacy-endpoints.js';
import { createNetworks, forgetNetworks, readHnsView } from './networks.js';
import { needsRouteProbe, recordRouteProbe } from './route-support.js';

/** How long a GUID just deleted is tried again when HNS refuses to create it (its delete not finished, §7.14). */
const RECREATE_WINDOW_MS = 10_000;

export function requireNamespaceGuid(netns: string, verb: string): string {
  if (!isGuid(netns)) {
    throw new CniError(
      CNI_CODE.INVALID_ENVIRONMENT,
      `${verb}: CNI_NETNS must be an HCN namespace GUID (containerd passes the pod's namespace ID), got ${JSON.stringify(netns)}`,
    );
  }
  return normalizeGuid(netns);
}

export async function add(ctx: VerbContext): Promise<CniResult> {
  const netns = requireNamespaceGuid(ctx.req.netns, 'ADD');
  // Host-network facts (API lookup, the node's sockets), before any address is taken; loaded only for pods that
  // may need them.
  const hostNetwork = await (await import('./host-network.js')).hostNetworkFacts(ctx);
  const grant = await ctx.addressing.grant().catch((e: unknown) => {
    throw toCniError(e, 'ADD: allocating the pod address');
  });
  const conf = withExtraRoutes(ctx.conf, grant.routes);
  const tx = new AddTransaction(ctx, conf, netns, grant.fresh, hostNetwork);
  try {
    await removeLegacyEndpoints(ctx, netns, grant.address?.address);
    return await tx.run(grant.address);
  } catch (error) {
    const { clean, abandoned } = await tx.rollback();
    if (abandoned.length > 0) {
      try {
        recordAbandonedCreates(ctx, abandoned);
      } catch (e) {
        log.error('ADD rollback: could not record the abandoned creates', { error: e });
      }
    }
    if (grant.fresh && clean) {
      await ctx.addressing
        .release()
        .catch((e: unknown) => log.error('ADD rollback: releasing the address failed', { error: e }));
    } else if (grant.fresh) {
      log.warn('ADD rollback: an endpoint of this call may remain; its address stays held until DEL');
    }
    throw toCniError(error, 'ADD');
  }
}

function withExtraRoutes(conf: NetConf, extra: StaticRoute[]): NetConf {
  const routes = [...conf.routes];
  for (const r of extra) if (!routes.some((x) => x.dst === r.dst)) routes.push(r);
  return routes.length === conf.routes.length ? conf : { ...conf, routes };
}

class AddTransaction {
  /** GUIDs this call sent a create for, in order, except endpoints it adopted: rollback deletes them all. */
  private readonly attempted: string[] = [];
  /** Of those, the creates HNS answered with success: their endpoints exist until deleted. */
  private readonly created = new Set<string>();
  /** And the creates whose outcome is unknown (timed out, HNS unreachable): HNS may still apply them. */
  private readonly unresolved = new Set<string>();
  /** Endpoints that already existed and match the plan (a repeated ADD, or a crashed one): HNS's view of them. */
  private readonly adopted = new Map<string, HostComputeEndpoint>();
  /** Whether the attach step was started (before it, no endpoint of this call can be in the namespace). */
  private attachStarted = false;

  constructor(
    private readonly ctx: VerbContext,
    private readonly conf: NetConf,
    private readonly netns: string,
    /** The IPAM handed out the address just now: an endpoint already holding our GUID is a leftover, never adopted. */
    private readonly freshAddress: boolean,
    private readonly hostNetwork: HostNetworkFacts | undefined,
  ) {}

  async run(address: PodAddress | undefined): Promise<CniResult> {
    const { containerId, ifName, args } = this.ctx.req;
    const request = { containerId, netns: this.netns, ifName, podNamespace: args.K8S_POD_NAMESPACE };
    for (let attempt = 0; ; attempt++) {
      const hostNetwork = this.hostNetwork;
      let plan = planAdd({
        config: this.conf,
        request,
        allocation: address,
        hns: await readHnsView(this.ctx, attempt > 0, address),
        ...(hostNetwork && { hostNetwork }),
      });
      const creations = plan.steps.filter((s): s is CreateNetworkStep => s.kind === 'createNetwork');
      if (creations.length > 0) {
        await createNetworks(this.ctx, creations);
        plan = planAdd({
          config: this.conf,
          request,
          allocation: address,
          hns: await readHnsView(this.ctx, false, address),
          ...(hostNetwork && { hostNetwork }),
        });
      }
      try {
        return await this.execute(plan);
      } catch (error) {
        // A cached network ID that no longer opens: the network was deleted (and maybe recreated) behind our back.
        const staleNetwork = isHcnError(error) && error.call.fn === 'HcnOpenNetwork' && isNotFound(error);
        if (!staleNetwork || attempt > 0) throw error;
        log.warn('cached network ID is gone; looking the network up by name again', {
          error: (error as Error).message,
        });
        forgetNetworks(this.ctx);
      }
    }
  }

  private async execute(plan: AddPlan): Promise<CniResult> {
    let podEndpoint: HostComputeEndpoint | undefined;
    for (const step of plan.steps) {
      if (step.kind === 'createEndpoint') {
        const endpoint = await this.createEndpoint(step, plan.podAddressFromHns && step.role === 'pod');
        if (step.role === 'pod') podEndpoint = endpoint;
      } else if (step.kind === 'attachEndpoints') {
        await this.attach(step);
      }
    }
    const result = podEndpoint ? completeResult(plan, podEndpoint) : plan.result;
    log.info('ADD: pod attached', {
      endpoints: plan.endpoints.map((e) => e.id),
      created: this.attempted.length,
      reused: this.adopted.size,
      ips: result.ips?.map((i) => i.address),
    });
    return result;
  }

  private async createEndpoint(step: CreateEndpointStep, needHnsView: boolean): Promise<HostComputeEndpoint> {
    let existing: HostComputeEndpoint;
    try {
      return await this.create(step, needHnsView);
    } catch (error) {
      existing = await this.existingAfterFailedCreate(step, error);
    }
    // The deterministic GUID exists: a repeated ADD (or one that crashed midway). Keep it only if it is the
    // endpoint this plan describes and its address was already this attachment's; anything else is replaced.
    const drift = endpointDrift(existing, step);
    if (drift.length === 0 && !this.freshAddress) {
      this.attempted.splice(this.attempted.indexOf(step.id), 1);
      this.adopted.set(step.id, existing);
      return existing;
    }
    if (drift.length === 0) drift.push('left over by an attachment whose address was released');
    log.warn('replacing an endpoint that does not match the plan', { endpoint: step.name, drift });
    if (existing.HostComputeNamespace) await detachAll(this.ctx, existing.HostComputeNamespace, [step.id]);
    await deleteEndpoint(this.ctx, step.id);
    return this.recreate(step, needHnsView);
  }

  /** Sends the create. The GUID is recorded first: rollback deletes it whatever the create answers. */
  private async create(step: CreateEndpointStep, needHnsView: boolean): Promise<HostComputeEndpoint> {
    if (!this.attempted.includes(step.id)) this.attempted.push(step.id);
    const probe = needsRouteProbe(this.ctx, step);
    try {
      const endpoint = await this.ctx.hcn.createEndpoint(step.networkId, step.document, {
        id: step.id,
        query: needHnsView || probe,
      });
      this.created.add(step.id);
      if (probe) recordRouteProbe(this.ctx, step, endpoint);
      return endpoint;
    } catch (error) {
      // The create itself timed out or lost HNS midway: it may still be applied. (A failed OpenNetwork sent nothing.)
      if (isRetryable(error) && isHcnError(error) && error.call.fn === 'HcnCreateEndpoint')
        this.unresolved.add(step.id);
      throw error;
    }
  }

  /**
   * After a failed create, HNS's view (not the HRESULT, which differs between builds: simulator option
   * duplicateEndpointIdHresult) says whether the GUID exists. Rethrows the create's error when it does not; an
   * "already exists" answer without the GUID means another endpoint holds the address (address-conflict.ts).
   */
  private async existingAfterFailedCreate(step: CreateEndpointStep, error: unknown): Promise<HostComputeEndpoint> {
    if (this.unresolved.has(step.id)) throw error; // a look now proves nothing: the create may land later
    if (!isHcnError(error)) throw error; // not HNS's answer to the create (the route probe's refusal, say)
    if (mayBeExistingOrTaken(error)) {
      const networkName = step.role === 'pod' ? this.conf.network : this.conf.natNetwork.name;
      return existingEndpointOrConflict(this.ctx, step, networkName, error);
    }
    const existing = await ignoreNotFound(() => this.ctx.hcn.getEndpoint(step.id)).catch(() => undefined);
    if (existing === undefined) throw error;
    return existing;
  }

  /**
   * Creates the GUID just deleted. HNS deletes are not always finished when the call returns (§7.14): while the
   * create is refused it is tried again, for a bounded time, then ADD answers 11 (try again later).
   */
  private async recreate(step: CreateEndpointStep, needHnsView: boolean): Promise<HostComputeEndpoint> {
    const deadline = Date.now() + Math.min(RECREATE_WINDOW_MS, this.ctx.conf.timeouts.hnsCallMs);
    for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
      try {
        return await this.create(step, needHnsView);
      } catch (error) {
        if (this.unresolved.has(step.id) || !isHcnError(error)) throw error;
        if (Date.now() + pause > deadline) {
          throw new CniError(
            CNI_CODE.TRY_AGAIN_LATER,
            `ADD: HNS still refuses to create endpoint ${step.name} (${step.id}) after deleting it; try again later`,
            error.message,
          );
        }
      }
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  private async attach(step: AttachEndpointsStep): Promise<void> {
    const pending = [];
    for (const request of step.requests) {
      const id = (request.Settings as { EndpointId: string }).EndpointId;
      const attachedTo = this.adopted.get(id)?.HostComputeNamespace;
      if (attachedTo !== undefined && sameGuid(attachedTo, step.namespaceId)) continue; // repeated ADD
      if (attachedTo !== undefined) {
        log.warn('endpoint is attached to another namespace; moving it to this pod', {
          endpoint: id,
          from: attachedTo,
        });
        await detachAll(this.ctx, attachedTo, [id]);
      }
      pending.push(request);
    }
    if (pending.length === 0) return;
    this.attachStarted = true;
    try {
      await this.ctx.hcn.modifyNamespace(step.namespaceId, pending);
    } catch (error) {
      if (isHcnError(error) && error.call.fn === 'HcnOpenNamespace' && isNotFound(error)) {
        throw new CniError(
          CNI_CODE.UNKNOWN_CONTAINER,
          `ADD: the pod's HCN namespace ${step.namespaceId} does not exist`,
          error.errorRecordText ?? '',
        );
      }
      throw error;
    }
  }

  /**
   * Deletes every GUID this call sent a create for, newest first. `clean`: no endpoint of this call can remain — each
   * created one is confirmed deleted, each unknown one was found and deleted; a create HNS refused (or never got)
   * made nothing, so a failure to delete it does not count. `abandoned`: creates whose outcome is unknown and whose
   * GUID was not there to delete (HNS may still apply them).
   */
  async rollback(): Promise<{ clean: boolean; abandoned: string[] }> {
    let clean = true;
    const abandoned: string[] = [];
    for (const id of [...this.attempted].reverse()) {
      try {
        // Before the attach step nothing of this call is in the namespace: no detach to send (F1).
        if (this.attachStarted) await detachAll(this.ctx, this.netns, [id]);
        const existed = await deleteEndpoint(this.ctx, id);
        if (!existed && this.unresolved.has(id)) {
          clean = false;
          abandoned.push(id);
        } else {
          log.info('ADD rollback: removed endpoint', { endpoint: id, existed });
        }
      } catch (error) {
        const mayExist = this.created.has(id) || this.unresolved.has(id);
        if (mayExist) clean = false;
        if (this.unresolved.has(id)) abandoned.push(id);
        log[mayExist ? 'error' : 'warn']('ADD rollback: could not remove endpoint', { endpoint: id, error, mayExist });
      }
    }
    return { clean, abandoned };
  }
}

/** What makes an existing endpoint not the one the plan wants: another network, or another address. */
function endpointDrift(existing: HostComputeEndpoint, step: CreateEndpointStep): string[] {
  const drift: string[] = [];
  if (!sameGuid(existing.HostComputeNetwork, step.networkId)) {
    drift.push(`network ${existing.HostComputeNetwork ?? '(none)'} instead of ${step.networkId}`);
  }
  const actual = existing.IpConfigurations?.map((c) => c.IpAddress) ?? [];
  for (const { IpAddress: wanted } of step.document.IpConfigurations ?? []) {
    if (!actual.includes(wanted)) drift.push(`address ${actual.join(',') || '(none)'} instead of ${wanted}`);
  }
  return drift;
}
