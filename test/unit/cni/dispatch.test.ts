import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CniIo, type PluginHandlers, runCni } from '../../../src/cni/dispatch.js';
import { CniError } from '../../../src/cni/errors.js';
import type { CniRequest, CniResult } from '../../../src/cni/types.js';
import type { LogLevel, LogMeta, LogOptions } from '../../../src/log/logger.js';
import { resetLogForTests, setLogSink } from '../../../src/log/logger.js';

interface Run {
  code: number;
  stdout: unknown[];
  stderr: string[];
  stdinReads: number;
  logOptions: LogOptions[];
  calls: string[];
  requests: CniRequest[];
}

const attachmentEnv = {
  CNI_CONTAINERID: 'c0ffee',
  CNI_NETNS: '5a1e2c3d-0000-4000-8000-000000000001',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web',
};

const addResult: CniResult = {
  cniVersion: '1.1.0',
  interfaces: [{ name: 'eth0', mtu: 1450 }],
  ips: [{ address: '10.244.1.5/24', gateway: '10.244.1.2', interface: 0 }],
};

type Behaviour = Partial<Record<'add' | 'del' | 'check' | 'gc' | 'status' | 'loadConfig', () => unknown>>;

async function run(env: NodeJS.ProcessEnv, stdin: unknown, behaviour: Behaviour = {}): Promise<Run> {
  const out: Run = { code: -1, stdout: [], stderr: [], stdinReads: 0, logOptions: [], calls: [], requests: [] };
  const io: CniIo = {
    env,
    platform: 'linux',
    readStdin: () => {
      out.stdinReads++;
      return Buffer.from(typeof stdin === 'string' ? stdin : JSON.stringify(stdin));
    },
    writeStdoutJson: (value) => out.stdout.push(value),
    writeStderrText: (text) => out.stderr.push(text),
    configureLog: async (options) => {
      out.logOptions.push(options);
    },
  };
  const record = (name: string, req: CniRequest) => {
    out.calls.push(name);
    out.requests.push(req);
    return behaviour[name as keyof Behaviour]?.();
  };
  const handlers: PluginHandlers<{ loaded: true }> = {
    loadConfig: (_raw, req) => {
      record('loadConfig', req);
      return { loaded: true };
    },
    add: async (req, conf) => {
      expect(conf).toEqual({ loaded: true });
      return (record('add', req) as CniResult | undefined) ?? addResult;
    },
    del: async (req) => void record('del', req),
    check: async (req) => void record('check', req),
    gc: async (req) => void record('gc', req),
    status: async (req) => void record('status', req),
  };
  out.code = await runCni(async () => handlers, io);
  return out;
}

const logLines: { level: LogLevel; msg: string; meta?: LogMeta }[] = [];
beforeEach(() => {
  resetLogForTests();
  logLines.length = 0;
  setLogSink((level, msg, meta) => logLines.push({ level, msg, meta }));
});
afterEach(() => resetLogForTests());

const conf = (cniVersion: string, extra: Record<string, unknown> = {}) => ({
  cniVersion,
  name: 'pods',
  type: 'hns-cni',
  ...extra,
});

describe('runCni: dispatch', () => {
  it.each([
    ['ADD', '1.1.0', 'add'],
    ['DEL', '1.1.0', 'del'],
    ['CHECK', '1.1.0', 'check'],
    ['GC', '1.1.0', 'gc'],
    ['STATUS', '1.1.0', 'status'],
  ])('%s calls loadConfig and only its own handler', async (verb, version, handler) => {
    const r = await run({ ...attachmentEnv, CNI_COMMAND: verb }, conf(version));
    expect(r.code).toBe(0);
    expect(r.calls).toEqual(['loadConfig', handler]);
  });

  it.each(['DEL', 'CHECK', 'GC', 'STATUS'])('%s prints nothing on success', async (verb) => {
    const r = await run({ ...attachmentEnv, CNI_COMMAND: verb }, conf('1.1.0'));
    expect(r.stdout).toEqual([]);
  });

  it('builds the request from env and stdin', async () => {
    const stdin = conf('1.0.0', { log: { file: '/var/log/x.log', level: 'debug' } });
    const r = await run({ ...attachmentEnv, CNI_COMMAND: 'DEL', CNI_NETNS: '' }, stdin);
    expect(r.requests[0]).toMatchObject({
      verb: 'DEL',
      containerId: 'c0ffee',
      netns: '',
      ifName: 'eth0',
      args: { IgnoreUnknown: '1', K8S_POD_NAMESPACE: 'default', K8S_POD_NAME: 'web' },
      path: ['/opt/cni/bin'],
      cniVersion: '1.0.0',
      config: stdin,
    });
    expect(r.requests[0]!.rawConfig.toString()).toBe(JSON.stringify(stdin));
    expect(r.logOptions[0]).toEqual({ file: '/var/log/x.log', level: 'debug' });
  });

  it('VERSION answers without reading stdin or loading the handlers', async () => {
    const r = await run({ CNI_COMMAND: 'VERSION' }, 'never read');
    expect(r.code).toBe(0);
    expect(r.stdinReads).toBe(0);
    expect(r.calls).toEqual([]);
    expect(r.stdout).toEqual([
      { cniVersion: '1.1.0', supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] },
    ]);
  });

  it('an empty CNI_COMMAND prints the about text on stderr only and exits 0 (skel)', async () => {
    const r = await run({ CNI_COMMAND: '' }, conf('1.1.0'));
    expect(r).toMatchObject({ code: 0, stdout: [], stdinReads: 0 });
    expect(r.stderr.join('')).toMatch(
      /hns-cni[\s\S]*CNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0/,
    );
  });
});

