import { describe, expect, it } from 'vitest';
import { parseCniArgs } from '../../../src/cni/args.js';

describe('parseCniArgs', () => {
  it("reads containerd's pod identity in any order", () => {
    const a = parseCniArgs('K8S_POD_NAME=web-0;IgnoreUnknown=1;K8S_POD_NAMESPACE=prod;K8S_POD_UID=u-1');
    const b = parseCniArgs('K8S_POD_UID=u-1;K8S_POD_NAMESPACE=prod;IgnoreUnknown=1;K8S_POD_NAME=web-0');
    expect(a).toEqual(b);
    expect(a.problems).toEqual([]);
    expect(a.args).toEqual({
      K8S_POD_NAME: 'web-0',
      IgnoreUnknown: '1',
      K8S_POD_NAMESPACE: 'prod',
      K8S_POD_UID: 'u-1',
    });
  });

  it('keeps non-ASCII values intact', () => {
    const { args, problems } = parseCniArgs('K8S_POD_NAME=pöd-名前-🚀;K8S_POD_NAMESPACE=ns');
    expect(problems).toEqual([]);
    expect(args.K8S_POD_NAME).toBe('pöd-名前-🚀');
  });

  it('rejects unknown keys unless IgnoreUnknown is 1 or true (any case)', () => {
    expect(parseCniArgs('FOO=1;K8S_POD_NAME=x').problems).toEqual([expect.stringContaining('unknown keys ["FOO"]')]);
    expect(parseCniArgs('FOO=1;IgnoreUnknown=0').problems).toEqual([expect.stringContaining('unknown keys')]);
    for (const flag of ['1', 'true', 'TRUE', 'True']) {
      const parsed = parseCniArgs(`FOO=1;IgnoreUnknown=${flag}`);
      expect(parsed.problems).toEqual([]);
      expect(parsed.args.FOO).toBe('1'); // kept, so a handler may still look at it
    }
  });

  it('rejects an IgnoreUnknown value that is not a boolean', () => {
    expect(parseCniArgs('IgnoreUnknown=yes').problems).toEqual([expect.stringContaining('IgnoreUnknown must be')]);
  });

  it('matches keys case-sensitively like libcni', () => {
    expect(parseCniArgs('k8s_pod_name=x').problems).toEqual([expect.stringContaining('unknown keys ["k8s_pod_name"]')]);
  });

  it('splits on the first "=" only and skips empty segments', () => {
    const { args, problems } = parseCniArgs('IP=10.0.0.5;;K8S_POD_NAME=a=b;');
    expect(problems).toEqual([]);
    expect(args).toEqual({ IP: '10.0.0.5', K8S_POD_NAME: 'a=b' });
  });

  it('reports a segment without a key or without "="', () => {
    expect(parseCniArgs('=x;K8S_POD_NAME').problems).toEqual([
      expect.stringContaining('invalid pair "=x"'),
      expect.stringContaining('invalid pair "K8S_POD_NAME"'),
    ]);
  });

  it('keeps the last value of a repeated key', () => {
    expect(parseCniArgs('IP=1.1.1.1;IP=2.2.2.2').args.IP).toBe('2.2.2.2');
  });

  it('accepts an empty CNI_ARGS', () => {
    expect(parseCniArgs('')).toEqual({ args: {}, problems: [] });
  });
});
