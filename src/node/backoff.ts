// How long the node agent waits before trying the Kubernetes API, a DR MAC patch or a network preparation again:
// doubling from `initial` up to `max` (milliseconds), so an outage costs little load and a recovery is noticed
// within `max`.

export interface Backoff {
  initial: number;
  max: number;
}

export const DEFAULT_BACKOFF: Backoff = { initial: 1_000, max: 30_000 };

/** The wait before retry number `retry` (1 = the first retry after a failure). */
export function backoffDelay({ initial, max }: Backoff, retry: number): number {
  return Math.min(max, initial * 2 ** Math.min(Math.max(retry - 1, 0), 16));
}
