// Types for sea.mjs, used by scripts/bench/startup.ts.
export type Startup = 'snapshot' | 'code-cache' | 'none';
export declare const SEA_FUSE: string;
export declare const SEA_RESOURCE: string;
export declare const BLOB_NODE_OPTIONS: string[];
export declare function makeSeaBlob(
  nodeBinary: string,
  o: { configFile: string; main: string; output: string; assets: Record<string, string>; startup: Startup },
): Promise<string | undefined>;
export declare function injectBlob(binary: string, blobFile: string): Promise<void>;
export declare function findOrInstallOsslsigncode(say: (line: string) => void): string | undefined;
export declare function removeSignature(osslsigncode: string, input: string, output: string): Promise<void>;
