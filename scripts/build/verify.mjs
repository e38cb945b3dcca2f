// Checks on the built executables. The build fails when one does not hold: a broken exe must never reach dist/.
import { spawnSync } from 'node:child_process';
import {
  IMAGE_FILE_MACHINE_AMD64,
  IMAGE_SUBSYSTEM_WINDOWS_CUI,
  parsePeHeaders,
  RT_RCDATA,
  readResource,
} from './pe.mjs';
import { SEA_FUSE, SEA_RESOURCE } from './sea.mjs';

/** @param {boolean} ok @param {string} what */
function expect(ok, what) {
  if (!ok) throw new Error(`build verification failed: ${what}`);
}

/** The fuse must occur once and read ":1" (postject flipped it). @param {Buffer} binary @param {string} name */
function expectFuseFlipped(binary, name) {
  const at = binary.indexOf(SEA_FUSE);
  expect(at >= 0 && binary.indexOf(SEA_FUSE, at + 1) === -1, `${name}: the SEA fuse occurs exactly once`);
  expect(binary.toString('latin1', at + SEA_FUSE.length, at + SEA_FUSE.length + 2) === ':1', `${name}: fuse is :1`);
}

/**
 * @param {Buffer} exe the built hns-cni.exe
 * @param {Buffer} blob the SEA blob injected into it
 * @param {Buffer} koffiNode the win32 koffi module that must be inside the blob
 * @param {boolean} expectUnsigned whether the signature was removed before injecting
 */
export function verifyWindowsExe(exe, blob, koffiNode, expectUnsigned) {
  const headers = parsePeHeaders(exe);
  expect(headers.machine === IMAGE_FILE_MACHINE_AMD64, 'hns-cni.exe is x86-64');
  expect(headers.isPe32Plus, 'hns-cni.exe is PE32+');
  expect(headers.subsystem === IMAGE_SUBSYSTEM_WINDOWS_CUI, 'hns-cni.exe is a console program');
  const resource = readResource(exe, RT_RCDATA, SEA_RESOURCE);
  expect(resource !== undefined, `hns-cni.exe has an RT_RCDATA/${SEA_RESOURCE} resource`);
  expect(resource.equals(blob), `the ${SEA_RESOURCE} resource is the blob the build made`);
  expect(resource.includes(koffiNode), 'the blob carries the win32 koffi module');
  expectFuseFlipped(exe, 'hns-cni.exe');
  if (expectUnsigned) expect(headers.certificateTable.size === 0, 'hns-cni.exe carries no (broken) signature');
}

/** VERSION's answer must be CNI's version document. @param {string} file @param {string} stdout */
function expectVersionAnswer(file, stdout) {
  let answer;
  try {
    answer = JSON.parse(stdout);
  } catch {
    expect(false, `CNI_COMMAND=VERSION ${file} prints JSON (got ${JSON.stringify(stdout.slice(0, 200))})`);
  }
  expect(Array.isArray(answer.supportedVersions), `VERSION lists supportedVersions (got ${stdout.trim()})`);
  return answer;
}

/**
 * Runs the Linux executable: it must answer VERSION like a CNI plugin, and accept its V8 code cache (Node warns
 * "Code cache data rejected." on stderr when the cache does not match the binary, and start-up silently slows down).
 * With a snapshot nothing at all may reach stderr.
 * @param {string} file @param {Buffer} binary @param {'snapshot' | 'code-cache' | 'none'} startup
 */
export function verifyLinuxBinary(file, binary, startup) {
  expectFuseFlipped(binary, 'hns-cni');
  const r = spawnSync(file, [], { env: { ...process.env, CNI_COMMAND: 'VERSION' }, input: '', encoding: 'utf8' });
  expect(r.status === 0, `CNI_COMMAND=VERSION ${file} exits 0 (got ${r.status}; stderr: ${r.stderr?.trim()})`);
  if (startup === 'code-cache')
    expect(!r.stderr.includes('Code cache data rejected'), `${file} accepts its code cache`);
  if (startup === 'snapshot') expect(r.stderr === '', `${file} starts from its snapshot silently (${r.stderr.trim()})`);
  const answer = expectVersionAnswer(file, r.stdout);
  const withNodeOptions = spawnSync(file, [], {
    env: { ...process.env, CNI_COMMAND: 'VERSION', NODE_OPTIONS: '--require ./no-such-preload.cjs' },
    input: '',
    encoding: 'utf8',
  });
  expect(withNodeOptions.stdout === r.stdout, `${file} ignores NODE_OPTIONS (execArgvExtension: none)`);
  return answer;
}

/**
 * Runs the Windows exe under Wine (a blob made by node.exe there): it must answer VERSION, and say nothing on stderr
 * (no rejected code cache, no snapshot trouble).
 * @param {string} exe @param {'snapshot' | 'code-cache'} startup @param {string} root
 */
export async function verifyWindowsStarts(exe, startup, root) {
  const { versionUnderWine } = await import('./wine-blob.mjs');
  const r = await versionUnderWine(exe, root);
  expect(r.stderr.trim() === '', `hns-cni.exe (${startup}) starts under Wine without complaint (${r.stderr.trim()})`);
  expectVersionAnswer('hns-cni.exe under Wine', r.stdout);
}

/**
 * Evaluates a lazy-module bundle the way the SEA will (lazy-modules.mjs): with a require that only knows built-in
 * modules, under the target Node. It must load and export something.
 * @param {string} nodeBinary @param {string} file
 */
export function verifyLazyBundle(nodeBinary, file) {
  const script = `
    const { isBuiltin } = require('node:module');
    const onlyBuiltins = (id) => { if (!isBuiltin(id)) throw new Error('requires ' + id); return require(id); };
    const params = ['exports', 'require', 'module', '__filename', '__dirname'];
    const source = require('node:fs').readFileSync(process.argv[1], 'utf8');
    const wrapper = require('node:vm').compileFunction(source, params, { filename: 'lazy.cjs' });
    const m = { exports: {} };
    wrapper.call(m.exports, m.exports, onlyBuiltins, m, 'lazy.cjs', '.');
    if (Object.keys(m.exports).length === 0) throw new Error('exports nothing');`;
  const r = spawnSync(nodeBinary, ['-e', script, file], { encoding: 'utf8' });
  expect(r.status === 0, `${file} loads with built-in modules only (${r.stderr.trim().split('\n').pop()})`);
}
