#!/usr/bin/env node
// `npm run bench`: runs every scripts/bench/*.ts with `node --import tsx`, in name order, one after the other (the
// machine's cores are shared: parallel benches would measure each other). Each prints its own lines under a header.
// Fails when one fails; the others still run. Extra arguments select benches by name: `npm run bench -- startup`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(repo, 'scripts', 'bench');
const only = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .filter((f) => only.length === 0 || only.some((name) => f.includes(name)))
  .sort();
if (benches.length === 0) {
  console.error(`bench: nothing to run in ${dir}${only.length ? ` matching ${only.join(', ')}` : ''}`);
  process.exit(1);
}

const failed = [];
for (const file of benches) {
  console.log(`\n=== ${file} ===`);
  const start = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, file)], { cwd: repo, stdio: 'inherit' });
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  if (r.status !== 0) {
    failed.push(file);
    console.log(`=== ${file}: FAILED (${r.signal ?? `exit ${r.status}`}) after ${seconds} s ===`);
  } else {
    console.log(`=== ${file}: ok in ${seconds} s ===`);
  }
}
if (failed.length > 0) {
  console.error(`\nbench: ${failed.length} of ${benches.length} failed: ${failed.join(', ')}`);
  process.exit(1);
}
