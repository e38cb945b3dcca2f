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
 * The sea-config.json document. `startup` is how the executable skips work at start-up (docs/build.md):
 * - 'snapshot': V8 start-up snapshot (`useSnapshot`): the build runs the main script (src/snapshot.ts) and saves the
 *   heap. Must be made by the target platform's own Node: a Linux-made snapshot stops node.exe from starting.
 * - 'code-cache': V8 code cache (`useCodeCache`); node.exe rejects a Linux-made one (see makeSeaBlob's callers).
 * - 'none': neither.
 * @param {{ main: string, output: string, assets: Record<string, string>, startup: 'snapshot' | 'code-cache' | 'none' }} o
 */
export function seaConfig(o) {
  return {
    main: o.main,
    output: o.output,
    disableExperimentalSEAWarning: true,
    // Ignore NODE_OPTIONS: a machine-wide setting meant for another Node program (say `--require x.js`) would
    // otherwise break every pod start, and the plugin's behaviour must not depend on the host's Node settings.
    execArgvExtension: 'none',
    useSnapshot: o.startup === 'snapshot',
    useCodeCache: o.startup === 'code-cache',
    assets: o.assets,
  };
}

/**
 * Node's options when making a blob. --random-seed makes V8's code cache byte-for-byte reproducible (it otherwise
 * differs in a few hundred bytes from run to run); the seed is not part of V8's flag hash, so the executable still
 * accepts the cache (unlike --hash-seed, which gets it rejected: measured, see docs/build.md). --no-warnings: the
 * snapshot builder warns about some built-in modules, and each warning leaves a string with the builder's pid in the
 * saved heap.
 */
export const BLOB_NODE_OPTIONS = ['--no-warnings', '--random-seed=1'];

/**
 * Writes sea-config.json and runs `node --experimental-sea-config` with `nodeBinary`, which must be the same Node
 * version as the binary the blob goes into (the blob format and the code cache are version-specific) and, for a
 * snapshot, the same platform. Returns a note when the blob may not be byte-for-byte reproducible.
 * @param {string} nodeBinary
 * @param {{ configFile: string, main: string, output: string, assets: Record<string, string>,
 *   startup: 'snapshot' | 'code-cache' | 'none' }} o
 * @returns {Promise<string | undefined>}
 */
export async function makeSeaBlob(nodeBinary, o) {
  if (o.startup === 'snapshot' && canUnshare()) {
    await makeSnapshotBlobIsolated(nodeBinary, o);
    return undefined;
  }
  writeFileSync(o.configFile, `${JSON.stringify(seaConfig(o), null, 2)}\n`);
  const { stderr } = await run(nodeBinary, [...BLOB_NODE_OPTIONS, '--experimental-sea-config', o.configFile]);
  reportBlobMakerOutput(stderr);
  if (o.startup === 'snapshot') {
    return 'the Linux snapshot was made without unshare (needs root): it holds the paths of the checkout and the pid of the build, so it is not byte-for-byte reproducible';
  }
  return undefined;
}

/**
 * The directory where a snapshot blob is made, the same on every machine: the snapshot keeps the paths of the main
 * script and of the Node binary, and the builder's process id, in the saved heap. Each build mounts its own private
 * tmpfs there and runs as the first processes of a fresh PID namespace, so concurrent builds never meet and two
 * builds of the same sources give the same blob.
 */
export const SNAPSHOT_DIR = '/run/hns-cni-sea';

async function makeSnapshotBlobIsolated(nodeBinary, o) {
  const config = seaConfig({ ...o, main: `${SNAPSHOT_DIR}/main.cjs`, output: `${SNAPSHOT_DIR}/out.blob` });
  writeFileSync(o.configFile, `${JSON.stringify(config, null, 2)}\n`);
  const script = [
    'set -e',
    `d=${SNAPSHOT_DIR}`,
    'mkdir -p "$d"',
    'mount -t tmpfs -o mode=0700 hns-cni-sea "$d"',
    'cp "$1" "$d/node"',
    'cp "$2" "$d/main.cjs"',
    'cp "$3" "$d/sea-config.json"',
    `"$d/node" ${BLOB_NODE_OPTIONS.join(' ')} --experimental-sea-config "$d/sea-config.json"`,
    'cp "$d/out.blob" "$4"',
  ].join('\n');
  const { stderr } = await run(
    'unshare',
    ['--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', 'sh', '-c', script, 'sea'].concat([
      nodeBinary,
      o.main,
      o.configFile,
      o.output,
    ]),
  );
  reportBlobMakerOutput(stderr);
}

/** Node reports "Wrote single executable preparation blob to ..." on stderr; anything else is worth seeing. */
export function reportBlobMakerOutput(stderr) {
  const rest = stderr.split('\n').filter((l) => l.trim() && !l.startsWith('Wrote single executable'));
  if (rest.length) process.stderr.write(`${rest.join('\n')}\n`);
}

let unshareWorks;
function canUnshare() {
  if (unshareWorks === undefined) {
    try {
      execFileSync('unshare', ['--mount', '--pid', '--fork', '--kill-child', 'true'], { stdio: 'ignore' });
      unshareWorks = true;
    } catch {
      unshareWorks = false;
    }
  }
  return unshareWorks;
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
