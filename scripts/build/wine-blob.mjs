// The Windows SEA blob made by node.exe itself, under Wine 10 in the Debian trixie root the Wine stage builds
// (scripts/wine/root.sh; docs/wine.md). A V8 start-up snapshot or code cache must come from the platform it runs on:
// node.exe refuses a Linux-made snapshot and rejects a Linux-made code cache. The build never creates the root (that
// needs the apt archive): when it is absent or Wine fails, the caller falls back to a Linux-made blob without either
// and says so on stderr.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BLOB_NODE_OPTIONS, reportBlobMakerOutput, seaConfig } from './sea.mjs';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the Wine stage keeps its root (the same default and variable as scripts/wine/lib.sh). */
export function wineRoot() {
  return process.env.HNS_CNI_WINE_ROOT ?? '/var/cache/hns-cni/wine-trixie';
}

/** Why the root cannot make a blob, or undefined when it looks usable (the run itself is the real test). */
export function wineRootProblem(root = wineRoot()) {
  if (process.platform !== 'linux') return 'not building on Linux';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root (Wine runs in a chroot)';
  if (!existsSync(path.join(root, '.hns-cni-wine-stamp'))) {
    return `no Wine root at ${root} (bash scripts/wine/root.sh builds it; HNS_CNI_WINE_ROOT names another)`;
  }
  if (!existsSync(path.join(root, 'usr/lib/wine/wine64'))) return `${root} has no wine64`;
  return undefined;
}

/**
 * Runs `node.exe --experimental-sea-config` under Wine. The inputs are copied into the root (Wine sees the chroot's
 * / as drive Z:), the blob is copied out to `o.output`. Holds the root's lock shared, as the Wine stage's checks do,
 * unless the caller holds it already (HNS_CNI_WINE_LOCKED=1).
 * @param {string} nodeExe
 * @param {{ main: string, output: string, assets: Record<string, string>, startup: 'snapshot' | 'code-cache' | 'none' }} o
 */
export async function makeSeaBlobUnderWine(nodeExe, o, root = wineRoot()) {
  // The snapshot keeps the paths of node.exe and the main script: both are copied to the same directory on every
  // build (/tmp/hns-cni-sea in the root, Z:\tmp\hns-cni-sea to Wine), a private tmpfs mounted in the run's own mount
  // namespace: concurrent builds never meet.
  const fixed = '/tmp/hns-cni-sea';
  const onFixedZ = (name) => `Z:${fixed.replaceAll('/', '\\')}\\${name}`;
  await inWineStage(root, async (stage) => {
    stage.copy(o.main, 'main.cjs');
    stage.copy(nodeExe, 'node.exe');
    const config = seaConfig({ ...o, main: onFixedZ('main.cjs'), output: onFixedZ('out.blob'), assets: {} });
    // Assets are read while the blob is made; their paths are not kept.
    config.assets = Object.fromEntries(Object.entries(o.assets).map(([name, file]) => [name, stage.copy(file, name)]));
    writeFileSync(stage.file('sea-config.json'), `${JSON.stringify(config, null, 2)}\n`);
    const staged = stage.inRoot('');
    const { stderr } = await stage.run(
      `'${onFixedZ('node.exe')}' ${BLOB_NODE_OPTIONS.join(' ')} --experimental-sea-config '${onFixedZ('sea-config.json')}'`,
      {
        before: `mkdir -p ${fixed} && mount -t tmpfs -o mode=0700 hns-cni-sea ${fixed} && cp ${staged}/node.exe ${staged}/main.cjs ${staged}/sea-config.json ${fixed}/ &&`,
        after: `&& cp ${fixed}/out.blob ${staged}/out.blob`,
      },
    );
    reportBlobMakerOutput(stderr);
    copyFileSync(stage.file('out.blob'), o.output);
  });
}

/**
 * Runs `exe` (a built hns-cni.exe) under Wine with CNI_COMMAND=VERSION: the build's check that a Windows snapshot
 * starts. Returns its stdout and stderr.
 */
export async function versionUnderWine(exe, root = wineRoot()) {
  return inWineStage(root, (stage) =>
    stage.run(`'${stage.copy(exe, 'hns-cni.exe')}'`, { vars: ['CNI_COMMAND=VERSION'] }),
  );
}

/**
 * A scratch directory inside the root for one Wine run: `copy` puts a file there and returns its Z: path, `run`
 * runs a Windows command line under wine64 (with the root's lock held shared) and returns its output. Wine hands
 * Node's stream stdio a Unix pipe badly (docs/wine.md), so the output goes to files inside the root.
 */
async function inWineStage(root, body) {
  mkdirSync(path.join(root, 'tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(root, 'tmp', 'hns-cni-build-'));
  const inRoot = (name) => `/${path.relative(root, path.join(dir, name))}`;
  const stage = {
    file: (name) => path.join(dir, name),
    inRoot,
    onZ: (name) => `Z:${inRoot(name).replaceAll('/', '\\')}`,
    copy(file, name) {
      copyFileSync(file, path.join(dir, name));
      return stage.onZ(name);
    },
    /** `before`/`after`: shell commands run inside the root around it (in the run's own mount namespace). */
    async run(commandLine, { vars = [], before = '', after = '' } = {}) {
      const wine = `/usr/lib/wine/wine64 ${commandLine} >'${inRoot('stdout')}' 2>'${inRoot('stderr')}'`;
      const inner = `${before} ${wine} ${after}`;
      const script = `. '${path.join(repo, 'scripts/wine/lib.sh')}'; wine_in_root "$1" 300 ${vars.join(' ')} -- /bin/sh -c "$2"`;
      const bash = ['bash', '-c', script, 'wine-run', root, inner];
      const command =
        process.env.HNS_CNI_WINE_LOCKED === '1' ? bash : ['flock', '-s', '-w', '900', `${root}.lock`, ...bash];
      const read = (name) => (existsSync(stage.file(name)) ? readFileSync(stage.file(name), 'utf8') : '');
      try {
        await run(command[0], command.slice(1), {
          env: { ...process.env, HNS_CNI_WINE_ROOT: root },
          maxBuffer: 1 << 24,
        });
      } catch (err) {
        throw new Error(`${commandLine} under Wine failed (exit ${err.code}): ${read('stderr').trim() || err.stderr}`);
      }
      return { stdout: read('stdout'), stderr: read('stderr') };
    },
  };
  try {
    return await body(stage);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
