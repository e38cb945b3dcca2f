// Types for wine-blob.mjs, used by scripts/bench/startup.ts.
import type { Startup } from './sea.mjs';
export declare function wineRoot(): string;
export declare function wineRootProblem(root?: string): string | undefined;
export declare function makeSeaBlobUnderWine(
  nodeExe: string,
  o: { main: string; output: string; assets: Record<string, string>; startup: Startup },
  root?: string,
): Promise<void>;
