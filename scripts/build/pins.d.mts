// Types for pins.mjs, used by the build's tests.
export declare const NODE_VERSION: string;
export interface PinnedFile {
  tarballSha256: string;
  memberSha256: string;
}
export declare const PINNED: Record<string, PinnedFile>;
