// The outer layer of the stdin document: is it a JSON object, and which cniVersion does it speak? Everything else
// about the config is the plugin schema's business (netconf.ts, src/config/).
import { CNI_CODE, CniError } from './errors.js';
import { IMPLICIT_VERSION } from './versions.js';

export interface Envelope {
  config: Record<string, unknown>;
  /** As sent; IMPLICIT_VERSION (0.1.0) when absent. Not yet checked against what we support. */
  cniVersion: string;
}

/** Code 6 when stdin is not a JSON object or its cniVersion is not a string (what libcni's decoder rejects). */
export function parseEnvelope(raw: Buffer): Envelope {
  let text = raw.toString('utf8');
  // Tolerate a UTF-8 byte-order mark (hand-written configs on Windows): JSON.parse would reject it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CniError(CNI_CODE.DECODE_FAILURE, `error decoding network configuration: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CniError(CNI_CODE.DECODE_FAILURE, 'error decoding network configuration: not a JSON object');
  }
  const config = parsed as Record<string, unknown>;
  const version = config.cniVersion;
  if (version === undefined || version === '') return { config, cniVersion: IMPLICIT_VERSION };
  if (typeof version !== 'string') {
    throw new CniError(CNI_CODE.DECODE_FAILURE, 'error decoding network configuration: cniVersion must be a string');
  }
  return { config, cniVersion: version };
}
