// A scripted HcnAbi for client-level tests: each call is answered by a handler, and every call is recorded, so a
// test can assert the exact ABI traffic (counts, order, handles closed) without any simulator.
import type { AbiCall, AbiReply, HcnAbi } from '../../../src/hns/abi.js';

export type Handler = (call: AbiCall) => AbiReply | Promise<AbiReply>;

export interface FakeAbi extends HcnAbi {
  calls: AbiCall[];
  /** Handles handed out by Create/Open and not yet passed to a Close. */
  openHandles(): bigint[];
}

export function fakeAbi(handler: Handler): FakeAbi {
  const calls: AbiCall[] = [];
  const open = new Set<bigint>();
  return {
    kind: 'sim',
    calls,
    openHandles: () => [...open],
    async invoke(call) {
      calls.push(call);
      if (call.fn.startsWith('HcnClose')) {
        open.delete(call.handle!);
        return { hr: 0 };
      }
      const reply = await handler(call);
      if (reply.handle !== undefined) open.add(reply.handle);
      return reply;
    },
  };
}

let nextHandle = 100n;
export const newHandle = (): bigint => nextHandle++;
