// The Node single-executable steps: make a SEA blob, strip the Windows base binary's signature, inject the blob.
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Node's sentinel: postject flips the ":0" after it to ":1" so the binary knows it carries a blob. */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const SEA_RESOURCE = 'NODE_SEA_BLOB';

/**
 * Writes sea-config.json and runs `node --experimental-sea-config` with `nodeBinary`, which must be the same Node
 * version as the binary the blob goes into (the blob format and the code cache are version-specific).
 * @param {string} nodeBinary
 * @param {{ configFile: string, main: string, output: string, assets: Record<string, string>, useCodeCache: boolean }} o
 */
export async function makeSeaBlob(nodeBinary, o) {
  const config = {
    main: o.main,
    output: o.output,
    disableExperimentalSEAWarning: true,
    // Ignore NODE_OPTIONS: a machine-wide setting meant for another Node program (say `--require x.js`) would
    // otherwise break every pod start, and the plugin's behaviour must not depend on the host's Node settings.
    execArgvExtension: 'none',
    // A V8 startup snapshot would start faster still, but a Linux-made snapshot makes the Windows exe refuse to start
    // ("built with platform linux"), and the main script would need restructuring for it.
    useSnapshot: false,
    useCodeCache: o.useCodeCache,
    assets: o.assets,
  };
  writeFileSync(o.configFile, `${JSON.stringify(config, null, 2)}\n`);
  // --random-seed makes V8's code cache byte-for-byte reproducible (it otherwise differs in a few hundred bytes from
  // run to run); the seed is not part of V8's flag hash, so the executable still accepts the cache (unlike
  // --hash-seed, which gets it rejected: measured, see docs/build.md).
  const { stderr } = await run(nodeBinary, ['--random-seed=1', '--experimental-sea-config', o.configFile]);
  // Node reports "Wrote single executable preparation blob to ..." on stderr; anything else is worth seeing.
  const rest = stderr.split('\n').filter((l) => l.trim() && !l.startsWith('Wrote single executable'));
  if (rest.length) process.stderr.write(`${rest.join('\n')}\n`);
}

/** @returns {string | undefined} the osslsigncode path, installing the Debian package when missing and allowed */
export function findOrInstallOsslsigncode(say) {
  const which = () => {
    try {
      return execFileSync('sh', ['-c', 'command -v osslsigncode'], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const found = which();
  if (found || process.env.HNS_CNI_BUILD_NO_APT === '1') return found;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  say('osslsigncode not found: installing it with apt-get');
  for (const cmd of [
    'apt-get install -y --no-install-recommends osslsigncode',
    'apt-get update && apt-get install -y --no-install-recommends osslsigncode',
  ]) {
    try {
      execFileSync('sh', ['-c', cmd], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      return which();
    } catch {
      // first without `apt-get update` (fast when the lists are present), then with it
    }
  }
  return undefined;
}

/** Removes the Authenticode signature: injecting invalidates it, and a clean unsigned exe beats a broken signature. */
export async function removeSignature(osslsigncode, input, output) {
  await run(osslsigncode, ['remove-signature', '-in', input, '-out', output]);
}

/**
 * Injects `blobFile` into `binary` with postject, in a child process so that the Linux and Windows injections (LIEF
 * compiled to WebAssembly: seconds of CPU each) run in parallel. LIEF's harmless ELF note warnings are dropped.
 */
export async function injectBlob(binary, blobFile) {
  const script = fileURLToPath(new URL('./inject.mjs', import.meta.url));
  try {
    const { stdout, stderr } = await run(process.execPath, [script, binary, blobFile], { maxBuffer: 1 << 24 });
    const noise = /^warning: Can't find string offset for section name/;
    const rest = `${stdout}${stderr}`.split('\n').filter((l) => l.trim() && !noise.test(l));
    if (rest.length) process.stderr.write(`${rest.join('\n')}\n`);
  } catch (err) {
    throw new Error(`postject failed on ${binary}: ${err.stderr || err.message}`);
  }
}
