// The plugin as a front to the node agent's CNI server (docs/agent-server.md), through the built executable: verbs
// forwarded to `hns-cni node --serve-only` answer exactly as in-process ones; every case where the agent cannot or
// must not take a verb (none, a squatter on its port, a stale endpoint file, another environment) runs in-process;
// an agent killed mid-ADD loses no address and leaks no endpoint; concurrent ADDs through one agent end consistent.
import * as fs from 'node:fs';
import { createServer, type Socket } from 'node:net';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder } from '../../src/agent-link/frames.js';
import { newNonce } from '../../src/agent-link/handshake.js';
import { MAX_HELLO_FRAME, MAX_UNPROVEN } from '../../src/agent-link/server.js';
import { AgentProcess } from '../helpers/agent-process.js';
import { pluginBinary, runPlugin } from '../helpers/plugin-process.js';
import { addressProblems, endpointsInHns, heldAddresses } from './address-invariant.js';
import { type Attachment, minimalConfig, SimNode } from './plugin-harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function node(): Promise<SimNode> {
  const n = await SimNode.start('hns-cni-agent-');
  cleanups.push(() => n.stop());
  return n;
}

async function agentFor(n: SimNode, extra: Record<string, string> = {}): Promise<AgentProcess> {
  const a = await AgentProcess.start({ ...n.env, ...extra });
  cleanups.push(() => a.stop('SIGKILL'));
  return a;
}

