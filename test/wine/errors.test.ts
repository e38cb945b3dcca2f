// Error paths of the shipped hns-cni.exe under Wine, each compared with the Linux build given the same request
// against the same simulator: the Windows exe must answer with the same typed CNI error (code, msg, details), and
// leave nothing behind that the runtime's follow-up DEL would not clean up.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { allocationsOf, createNamespace, deleteNamespace, endpoints, expectOk } from './hns-view.js';
import {
  type CnictlOutcome,
  cnictlExe,
  cnictlLinux,
  type Doc,
  expectEveryOutStringFreed,
  simCli,
  writeConflist,
  writeLinuxConflist,
} from './stage.js';

const conflist = (net: string, plugin: Record<string, unknown>) => ({
  cniVersion: '1.0.0',
  name: net,
  plugins: [{ type: 'hns-cni', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', ...plugin }],
});

/** The typed CNI error as libcni surfaced it. */
function cniError(r: CnictlOutcome): Doc {
  expect(r.status, `expected a failure, got ${JSON.stringify(r.out)}`).toBe(1);
  const { code, msg, details } = r.err;
  return { code, msg, details };
}

function addBoth(confFile: string, linuxConfFile: string, containerId: string, netns: string) {
  const runtime = ['--netns', netns, '--container-id', containerId, '--ifname', 'eth0'];
  return {
    windows: cnictlExe(['add', '--conflist', confFile, ...runtime]),
    linux: () => cnictlLinux(['add', '--conflist', linuxConfFile, ...runtime]),
  };
}

afterEach(() => {
  simCli(['sim', 'fault', '--clear']);
});

describe('hns-cni.exe error paths under Wine, compared with the Linux build', () => {
  it('a bad config: code 7 naming the field, identical to Linux', () => {
    const body = conflist('wine-err-bad', { mode: 'bogus', ipam: { subnet: '10.244.31.0/24' } });
    const winConf = writeConflist('50-wine-bad.conflist', body);
    const linuxConf = writeLinuxConflist('bad', body);
    const both = addBoth(winConf, linuxConf, 'pod-bad-config', randomUUID());
    const windowsError = cniError(both.windows);
    expect(windowsError.code).toBe(7);
    expect(String(windowsError.msg)).toContain('mode');
    expect(windowsError).toEqual(cniError(both.linux()));
  });

  it('a namespace that does not exist: the same typed error, nothing left behind, the follow-up DEL succeeds', () => {
    const net = 'wine-err-missing-ns';
    const body = conflist(net, { mode: 'nat', ipam: { subnet: '10.244.32.0/24' } });
    const winConf = writeConflist('51-wine-missing-ns.conflist', body);
    const linuxConf = writeLinuxConflist('missing-ns', body);
    const endpointsBefore = endpoints().length;
    const both = addBoth(winConf, linuxConf, 'pod-missing-ns', randomUUID());
    const windowsError = cniError(both.windows);
    expect(windowsError.code).not.toBe(999);
    expect(endpoints()).toHaveLength(endpointsBefore);
    expect(allocationsOf(net, 'pod-missing-ns')).toEqual([]);
    expect(windowsError).toEqual(cniError(both.linux()));
    expectOk(cnictlExe(['del', '--conflist', winConf, '--netns', '', '--container-id', 'pod-missing-ns']));
  });

  it('an HRESULT injected by the simulator: named in msg, identical to Linux, rolled back', () => {
    const net = 'wine-err-hresult';
    const body = conflist(net, { mode: 'nat', ipam: { subnet: '10.244.33.0/24' } });
    const winConf = writeConflist('52-wine-hresult.conflist', body);
    const linuxConf = writeLinuxConflist('hresult', body);
    const netns = createNamespace();
    const endpointsBefore = endpoints().length;

    simCli(['sim', 'fault', '--fn', 'HcnCreateEndpoint', '--hr', '0x803B001E']);
    const both = addBoth(winConf, linuxConf, 'pod-hresult', netns);
    const windowsError = cniError(both.windows);
    expect(String(windowsError.msg)).toContain('HCN_E_INVALID_IP (0x803B001E)');
    expect(endpoints()).toHaveLength(endpointsBefore);
    expect(allocationsOf(net, 'pod-hresult')).toEqual([]);
    expectOk(cnictlExe(['del', '--conflist', winConf, '--netns', netns, '--container-id', 'pod-hresult']));

    simCli(['sim', 'fault', '--fn', 'HcnCreateEndpoint', '--hr', '0x803B001E']);
    expect(windowsError).toEqual(cniError(both.linux()));
    deleteNamespace(netns);
  });

  it('freed every out-string the stub allocated, failures included', () => {
    expectEveryOutStringFreed();
  });
});
