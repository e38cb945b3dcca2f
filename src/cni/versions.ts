// Which CNI spec versions hns-cni speaks, and the per-verb minimum versions (spec 1.1.0; skel's checks).
import { CNI_CODE, CniError } from './errors.js';
import type { CniVerb } from './types.js';

/**
 * Oldest first, as libcni's PluginInfo lists them (version.All). 0.1.0 and 0.2.0 results have the `ip4`/`ip6`
 * shape (result-convert.ts): flannel hands its delegate "0.2.0", and Microsoft's scripts, GCE, aks-engine and
 * containerd's install script write it.
 */
export const SUPPORTED_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type SupportedVersion = (typeof SUPPORTED_VERSIONS)[number];

/** The version we answer VERSION with and the one errors carry when the request's version is unusable. */
export const LATEST_VERSION: SupportedVersion = '1.1.0';

/** Spec §1: a configuration without `cniVersion` is 0.1.0 (libcni's ConfigDecoder does the same). */
export const IMPLICIT_VERSION = '0.1.0';

/** The versions whose results are `{ip4, ip6, dns}` (types/020). */
export function isPre03Version(version: string): boolean {
  return version === '0.1.0' || version === '0.2.0';
}

/** The first version in which each verb exists (CHECK: 0.4.0; GC and STATUS: 1.1.0). */
const VERB_SINCE: Partial<Record<CniVerb, SupportedVersion>> = { CHECK: '0.4.0', GC: '1.1.0', STATUS: '1.1.0' };

export function isSupportedVersion(version: string): version is SupportedVersion {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(version);
}

/** Compares two `major.minor.patch` versions; a missing part counts as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  for (let i = 0; i < 3; i++) {
    if (pa[i] !== pb[i]) return pa[i]! < pb[i]! ? -1 : 1;
  }
  return 0;
}

function parseVersion(version: string): [number, number, number] {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(version);
  if (!m) throw new CniError(CNI_CODE.DECODE_FAILURE, `invalid cniVersion ${JSON.stringify(version)}`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

/**
 * Code 1 unless the version is one we support exactly (skel's reconciler needs an exact match too), and unless the
 * verb exists in that version. skel answers CHECK < 0.4.0 and GC < 1.1.0 with ErrIncompatibleCNIVersion (1):
 * the problem is the version the runtime negotiated, not a field of the config, so 2 ("unsupported field") does not
 * apply. STATUS follows GC.
 */
export function checkVersionForVerb(verb: CniVerb, version: string): SupportedVersion {
  if (!isSupportedVersion(version)) {
    throw new CniError(
      CNI_CODE.INCOMPATIBLE_VERSION,
      'incompatible CNI versions',
      `config is ${JSON.stringify(version)}, plugin supports ${JSON.stringify(SUPPORTED_VERSIONS)}`,
    );
  }
  const since = VERB_SINCE[verb];
  if (since && compareVersions(version, since) < 0) {
    throw new CniError(
      CNI_CODE.INCOMPATIBLE_VERSION,
      `config version does not allow ${verb}`,
      `${verb} needs cniVersion ${since} or later; config is ${version}`,
    );
  }
  return version;
}

/** The VERSION reply (spec §"VERSION"). */
export function versionReply(): { cniVersion: string; supportedVersions: string[] } {
  return { cniVersion: LATEST_VERSION, supportedVersions: [...SUPPORTED_VERSIONS] };
}
