// Mutual authentication of the front and the agent's CNI server with the agent's per-start secret (the endpoint
// file, readable by SYSTEM and Administrators only). Each side draws a 32-byte nonce; the server proves it knows the
// secret first (so a squatter on the port learns nothing of the request: the front sends no request byte before the
// proof checks out), then the front proves it (so a local user without the secret cannot drive the agent). Each
// proof is an HMAC-SHA256 over both nonces and a role label, so neither proof can be replayed as the other.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** v2: the reply carries the verb's stdout bytes (base64), so the native front relays them without JSON work. */
export const PROTOCOL = 'hns-cni-agent/2';
export const NONCE_BYTES = 32;
export const SECRET_BYTES = 32;
/** Each handshake step (connect, hello, challenge, proof) answers within this, on both sides. */
export const HANDSHAKE_MS = 5_000;

export type Role = 'server' | 'front';

export function newNonce(): string {
  return randomBytes(NONCE_BYTES).toString('hex');
}

export function newSecret(): string {
  return randomBytes(SECRET_BYTES).toString('hex');
}

/** The proof `role` sends for this pair of nonces. */
export function proof(secret: string, role: Role, frontNonce: string, serverNonce: string): string {
  return createHmac('sha256', Buffer.from(secret, 'hex'))
    .update(`${PROTOCOL}\u0000${role}\u0000${frontNonce}\u0000${serverNonce}`)
    .digest('hex');
}

/** Whether `claimed` is the right proof (constant time; anything not a 64-digit hex string is wrong). */
export function checkProof(
  claimed: unknown,
  secret: string,
  role: Role,
  frontNonce: string,
  serverNonce: string,
): boolean {
  if (typeof claimed !== 'string' || !/^[0-9a-f]{64}$/.test(claimed)) return false;
  return timingSafeEqual(Buffer.from(claimed, 'hex'), Buffer.from(proof(secret, role, frontNonce, serverNonce), 'hex'));
}

export function isNonce(value: unknown): value is string {
  return typeof value === 'string' && value.length === NONCE_BYTES * 2 && /^[0-9a-f]+$/.test(value);
}
