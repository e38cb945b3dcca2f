// Allocation keys (container id + interface name) and network names become file and directory names, so they are
// validated against the CNI spec's rules before any use: no path separators, no "..", nothing Windows forbids.
import { CNI_CODE, CniError } from '../cni/errors.js';

export interface AllocationKey {
  containerId: string;
  ifName: string;
}

// CNI spec: container ids match ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$; libcni applies the same rule to network names.
// The length cap keeps `<id>~<ifname hex>.json` under every file system's 255-character name limit.
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAX_NAME = 200;

export function validateContainerId(id: string): void {
  if (!NAME.test(id) || id.length > MAX_NAME) {
    throw new CniError(
      CNI_CODE.INVALID_ENVIRONMENT,
      `invalid container id ${JSON.stringify(id)}`,
      `a container id must match ${NAME.source} and be at most ${MAX_NAME} characters`,
    );
  }
}

/** Interface names per the CNI spec (pkg/utils): 1-15 characters, not "." or "..", no "/", ":" or whitespace. */
export function validateIfName(name: string): void {
  if (name.length < 1 || name.length > 15 || name === '.' || name === '..' || /[/:\s]/.test(name)) {
    throw new CniError(
      CNI_CODE.INVALID_ENVIRONMENT,
      `invalid interface name ${JSON.stringify(name)}`,
      'an interface name must be 1-15 characters, not "." or "..", without "/", ":" or whitespace',
    );
  }
}

export function validateNetworkName(name: string): void {
  if (!NAME.test(name) || name.length > MAX_NAME) {
    throw new CniError(
      CNI_CODE.INVALID_CONFIG,
      `invalid network name ${JSON.stringify(name)} for the IPAM store`,
      `a network name must match ${NAME.source} and be at most ${MAX_NAME} characters`,
    );
  }
}

export function validateKey(key: AllocationKey): void {
  validateContainerId(key.containerId);
  validateIfName(key.ifName);
}

/**
 * The file stem of an allocation: the container id as is (already validated) and the interface name in hex, since
 * interface names may hold characters Windows forbids in file names ("*", "?", "<", "\").
 */
export function keyStem(key: AllocationKey): string {
  return `${key.containerId}~${Buffer.from(key.ifName, 'utf8').toString('hex')}`;
}

export function keyOfStem(stem: string): AllocationKey | undefined {
  const tilde = stem.lastIndexOf('~');
  if (tilde <= 0) return undefined;
  const hex = stem.slice(tilde + 1);
  if (!/^(?:[0-9a-f]{2})+$/.test(hex)) return undefined;
  const key = { containerId: stem.slice(0, tilde), ifName: Buffer.from(hex, 'hex').toString('utf8') };
  try {
    validateKey(key);
  } catch {
    return undefined;
  }
  return key;
}

export function sameKey(a: AllocationKey, b: AllocationKey): boolean {
  return a.containerId === b.containerId && a.ifName === b.ifName;
}
