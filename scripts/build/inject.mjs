// `node inject.mjs <binary> <blob>`: postject's API in its own process (see injectBlob in sea.mjs).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SEA_FUSE, SEA_RESOURCE } from './sea.mjs';

const [binary, blobFile] = process.argv.slice(2);
const { inject } = createRequire(import.meta.url)('postject');
await inject(binary, SEA_RESOURCE, readFileSync(blobFile), { sentinelFuse: SEA_FUSE, overwrite: true });
