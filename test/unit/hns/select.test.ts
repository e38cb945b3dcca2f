// Backend selection: the real DLLs through FFI on Windows, the simulator elsewhere, HNS_CNI_HCN overriding both.
import { describe, expect, it } from 'vitest';
import { selectedBackend } from '../../../src/hns/select.js';

describe('selectedBackend', () => {
  it('defaults to ffi on Windows and sim elsewhere', () => {
    expect(selectedBackend({}, 'win32')).toBe('ffi');
    expect(selectedBackend({}, 'linux')).toBe('sim');
  });

  it('HNS_CNI_HCN overrides the platform default either way', () => {
    expect(selectedBackend({ HNS_CNI_HCN: 'sim' }, 'win32')).toBe('sim');
    expect(selectedBackend({ HNS_CNI_HCN: 'ffi' }, 'linux')).toBe('ffi');
    expect(selectedBackend({ HNS_CNI_HCN: '' }, 'linux')).toBe('sim');
  });

  it('refuses an unknown backend name', () => {
    expect(() => selectedBackend({ HNS_CNI_HCN: 'real' }, 'linux')).toThrow(/HNS_CNI_HCN must be "ffi" or "sim"/);
  });
});
