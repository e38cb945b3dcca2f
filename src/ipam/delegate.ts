// Delegated IPAM: when `ipam.type` names another plugin (host-local, dhcp, ...), run it per the CNI spec: found in
// CNI_PATH, given the UNCHANGED stdin bytes (the anchors re-serialise the config and lose fields: WCN issue #64)
// and the CNI_* environment, with CNI_COMMAND set to the verb being forwarded. Its result is normalised to the 1.x
// shape; its CNI error (code, msg, details) is propagated as is; a failure without one becomes DELEGATE_FAILED.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { isIP } from 'node:net';
import * as path from 'node:path';
import { CNI_CODE, CniError } from '../cni/errors.js';
import { invocationEnv } from '../cni/invocation.js';
import { type Result020, resultFrom020 } from '../cni/result-convert.js';
import type { CniRequest, CniResult, CniVerb } from '../cni/types.js';
import { log } from '../log/logger.js';

export interface DelegateOptions {
  /** Kill the delegate after this long (default 60 s). */
  timeoutMs?: number;
  platform?: NodeJS.Platform;
}

// A plugin type becomes a file name: no separators, no "..".
const PLUGIN_TYPE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The delegate's executable: the first `<dir>/<type>` (Windows: `<type>.exe`, then `<type>`) found in CNI_PATH. */
export function findPlugin(type: string, cniPath: string[], platform: NodeJS.Platform = process.platform): string {
  if (!PLUGIN_TYPE.test(type)) {
    throw new CniError(CNI_CODE.INVALID_CONFIG, `invalid IPAM plugin type ${JSON.stringify(type)}`);
  }
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  const names = platform === 'win32' ? [`${type}.exe`, type] : [type];
  for (const dir of cniPath) {
    if (dir === '') continue;
    for (const name of names) {
      const candidate = join(dir, name);
      if (fs.statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
    }
  }
  throw new CniError(
    CNI_CODE.INVALID_CONFIG,
    `IPAM plugin ${type} not found in CNI_PATH`,
    `searched: ${cniPath.join(platform === 'win32' ? ';' : ':') || '(CNI_PATH is empty)'}`,
  );
}

/**
 * Runs the delegate for `verb` (the request's own verb, or DEL to undo a failed ADD). Returns the result for ADD;
 * undefined for the verbs that print nothing on success.
 */
export async function execDelegatedIpam(
  type: string,
  verb: CniVerb,
  req: CniRequest,
  opts: DelegateOptions = {},
): Promise<CniResult | undefined> {
  const platform = opts.platform ?? process.platform;
  const file = findPlugin(type, req.path, platform);
  const env: NodeJS.ProcessEnv = {
    ...invocationEnv(),
    CNI_COMMAND: verb,
    CNI_CONTAINERID: req.containerId,
    CNI_NETNS: req.netns,
    CNI_IFNAME: req.ifName,
    // The runtime's own CNI_ARGS string when there is one (order and unknown keys preserved).
    CNI_ARGS:
      invocationEnv().CNI_ARGS ??
      Object.entries(req.args)
        .map(([k, v]) => `${k}=${v}`)
        .join(';'),
    CNI_PATH: req.path.join(platform === 'win32' ? ';' : ':'),
  };
  log.debug('ipam: running delegated IPAM plugin', { file, verb });
  const { code, stdout, stderr } = await run(file, req.rawConfig, env, opts.timeoutMs ?? 60_000);
  if (code !== 0) throw delegateError(type, verb, code, stdout, stderr);
  if (verb !== 'ADD') return undefined;
  return normaliseResult(type, stdout, req.cniVersion);
}

/**
 * Whether the delegate lists `version` in its VERSION answer. Asynchronous: inside the node agent a synchronous
 * child would stop every other verb it serves for as long as the delegate takes.
 */
export async function delegateSupports(type: string, req: CniRequest, version: string): Promise<boolean> {
  const file = findPlugin(type, req.path);
  const env = { ...invocationEnv(), CNI_COMMAND: 'VERSION' };
  const answer = await run(file, Buffer.from(JSON.stringify({ cniVersion: version })), env, 10_000).catch(
    () => undefined,
  );
  try {
    const parsed = JSON.parse(answer?.stdout ?? '') as { supportedVersions?: unknown } | null;
    return Array.isArray(parsed?.supportedVersions) && parsed.supportedVersions.includes(version);
  } catch {
    return false;
  }
}

function run(
  file: string,
  stdin: Buffer,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [], { env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CniError(CNI_CODE.DELEGATE_FAILED, `cannot run IPAM plugin ${file}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    // A delegate that exits without reading stdin makes the write fail with EPIPE: its exit status tells the story.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

function delegateError(type: string, verb: CniVerb, code: number | null, stdout: string, stderr: string): CniError {
  // libcni's rule: the error JSON is on stdout; stderr is only a fallback.
  try {
    const e = JSON.parse(stdout) as { code?: unknown; msg?: unknown; details?: unknown };
    if (typeof e.code === 'number' && typeof e.msg === 'string') {
      return new CniError(e.code, e.msg, typeof e.details === 'string' ? e.details : '');
    }
  } catch {
    // not a CNI error: described below
  }
  const text = (stdout.trim() || stderr.trim()).slice(0, 2000);
  return new CniError(
    CNI_CODE.DELEGATE_FAILED,
    `IPAM plugin ${type} failed on ${verb} (${code === null ? 'killed' : `exit code ${code}`})`,
    text,
  );
}

/**
 * The delegate answers in the request's cniVersion: 0.3.x/0.4.0 results carry ips[].version, which 1.x dropped;
 * 0.1.0/0.2.0 results (flannel's delegates speak 0.2.0) are `{ip4, ip6}`.
 */
function normaliseResult(type: string, stdout: string, cniVersion: string): CniResult {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    throw new CniError(CNI_CODE.DELEGATE_FAILED, `IPAM plugin ${type} printed no JSON result`, stdout.slice(0, 2000));
  }
  if (typeof raw !== 'object' || raw === null) {
    throw new CniError(CNI_CODE.DELEGATE_FAILED, `IPAM plugin ${type} returned no "ips"`, stdout.slice(0, 2000));
  }
  if (!Array.isArray(raw.ips) && (raw.ip4 !== undefined || raw.ip6 !== undefined)) {
    return { ...resultFrom020(raw as unknown as Result020), cniVersion };
  }
  if (!Array.isArray(raw.ips)) {
    throw new CniError(CNI_CODE.DELEGATE_FAILED, `IPAM plugin ${type} returned no "ips"`, stdout.slice(0, 2000));
  }
  const result: CniResult = {
    cniVersion,
    ips: (raw.ips as Array<Record<string, unknown>>).map((ip) => {
      const out: { address: string; gateway?: string } = { address: String(ip.address) };
      if (typeof ip.gateway === 'string') out.gateway = ip.gateway;
      return out;
    }),
  };
  if (Array.isArray(raw.routes)) result.routes = raw.routes as CniResult['routes'];
  if (raw.dns && typeof raw.dns === 'object') result.dns = raw.dns as CniResult['dns'];
  const problems = resultProblems(raw);
  if (problems.length > 0) {
    throw new CniError(
      CNI_CODE.DELEGATE_FAILED,
      `IPAM plugin ${type} returned an unusable result: ${problems.join('; ')}`,
      stdout.slice(0, 2000),
    );
  }
  return result;
}

/** What hns-cni passes on to HNS from a delegate's result must be addresses and prefixes, nothing else. */
function resultProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const isCidr = (v: unknown) => typeof v === 'string' && /^[^/]+\/\d{1,3}$/.test(v) && isIP(v.split('/')[0]!) !== 0;
  (raw.ips as unknown[]).forEach((ip, i) => {
    if (!isObject(ip)) problems.push(`ips[${i}] is not an object`);
    else {
      if (!isCidr(ip.address))
        problems.push(`ips[${i}].address ${JSON.stringify(ip.address)} is not an address/prefix`);
      if (ip.gateway !== undefined && (typeof ip.gateway !== 'string' || isIP(ip.gateway) === 0)) {
        problems.push(`ips[${i}].gateway ${JSON.stringify(ip.gateway)} is not an IP address`);
      }
    }
  });
  if (raw.routes !== undefined) {
    if (!Array.isArray(raw.routes)) problems.push('routes is not a list');
    else {
      raw.routes.forEach((r: unknown, i) => {
        if (!isObject(r) || !isCidr(r.dst)) problems.push(`routes[${i}].dst is not a prefix`);
        else if (r.gw !== undefined && (typeof r.gw !== 'string' || isIP(r.gw) === 0)) {
          problems.push(`routes[${i}].gw ${JSON.stringify(r.gw)} is not an IP address`);
        }
      });
    }
  }
  return problems;
}
