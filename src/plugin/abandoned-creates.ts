// Endpoint creates whose outcome ADD never learned: HcnCreateEndpoint timed out (or HNS became unreachable mid-call)
// and HNS may still apply it afterwards, with the attachment's address on it. ADD's rollback deletes the GUID
// anyway; when that delete finds nothing it cannot tell "never created" from "not created yet", so it keeps the
// address and records the GUID here. DEL then keeps the address (code 11, try again later) until its own delete of
// that GUID removes the endpoint, or until the create has had twice the HNS call timeout to land; the record goes
// with the release. One small JSON file next to the attachment's lock, read by DEL only (no cost for other verbs).
import * as fs from 'node:fs';
import { CNI_CODE, CniError } from '../cni/errors.js';
import { normalizeGuid } from '../hns/guid.js';
import { log } from '../log/logger.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { attachmentLockTarget } from './attachment-lock.js';
import type { VerbContext } from './context.js';

interface AbandonedCreate {
  endpointId: string;
  /** When ADD gave up on it (ISO time). */
  since: string;
}

function recordFile(ctx: VerbContext): string {
  const { req, conf } = ctx;
  return `${attachmentLockTarget(ctx.dataDir, conf.network, req.containerId, req.ifName)}.abandoned-creates.json`;
}

function readRecord(file: string): AbandonedCreate[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? parsed.filter((x): x is AbandonedCreate => typeof x?.endpointId === 'string') : [];
  } catch {
    // A torn record cannot happen (atomic writes); an edited one must not wedge DEL: treat it as empty.
    log.warn('abandoned-creates record unreadable; ignored', { file });
    return [];
  }
}

/** ADD's rollback: these GUIDs may still be created by HNS. */
export function recordAbandonedCreates(ctx: VerbContext, endpointIds: string[]): void {
  const file = recordFile(ctx);
  const since = new Date().toISOString();
  const kept = readRecord(file).filter((r) => !endpointIds.some((id) => sameId(id, r.endpointId)));
  writeFileAtomic(file, JSON.stringify([...kept, ...endpointIds.map((endpointId) => ({ endpointId, since }))]));
  log.warn('ADD: endpoint create abandoned with its outcome unknown; the address stays held until DEL confirms', {
    endpoints: endpointIds,
  });
}

/**
 * DEL, after its deletes: throws 11 while an abandoned create could still land (the endpoint was not there to
 * delete and its grace has not passed), else forgets the record. `deleted`: GUIDs this DEL found and deleted.
 */
export function settleAbandonedCreates(ctx: VerbContext, deleted: ReadonlySet<string>): void {
  const file = recordFile(ctx);
  const records = readRecord(file);
  if (records.length === 0) return;
  const graceMs = 2 * ctx.conf.timeouts.hnsCallMs;
  const now = Date.now();
  const pending = records.filter(
    (r) => !deleted.has(normalizeGuid(r.endpointId)) && now - Date.parse(r.since) < graceMs,
  );
  if (pending.length > 0) {
    const until = new Date(Math.max(...pending.map((r) => Date.parse(r.since) + graceMs))).toISOString();
    throw new CniError(
      CNI_CODE.TRY_AGAIN_LATER,
      `DEL: HNS may still create endpoint ${pending.map((r) => r.endpointId).join(', ')} (ADD gave up on it at ${pending[0]!.since}); the address stays held until it is deleted or ${until}`,
      'DEL will delete the endpoint if it appears; retry the DEL',
    );
  }
  fs.rmSync(file, { force: true });
}

function sameId(a: string, b: string): boolean {
  return normalizeGuid(a) === normalizeGuid(b);
}
