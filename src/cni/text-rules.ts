// What a piece of configuration text must look like before it is sent on: to HNS (network and adapter names, DNS
// settings) or to the file system (paths). Each rule answers with the reason a value breaks it, or undefined; the
// config schema and the planner turn reasons into code-7 issues naming the field. Light on purpose (no zod, no
// address library): the planner uses it on every ADD.
import { isIP } from 'node:net';
import * as path from 'node:path';

/** The longest network name hns-cni accepts: the IPAM store's directory and the network lock are named after it. */
export const MAX_NAME_LENGTH = 200;

/**
 * C0 and C1 control characters, NUL included: HNS would store them in an object's name, and a file API cuts a path
 * at a NUL (Node refuses such a path outright).
 */
export function controlCharacterProblem(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      const code = c.toString(16).toUpperCase().padStart(4, '0');
      return `must not contain control characters (U+${code} at position ${i})`;
    }
  }
  return undefined;
}

/** A name that reaches HNS (network, adapter): 1 to `max` characters, no control characters. */
export function hnsNameProblem(name: string, max = MAX_NAME_LENGTH): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > max) return `must be at most ${max} characters (got ${name.length})`;
  return controlCharacterProblem(name);
}

/**
 * A file or directory named in the configuration: absolute (a plugin's working directory is the runtime's, never
 * meaningful), without ".." segments and without control characters. Windows (C:\..., \\server\share) and POSIX
 * forms are both accepted, so a config validates the same on every machine.
 */
export function configPathProblem(text: string): string | undefined {
  const control = controlCharacterProblem(text);
  if (control !== undefined) return control;
  const windowsDrive = /^[A-Za-z]:[\\/]/.test(text) || /^\\\\[^\\]+\\[^\\]+/.test(text);
  if (!windowsDrive && !path.posix.isAbsolute(text)) {
    return `must be an absolute path (e.g. C:\\k\\config), not ${JSON.stringify(text)}`;
  }
  if (text.split(/[\\/]/).includes('..')) return 'must not contain ".." segments';
  return undefined;
}

/** A DNS server: an IPv4 or IPv6 address (CNI spec: "a string containing either an IPv4 or an IPv6 address"). */
export function dnsServerProblem(text: string): string | undefined {
  return isIP(text) === 0 ? `must be an IPv4 or IPv6 address, not ${JSON.stringify(text)}` : undefined;
}

// RFC 1123 host names, with "_" allowed (SRV-style labels) and an optional final dot.
const DNS_LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const DNS_NAME = new RegExp(`^${DNS_LABEL}(?:\\.${DNS_LABEL})*\\.?$`);

/** A DNS domain or search suffix. */
export function dnsNameProblem(text: string): string | undefined {
  if (text.length > 253 || !DNS_NAME.test(text)) return `must be a DNS domain name, not ${JSON.stringify(text)}`;
  return undefined;
}

/** A resolver option: `ndots:5`, `edns0`, `timeout:2`, `single-request-reopen`. */
export function dnsOptionProblem(text: string): string | undefined {
  return /^[A-Za-z0-9_.:+-]{1,64}$/.test(text)
    ? undefined
    : `must be a resolver option such as "ndots:5", not ${JSON.stringify(text)}`;
}