describe('runCni: ADD result in the requested version', () => {
  it.each([
    ['0.3.0', [{ address: '10.244.1.5/24', gateway: '10.244.1.2', interface: 0, version: '4' }], [{ name: 'eth0' }]],
    ['0.3.1', [{ address: '10.244.1.5/24', gateway: '10.244.1.2', interface: 0, version: '4' }], [{ name: 'eth0' }]],
    ['0.4.0', [{ address: '10.244.1.5/24', gateway: '10.244.1.2', interface: 0, version: '4' }], [{ name: 'eth0' }]],
    ['1.0.0', [{ address: '10.244.1.5/24', gateway: '10.244.1.2', interface: 0 }], [{ name: 'eth0' }]],
    ['1.1.0', [{ address: '10.244.1.5/24', gateway: '10.244.1.2', interface: 0 }], [{ name: 'eth0', mtu: 1450 }]],
  ])('%s', async (version, ips, interfaces) => {
    const r = await run({ ...attachmentEnv, CNI_COMMAND: 'ADD' }, conf(version));
    expect(r.code).toBe(0);
    expect(r.stdout).toEqual([{ cniVersion: version, interfaces, ips }]);
  });

  // types/020: flannel hands its delegate "0.2.0"; a config without cniVersion is 0.1.0.
  it.each(['0.1.0', '0.2.0'])('%s: ip4 (the first IPv4 address, with its gateway), no interfaces', async (version) => {
    const r = await run({ ...attachmentEnv, CNI_COMMAND: 'ADD' }, conf(version));
    expect(r.code).toBe(0);
    expect(r.stdout).toEqual([{ cniVersion: version, ip4: { ip: '10.244.1.5/24', gateway: '10.244.1.2' } }]);
  });
});

describe('runCni: errors', () => {
  it('reports env problems before touching stdin', async () => {
    const r = await run({ CNI_COMMAND: 'ADD' }, 'never read');
    expect(r.code).toBe(1);
    expect(r.stdinReads).toBe(0);
    expect(r.stdout).toEqual([
      expect.objectContaining({ cniVersion: '1.1.0', code: 4, msg: expect.stringContaining('CNI_CONTAINERID') }),
    ]);
  });

  it('undecodable stdin is code 6, and the log is still configured (from env/defaults)', async () => {
    const r = await run({ ...attachmentEnv, CNI_COMMAND: 'ADD' }, '{oops');
    expect(r.stdout).toEqual([expect.objectContaining({ code: 6 })]);
    expect(r.logOptions).toEqual([{}]);
  });

  it('an unsupported version is code 1 and the error speaks 1.1.0', async () => {
    const r = await run({ ...attachmentEnv, CNI_COMMAND: 'ADD' }, conf('0.5.0'));
    expect(r.stdout).toEqual([expect.objectContaining({ cniVersion: '1.1.0', code: 1 })]);
    expect(r.calls).toEqual([]);
  });

  it('a CniError from a handler passes through unchanged, in the request version', async () => {
    const fail = () => {
      throw new CniError(101, 'pool exhausted', 'subnet 10.244.1.0/24');
    };
    const r = await run({ ...attachmentEnv, CNI_COMMAND: 'ADD' }, conf('0.4.0'), { add: fail });
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([
      { cniVersion: '0.4.0', code: 101, msg: 'pool exhausted', details: 'subnet 10.244.1.0/24' },
    ]);
  });

  it('a config error from loadConfig stops before the handler', async () => {
    const invalid = () => {
      throw new CniError(7, 'invalid network configuration: mtu: too big');
    };
    const r = await run({ ...attachmentEnv, CNI_COMMAND: 'CHECK' }, conf('1.0.0'), { loadConfig: invalid });
    expect(r.calls).toEqual(['loadConfig']);
    expect(r.stdout).toEqual([
      expect.objectContaining({ code: 7, msg: 'invalid network configuration: mtu: too big' }),
    ]);
  });

  it('an unexpected exception becomes 999 "internal error"; its stack goes only to the log', async () => {
    const bug = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    };
    const r = await run({ ...attachmentEnv, CNI_COMMAND: 'DEL' }, conf('1.0.0'), { del: bug });
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([
      {
        cniVersion: '1.0.0',
        code: 999,
        msg: "internal error: Cannot read properties of undefined (reading 'id')",
        details: '',
      },
    ]);
    expect(JSON.stringify(r.stdout)).not.toContain('at ');
    const logged = logLines.find((l) => l.level === 'error');
    expect((logged?.meta?.error as Error).stack).toContain('TypeError');
  });
});
