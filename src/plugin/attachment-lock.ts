// The per-attachment lock: ADD, DEL and CHECK of one attachment (container id + ifname + HNS network) run one at a
// time, across processes. Runtimes do race ADD and DEL of one container (retries, kubelet restarts); without the
// lock a DEL could release the address between ADD's allocation and its endpoint, leaving an endpoint attached with
// an address the IPAM hands to the next pod. Other attachments never wait for it. The lock is held for the whole
// verb (HNS calls included); a waiter gives up after twice the HNS call timeout with code 11 (try again later), and
// a holder that died is replaced at once (store/lock.ts withOwnedLock).
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { CNI_NAME_PATTERN } from '../cni/env.js';
import { CNI_CODE, CniError } from '../cni/errors.js';
import { LockTimeoutError, withOwnedLock } from '../store/lock.js';
import type { VerbContext } from './context.js';

/** Longest readable lock name; longer (or unusual) identities are hashed, so no file name exceeds 255. */
const MAX_READABLE = 200;

/** `<dataDir>/attachments/<network>/<containerId>~<ifname in hex>`, or a hash when that would not be a safe name. */
export function attachmentLockTarget(dataDir: string, network: string, containerId: string, ifName: string): string {
  const ifHex = Buffer.from(ifName, 'utf8').toString('hex');
  const readable = `${containerId}~${ifHex}`;
  if (CNI_NAME_PATTERN.test(network) && CNI_NAME_PATTERN.test(containerId) && readable.length <= MAX_READABLE) {
    return path.join(dataDir, 'attachments', network, readable);
  }
  const digest = createHash('sha256').update(`${network}\u0000${containerId}\u0000${ifName}`).digest('hex');
  return path.join(dataDir, 'attachments', `~${digest}`);
}

export async function withAttachmentLock<T>(ctx: VerbContext, verb: string, fn: () => Promise<T>): Promise<T> {
  const { req, conf } = ctx;
  const target = attachmentLockTarget(ctx.dataDir, conf.network, req.containerId, req.ifName);
  let locked = false;
  try {
    return await withOwnedLock(
      target,
      () => {
        locked = true;
        return fn();
      },
      { timeoutMs: 2 * conf.timeouts.hnsCallMs },
    );
  } catch (error) {
    if (locked) throw error; // the verb's own failure
    if (error instanceof LockTimeoutError) {
      throw new CniError(
        CNI_CODE.TRY_AGAIN_LATER,
        `${verb}: another operation on container ${req.containerId} (${req.ifName}, network ${conf.network}) is still running`,
        `waited ${error.waitedMs} ms for ${error.lockPath}`,
      );
    }
    throw new CniError(
      CNI_CODE.IPAM_STORE,
      `${verb}: cannot take the attachment lock under ${ctx.dataDir}: ${(error as Error).message}`,
      'the data directory (HNS_CNI_DATA_DIR) must be a writable directory',
    );
  }
}
