import { describe, expect, it } from 'vitest';
import { frontBeside, frontOrigin, takeFrontArguments } from '../../../src/cni/front-origin.js';

describe('the engine started by the native front', () => {
  it('leaves arguments alone when no front started it', () => {
    expect(takeFrontArguments(['node', '--once'])).toEqual(['node', '--once']);
    expect(takeFrontArguments([])).toEqual([]);
    expect(frontOrigin()).toBeUndefined();
  });

  it("takes the front's path and reason off the arguments", () => {
    expect(
      takeFrontArguments(['--front=C:\\k\\cni\\nat.exe', '--fallback=no-endpoint-file', 'ipam', '--json']),
    ).toEqual(['ipam', '--json']);
    expect(frontOrigin()).toEqual({ frontPath: 'C:\\k\\cni\\nat.exe', fallback: 'no-endpoint-file' });
    expect(takeFrontArguments(['--front=/opt/cni/bin/hns-cni'])).toEqual([]);
    expect(frontOrigin()).toEqual({ frontPath: '/opt/cni/bin/hns-cni', fallback: undefined });
  });

  it('finds the front beside an engine', () => {
    expect(frontBeside('C:\\opt\\cni\\bin\\hns-cni-engine.exe', 'win32')).toBe('C:\\opt\\cni\\bin\\hns-cni.exe');
    expect(frontBeside('/opt/cni/bin/hns-cni-engine', 'linux')).toBe('/opt/cni/bin/hns-cni');
  });
});
