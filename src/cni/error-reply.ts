// Every failure leaves the plugin as the spec's error document `{cniVersion, code, msg, details}` on stdout.
import { CNI_CODE, isCniError } from './errors.js';

export interface ErrorReply {
  cniVersion: string;
  code: number;
  msg: string;
  details: string;
}

/**
 * CniErrors pass through unchanged (skel: "don't wrap Error in Error"); anything else is a bug and becomes code 999
 * with `internal error: <message>`. The stack goes only to the log (main logs it), never to stdout.
 */
export function toErrorReply(error: unknown, cniVersion: string): ErrorReply {
  if (isCniError(error)) {
    return { cniVersion, code: error.code, msg: error.message, details: error.details };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { cniVersion, code: CNI_CODE.INTERNAL, msg: `internal error: ${message}`, details: '' };
}
