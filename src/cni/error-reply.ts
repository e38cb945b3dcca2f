// Every failure leaves the plugin as the spec's error document `{cniVersion, code, msg, details}` on stdout.
import { redactSecrets } from '../log/redact.js';
import { CNI_CODE, isCniError } from './errors.js';

export interface ErrorReply {
  cniVersion: string;
  code: number;
  msg: string;
  details: string;
}

/**
 * CniErrors pass through unchanged (skel: "don't wrap Error in Error"); anything else is a bug and becomes code 999
 * with `internal error: <message>`. The stack goes only to the log (main logs it), never to stdout. Secrets are
 * redacted from msg and details (log/redact.ts): the runtime turns the error into a pod event.
 */
export function toErrorReply(error: unknown, cniVersion: string): ErrorReply {
  if (isCniError(error)) {
    return { cniVersion, code: error.code, msg: redactSecrets(error.message), details: redactSecrets(error.details) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { cniVersion, code: CNI_CODE.INTERNAL, msg: redactSecrets(`internal error: ${message}`), details: '' };
}