function logLines(n: SimNode, msg: string): Array<Record<string, unknown>> {
  const text = fs.existsSync(n.env.HNS_CNI_LOG!) ? fs.readFileSync(n.env.HNS_CNI_LOG!, 'utf8') : '';
  return text
    .split('\n')
    .filter((l) => l.includes(msg))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const config = minimalConfig('l2bridge', { cniVersion: '1.1.0' });

function fallbackReasons(n: SimNode): unknown[] {
  return logLines(n, 'agent: running the verb in-process').map((l) => l.reason);
}

// dist/hns-cni is the native front (native/front), which logs nothing itself and hands the engine a reason code;
// the engine run directly (HNS_CNI_BIN=dist/hns-cni-engine) is its own front (src/agent-link/front.ts) and logs
// a sentence. Both are held to the same behaviour; only the wording of the logged reason differs.
const nativeFront = !path.basename(pluginBinary()).startsWith('hns-cni-engine');
const reason = (code: string, sentence: RegExp): RegExp => (nativeFront ? new RegExp(`^${code}$`) : sentence);

/** ADD, CHECK (with the prevResult), GC keeping it, DEL, on a fresh node; the outputs with the namespace GUID masked. */
async function lifecycle(n: SimNode): Promise<unknown[]> {
  const at: Attachment = { containerId: 'agent-c1', netns: await n.createNamespace() };
  const mask = (run: { code: number | null; stdout: string }) => ({
    code: run.code,
    stdout: run.stdout.replaceAll(at.netns, '<netns>'),
  });
  const add = await n.cni('ADD', config, at);
  const check = await n.cni('CHECK', { ...config, prevResult: add.json }, at);
  const gc = await n.cni('GC', {
    ...config,
    'cni.dev/valid-attachments': [{ containerID: 'agent-c1', ifname: 'eth0' }],
  });
  const addAgain = await n.cni('ADD', config, at);
  const del = await n.cni('DEL', config, at);
  const bad = await n.cni('ADD', { ...config, mode: 'no-such-mode' }, { containerId: 'agent-c2', netns: at.netns });
  return [add, check, gc, addAgain, del, bad].map(mask);
}

describe('verbs through the agent', () => {
  it('ADD/CHECK/GC/DEL and an error answer exactly as in-process, and each went through the agent', async () => {
    const viaAgent = await node();
    const agent = await agentFor(viaAgent);
    const inProcess = await node();
    const forwarded = await lifecycle(viaAgent);
    const local = await lifecycle(inProcess);
    expect(forwarded).toEqual(local);
    expect((local[0] as { code: number }).code).toBe(0);
    expect((local[5] as { code: number }).code).toBe(1);
    // Six verbs, six served requests, of the agent's own pid (not a fallback that happened to answer the same).
    expect(await agent.served()).toBe(6);
    expect(logLines(viaAgent, 'agent: running the verb in-process')).toEqual([]);
    expect(endpointsInHns(viaAgent)).toEqual([]);
    expect(heldAddresses(viaAgent, 'k8s-pods')).toEqual([]);
  });

  it('20 concurrent ADDs through one agent get 20 distinct addresses and endpoints; 20 DELs leave nothing', async () => {
    const n = await node();
    n.cniTimeoutMs = 180_000;
    const agent = await agentFor(n);
    const ats: Attachment[] = [];
    for (let i = 0; i < 20; i++) ats.push({ containerId: `burst-${i}`, netns: await n.createNamespace() });
    const adds = await Promise.all(ats.map((at) => n.cni('ADD', config, at)));
    expect(adds.map((r) => r.code)).toEqual(ats.map(() => 0));
    const ips = adds.map((r) => (r.json!.ips as Array<{ address: string }>)[0]!.address);
    expect(new Set(ips).size).toBe(20);
    expect(endpointsInHns(n)).toHaveLength(20);
    expect(addressProblems(n, 'k8s-pods')).toEqual([]);
    expect(await agent.served()).toBe(20);
    const dels = await Promise.all(ats.map((at) => n.cni('DEL', config, at)));
    expect(dels.map((r) => r.code)).toEqual(ats.map(() => 0));
    expect(endpointsInHns(n)).toEqual([]);
    expect(heldAddresses(n, 'k8s-pods')).toEqual([]);
    expect({ served: await agent.served(), fallbacks: fallbackReasons(n) }).toEqual({ served: 40, fallbacks: [] });
  });
});

describe('the agent’s worker threads', () => {
  // Each HNS call of a request holds a libuv worker thread while HNS works (koffi's async calls): with libuv's
  // default of 4, a burst of pods waits behind four calls queued in HNS. The native front widens the pool for `node`.
  async function poolSize(n: SimNode, extra: Record<string, string> = {}): Promise<unknown> {
    await agentFor(n, extra);
    const deadline = Date.now() + 10_000;
    while (logLines(n, 'agent: CNI server listening').length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return logLines(n, 'agent: CNI server listening').at(-1)?.threadPool;
  }

  it('are 64 when started through the native front, unless the operator chose a number', async () => {
    const inherited = process.env.UV_THREADPOOL_SIZE;
    expect(await poolSize(await node())).toBe(inherited ?? (nativeFront ? '64' : 'libuv default (4)'));
    expect(await poolSize(await node(), { UV_THREADPOOL_SIZE: '8' })).toBe('8');
  });
});

describe('one attachment, one verb at a time, inside the agent too', () => {
  it('8 concurrent ADDs of one container through the agent: one endpoint, one address, every reply the same', async () => {
    const n = await node();
    n.cniTimeoutMs = 180_000;
    const agent = await agentFor(n);
    const at = { containerId: 'same-1', netns: await n.createNamespace() };
    const adds = await Promise.all(Array.from({ length: 8 }, () => n.cni('ADD', config, at)));
    expect(adds.map((r) => r.code)).toEqual(adds.map(() => 0));
    expect(new Set(adds.map((r) => r.stdout)).size).toBe(1);
    expect(endpointsInHns(n)).toHaveLength(1);
    expect(heldAddresses(n, 'k8s-pods')).toHaveLength(1);
    expect(addressProblems(n, 'k8s-pods')).toEqual([]);
    expect(await agent.served('same-1')).toBe(8);
    expect((await n.cni('DEL', config, at)).code).toBe(0);
    expect(endpointsInHns(n)).toEqual([]);
    expect(heldAddresses(n, 'k8s-pods')).toEqual([]);
  });
});

describe('the front runs the verb itself when the agent cannot take it', () => {
  it('no agent: no endpoint file, the verb runs in-process', async () => {
    const n = await node();
    const at = { containerId: 'none-1', netns: await n.createNamespace() };
    const add = await n.cni('ADD', config, at, { HNS_CNI_LOG_LEVEL: 'debug' });
    expect(add.code).toBe(0);
    const reasons = fallbackReasons(n);
    expect(reasons).toHaveLength(1);
    // A fresh node has no data directory yet: the native front leaves creating it to the engine.
    expect(String(reasons[0])).toMatch(reason('no-data-dir', /^no agent endpoint file$/));
    const again = await n.cni('DEL', config, at, { HNS_CNI_LOG_LEVEL: 'debug' });
    expect(again.code).toBe(0);
    expect(String(fallbackReasons(n)[1])).toMatch(reason('no-endpoint-file', /^no agent endpoint file$/));
  });

  it('a stale endpoint file (the agent is gone): the verb runs in-process', async () => {
    const n = await node();
    const agent = await agentFor(n);
    await agent.stop('SIGKILL'); // killed: its endpoint file stays behind
    expect(fs.existsSync(path.join(n.env.HNS_CNI_DATA_DIR!, 'agent-cni.json'))).toBe(true);
    const add = await n.cni('ADD', config, { containerId: 'stale-1', netns: await n.createNamespace() });
    expect(add.code).toBe(0);
    expect(String(logLines(n, 'agent: running the verb in-process')[0]?.reason)).toMatch(
      reason('unreachable', /not reachable on port/),
    );
  });

  it('a squatter on the port that does not know the secret learns nothing of the request', async () => {
    const n = await node();
    const received: Buffer[] = [];
    const squatter = createServer((socket: Socket) => {
      socket.on('data', (b: Buffer) => received.push(b));
      socket.on('error', () => {});
      // It answers like a server, with a proof it cannot make.
      socket.write(encodeFrame({ t: 'challenge', nonce: newNonce(), proof: 'ab'.repeat(32) }));
    });
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => squatter.close(() => r())));
    const port = (squatter.address() as { port: number }).port;
    fs.mkdirSync(n.env.HNS_CNI_DATA_DIR!, { recursive: true, mode: 0o700 });
    fs.writeFileSync(
      path.join(n.env.HNS_CNI_DATA_DIR!, 'agent-cni.json'),
      JSON.stringify({ port, pid: process.pid, secret: 'cd'.repeat(32) }),
      { mode: 0o600 },
    );
    const at = { containerId: 'squat-1', netns: await n.createNamespace() };
    const add = await n.cni('ADD', config, at);
    expect(add.code).toBe(0);
    const frames = new FrameDecoder().push(Buffer.concat(received));
    expect(frames.map((f) => f.t)).toEqual(['hello']);
    expect(Buffer.concat(received).toString('latin1')).not.toMatch(/squat-1|CNI_|k8s-pods/);
    expect(String(logLines(n, 'agent: running the verb in-process')[0]?.reason)).toMatch(
      reason('bad-proof', /does not know the agent's secret/),
    );
  });

  it('a client without the secret cannot drive the agent', async () => {
    const n = await node();
    const agent = await agentFor(n);
    const { connect } = await import('node:net');
    const socket = connect({ host: '127.0.0.1', port: agent.endpoint.port });
    const decoder = new FrameDecoder();
    const messages: Array<Record<string, unknown>> = [];
    socket.on('data', (b: Buffer) => messages.push(...decoder.push(b)));
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.write(encodeFrame({ t: 'hello', protocol: 'hns-cni-agent/2', nonce: newNonce() }));
    await new Promise((r) => setTimeout(r, 200));
    socket.write(
      encodeFrame({
        t: 'request',
        proof: 'ef'.repeat(32),
        cni: { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'intruder', CNI_NETNS: 'x', CNI_IFNAME: 'eth0', CNI_PATH: '/x' },
        compared: Object.fromEntries(Object.entries(n.env)),
        execPath: 'hns-cni',
        stdin: Buffer.from(JSON.stringify(config)).toString('base64'),
      }),
    );
    await closed;
    expect(messages.map((m) => m.t)).toEqual(['challenge']);
    expect(await agent.served()).toBe(0);
    expect(endpointsInHns(n)).toEqual([]);
    expect(logLines(n, 'agent: CNI connection closed').map((l) => l.reason)).toEqual([
      'the front did not prove the secret',
    ]);
  });

  it('a flood of connections that never prove the secret: new ones are closed, fronts run in-process, then it serves again', async () => {
    const n = await node();
    const agent = await agentFor(n);
    const { connect } = await import('node:net');
    const idle: Socket[] = [];
    for (let i = 0; i < MAX_UNPROVEN; i++) {
      const s = connect({ host: '127.0.0.1', port: agent.endpoint.port });
      s.on('error', () => {});
      await new Promise<void>((r) => s.once('connect', () => r()));
      idle.push(s);
    }
    await new Promise((r) => setTimeout(r, 200)); // the agent has accepted every one
    const at = { containerId: 'flood-1', netns: await n.createNamespace() };
    const add = await n.cni('ADD', config, at);
    expect(add.code, add.stderr).toBe(0);
    expect(await agent.served()).toBe(0);
    expect(fallbackReasons(n)).toHaveLength(1);
    expect(logLines(n, 'too many connections that have not proved the secret')).toHaveLength(1);

    for (const s of idle) s.destroy();
    await new Promise((r) => setTimeout(r, 200));
    const del = await n.cni('DEL', config, at);
    expect(del.code, del.stderr).toBe(0);
    expect(await agent.served()).toBe(1);
    expect(logLines(n, 'agent: accepting connections again')).toHaveLength(1);
  });

  it('a first frame longer than a hello closes the connection before anything is buffered', async () => {
    const n = await node();
    const agent = await agentFor(n);
    const { connect } = await import('node:net');
    const socket = connect({ host: '127.0.0.1', port: agent.endpoint.port });
    socket.on('error', () => {});
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    const head = Buffer.alloc(4);
    head.writeUInt32BE(MAX_HELLO_FRAME + 1, 0);
    socket.write(head); // the length alone is enough to refuse
    await closed;
    // The agent's log line is written after it closed the socket.
    const reasons = async () => {
      for (let i = 0; i < 40; i++) {
        const lines = logLines(n, 'agent: CNI connection closed');
        if (lines.length > 0) return lines.map((l) => l.reason);
        await new Promise((r) => setTimeout(r, 50));
      }
      return [];
    };
    expect(await reasons()).toEqual([`bad frame length ${MAX_HELLO_FRAME + 1}`]);
  });

  it('a forwarded variable that is not UTF-8 (no JSON string carries it): the front runs the verb itself', async () => {
    const n = await node();
    const agent = await agentFor(n);
    const at = { containerId: 'latin1-1', netns: await n.createNamespace() };
    // A CNI_* variable travels with the request; a byte 0xE9 alone (Latin-1 é) in it cannot. JavaScript strings
    // cannot hold that byte, so a shell puts it into the front's environment.
    const run = await runPlugin({
      binary: '/bin/sh',
      args: ['-c', 'CNI_JUNK="$(printf \'caf\\351\')" exec "$0"', pluginBinary()],
      env: {
        ...n.env,
        CNI_COMMAND: 'ADD',
        CNI_CONTAINERID: at.containerId,
        CNI_NETNS: at.netns,
        CNI_IFNAME: 'eth0',
        CNI_PATH: '/usr/lib/cni',
        CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default',
      },
      stdin: config,
    });
    expect(run.code, run.stderr).toBe(0);
    if (nativeFront) {
      expect(await agent.served()).toBe(0);
      expect(fallbackReasons(n).map(String)).toEqual(['env-not-utf8']);
    }
    expect((await n.cni('DEL', config, at)).code).toBe(0);
  });

  it('an environment that changes behaviour and differs from the agent’s is refused, and runs in-process', async () => {
    const n = await node();
    const agent = await agentFor(n);
    const at = { containerId: 'env-1', netns: await n.createNamespace() };
    const add = await n.cni('ADD', config, at, { HNS_CNI_SIM_OPTIONS: 'endpointRoutes=full' });
    expect(add.code).toBe(0);
    expect(await agent.served()).toBe(0);
    expect(logLines(n, 'agent: CNI request refused').map((l) => l.reason)).toEqual([
      "HNS_CNI_SIM_OPTIONS differs from the agent's",
    ]);
    // Same environment: served.
    expect((await n.cni('DEL', config, at)).code).toBe(0);
    expect(await agent.served('env-1')).toBe(1);
  });

  it('a config asking for another log level than the agent’s runs in-process', async () => {
    const n = await node();
    const agent = await agentFor(n);
    const at = { containerId: 'log-1', netns: await n.createNamespace() };
    const add = await n.cni('ADD', { ...config, log: { level: 'debug' } }, at);
    expect(add.code).toBe(0);
    expect(await agent.served()).toBe(0);
    expect(logLines(n, 'agent: CNI request refused').map((l) => l.reason)).toEqual([
      'the config asks for another log level than the agent uses',
    ]);
  });
});

describe('the agent dies mid-ADD', () => {
  it('the front repeats the ADD in-process: one endpoint, its address held; DEL then leaves nothing', async () => {
    const n = await node();
    const agent = await agentFor(n);
    const at = { containerId: 'killed-1', netns: await n.createNamespace() };
    // The namespace attach (after the endpoint was created) hangs long enough to kill the agent while it waits.
    await n.sim(['fault', '--fn', 'HcnModifyNamespace', '--nth', '1', '--hang', '8000']);
    const adding = n.cni('ADD', config, at);
    const deadline = Date.now() + 60_000;
    while (!(await n.stats()).calls.HcnModifyNamespace && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await n.stats()).calls.HcnModifyNamespace).toBeGreaterThan(0);
    await agent.stop('SIGKILL');
    const add = await adding;
    expect(add.code).toBe(0);
    expect(String(logLines(n, 'agent: running the verb in-process')[0]?.reason)).toMatch(
      reason('dropped', /after the request was sent/),
    );
    const address = (add.json!.ips as Array<{ address: string }>)[0]!.address.split('/')[0];
    const endpoints = endpointsInHns(n);
    expect(endpoints).toHaveLength(1);
    expect(heldAddresses(n, 'k8s-pods')).toEqual([{ containerId: 'killed-1', ifName: 'eth0', address }]);
    expect(addressProblems(n, 'k8s-pods')).toEqual([]);
    await n.sim(['fault', '--clear']);
    expect((await n.cni('DEL', config, at)).code).toBe(0);
    expect(endpointsInHns(n)).toEqual([]);
    expect(heldAddresses(n, 'k8s-pods')).toEqual([]);
  });
});
