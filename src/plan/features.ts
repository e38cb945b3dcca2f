// HNS version → feature gates, as hcsshim's SupportedFeatures computes them (hns-api.md §3.7). A range is
// inclusive on both ends and compares Major, then Minor; a feature is supported when any of its ranges matches.
import type { HnsVersion } from '../hns/types.js';

interface VersionRange {
  min: HnsVersion;
  max?: HnsVersion; // absent: no upper bound
}

const v = (Major: number, Minor: number): HnsVersion => ({ Major, Minor });
const from = (Major: number, Minor: number): VersionRange => ({ min: v(Major, Minor) });
/** "9.3–9.x": from 9.3 up to the end of major 9. */
const withinMajor = (Major: number, Minor: number): VersionRange => ({
  min: v(Major, Minor),
  max: v(Major, Number.MAX_SAFE_INTEGER),
});

export const HNS_FEATURES = {
  Acl: [from(7, 2)],
  ApiV2: [from(9, 2)],
  RemoteSubnet: [from(9, 2)],
  HostRoute: [from(9, 2)],
  DSR: [withinMajor(9, 3), from(10, 2)],
  Slash32EndpointPrefixes: [withinMajor(9, 3), from(10, 4)],
  AclSupportForProtocol252: [from(11, 0)],
  SessionAffinity: [from(12, 0)],
  IPv6DualStack: [from(11, 10)],
  SetPolicy: [from(13, 0)],
  VxlanPort: [from(10, 3)],
  L4Proxy: [withinMajor(9, 5), withinMajor(10, 5), withinMajor(11, 11), withinMajor(12, 1), from(13, 1)],
  L4WfpProxy: [from(13, 2)],
  TierAcl: [from(14, 0)],
  NetworkACL: [from(15, 0)],
  NestedIpSet: [from(15, 0)],
  DisableHostPort: [from(15, 1)],
  ModifyLoadbalancer: [from(15, 4)],
  Accelnet: [from(15, 4)],
} as const satisfies Record<string, readonly VersionRange[]>;

export type HnsFeature = keyof typeof HNS_FEATURES;

function compare(a: HnsVersion, b: HnsVersion): number {
  return a.Major !== b.Major ? a.Major - b.Major : a.Minor - b.Minor;
}

function inRange(version: HnsVersion, range: VersionRange): boolean {
  return compare(version, range.min) >= 0 && (range.max === undefined || compare(version, range.max) <= 0);
}

export function hnsSupports(version: HnsVersion, feature: HnsFeature): boolean {
  return HNS_FEATURES[feature].some((range) => inRange(version, range));
}

export function formatHnsVersion(version: HnsVersion): string {
  return `${version.Major}.${version.Minor}`;
}
