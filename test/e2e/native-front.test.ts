// The native front (native/front, docs/agent-server.md "The native front"), dist/hns-cni beside dist/hns-cni-engine:
// VERSION answered by the front itself byte for byte as the engine; every other invocation relayed to an agent that
// proves the secret (here a scripted agent, so the request frame itself can be checked: environment, execPath, stdin
// bytes) or handed to the engine with the reason, stdin intact; the engine missing is a CNI error.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, type Message, MessageReader } from '../../src/agent-link/frames.js';
import { checkProof, newNonce, newSecret, proof } from '../../src/agent-link/handshake.js';
import { versionReply } from '../../src/cni/versions.js';
import { cniEnv, pluginBinary, pluginEngine } from '../helpers/plugin-process.js';

const front = pluginBinary();
const engine = pluginEngine();

interface Raw {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `binary` with exactly `env` (plus PATH) and raw stdin; stdout as bytes. */
function runRaw(binary: string, env: Record<string, string>, stdin?: Buffer | 'leave-open', args: string[] = []) {
  return new Promise<Raw>((resolve, reject) => {
    const child = spawn(binary, args, { env: { PATH: process.env.PATH ?? '', ...env } });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.stdin.on('error', () => {});
    if (stdin !== 'leave-open') child.stdin.end(stdin ?? Buffer.alloc(0));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
  });
}

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A private data directory (0700, ours) with a log file, as the agent and the engine would use. */
function dataDir(): { dir: string; env: Record<string, string>; reasons: () => unknown[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-cni-front-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const log = path.join(dir, 'hns-cni.log');
  const env = { HNS_CNI_DATA_DIR: dir, HNS_CNI_LOG: log, HNS_CNI_LOG_LEVEL: 'debug', HNS_CNI_HCN: 'sim' };
  const reasons = () =>
    (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n') : [])
      .filter((l) => l.includes('agent: running the verb in-process'))
      .map((l) => (JSON.parse(l) as { reason: unknown }).reason);
  return { dir, env, reasons };
}

type Script = (socket: Socket, reader: MessageReader, frontNonce: string, secret: string) => Promise<void>;

/**
 * A scripted agent on a loopback port, published in `dir`'s endpoint file: it answers the hello with a proper
 * challenge (or what `challenge` says), checks the front's proof, records the request, then runs `script`.
 */
async function scriptedAgent(dir: string, script: Script, challenge?: (frontNonce: string) => Message) {
  const secret = newSecret();
  const requests: Message[] = [];
  const received: Buffer[] = [];
  const server: Server = createServer((socket) => {
    socket.on('data', (b: Buffer) => received.push(b));
    socket.on('error', () => {});
    const reader = new MessageReader(socket);
    void (async () => {
      const hello = await reader.next(5_000);
      const frontNonce = String(hello.nonce);
      const serverNonce = newNonce();
      socket.write(
        encodeFrame(
          challenge?.(frontNonce) ?? {
            t: 'challenge',
            nonce: serverNonce,
            proof: proof(secret, 'server', frontNonce, serverNonce),
          },
        ),
      );
      const request = await reader.next(5_000);
      if (!checkProof(request.proof, secret, 'front', frontNonce, serverNonce)) throw new Error('bad front proof');
      requests.push(request);
      await script(socket, reader, frontNonce, secret);
    })().catch(() => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as { port: number }).port;
  fs.writeFileSync(path.join(dir, 'agent-cni.json'), JSON.stringify({ port, pid: 4242, secret }), { mode: 0o600 });
  return { requests, received: () => Buffer.concat(received) };
}

const reply =
  (out: Buffer, code: number): Script =>
  async (socket) => {
    socket.end(encodeFrame({ t: 'reply', code, out: out.toString('base64') }));
  };

/** A config the engine rejects only after reading all of it: its last member is an unsupported version (code 1);
 * cut short it would be a decode error (code 6). */
function bigConfig(): Buffer {
  const odd = '\u0000\u001f"\\\u2028é😀';
  return Buffer.from(
    `{"name":"big","type":"hns-cni","pad":${JSON.stringify(odd.repeat(200) + 'x'.repeat(200 * 1024))},"cniVersion":"9.9.9"}`,
    'utf8',
  );
}

describe('VERSION, answered by the front', () => {
  it('is byte for byte the engine’s answer and versionReply(), whatever else the environment holds; stdin unread', async () => {
    const expected = Buffer.from(`${JSON.stringify(versionReply())}\n`);
    for (const env of [
      { CNI_COMMAND: 'VERSION' },
      cniEnv('VERSION', { CNI_CONTAINERID: 'bad id!', CNI_IFNAME: 'much-too-long-interface-name' }),
      { CNI_COMMAND: 'VERSION', HNS_CNI_AGENT: 'off', HNS_CNI_DATA_DIR: 'relative' },
    ]) {
      const mine = await runRaw(front, env, 'leave-open');
      const theirs = await runRaw(engine!, env, 'leave-open');
      expect(mine).toEqual({ code: 0, stdout: expected, stderr: '' });
      expect(theirs).toEqual(mine);
    }
  });
});

describe('what the front hands to the engine', () => {
  it('commands, --help, --version, an unknown command and no CNI_COMMAND behave exactly as the engine', async () => {
    for (const [args, env] of [
      [['--version'], {}],
      [['--help'], {}],
      [['no-such-command'], {}],
      [[], {}],
      [[], { CNI_COMMAND: 'BOGUS' }],
    ] as const) {
      const mine = await runRaw(front, { ...env }, Buffer.alloc(0), [...args]);
      const theirs = await runRaw(engine!, { ...env }, Buffer.alloc(0), [...args]);
      expect({ args, ...mine, stdout: mine.stdout.toString() }).toEqual({
        args,
        ...theirs,
        stdout: theirs.stdout.toString(),
      });
    }
  });

  it('a missing data directory, a group-writable one, one of another owner: the engine, and its 104', async () => {
    const { dir, env, reasons } = dataDir();
    const add = cniEnv('ADD');
    const config = Buffer.from('{"cniVersion":"1.1.0","name":"n","type":"hns-cni"}');
    fs.chmodSync(dir, 0o770);
    const writable = await runRaw(front, { ...env, ...add }, config);
    expect(writable.code).toBe(1);
    expect(JSON.parse(writable.stdout.toString()).code).toBe(104);
    fs.chmodSync(dir, 0o700);
    if (process.getuid?.() === 0) {
      fs.chownSync(dir, 12345, 12345);
      const foreign = await runRaw(front, { ...env, ...add }, config);
      expect(JSON.parse(foreign.stdout.toString()).code).toBe(104);
      fs.chownSync(dir, 0, 0);
    }
    // Its reason, with the log elsewhere (the engine refuses the directory its log would be in).
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-cni-front-log-'));
    cleanups.push(() => fs.rmSync(elsewhere, { recursive: true, force: true }));
    const log = path.join(elsewhere, 'x.log');
    fs.chmodSync(dir, 0o775);
    await runRaw(front, { ...env, ...add, HNS_CNI_LOG: log }, config);
    const why = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.includes('running the verb in-process'));
    expect(why.map((l) => JSON.parse(l).reason)).toEqual(['data-dir-not-private']);
    expect(reasons()).toEqual([]);
    // Missing: the front creates nothing; the engine creates it private and runs the verb.
    fs.rmSync(dir, { recursive: true });
    const del = Buffer.from(
      '{"cniVersion":"1.1.0","name":"n","type":"hns-cni","mode":"l2bridge","ipam":{"subnet":"10.0.0.0/24"}}',
    );
    const fresh = await runRaw(front, { ...env, ...cniEnv('DEL'), HNS_CNI_LOG: log }, del);
    expect(fresh).toEqual({ code: 0, stdout: Buffer.alloc(0), stderr: '' });
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const again = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.includes('running the verb in-process'));
    expect(again.map((l) => JSON.parse(l).reason)).toEqual(['data-dir-not-private', 'no-data-dir']);
  });

  it('the engine missing: a CNI error naming it (999, exit 1), and a message on stderr for a command', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-cni-front-alone-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const alone = path.join(dir, 'hns-cni');
    fs.copyFileSync(front, alone);
    fs.chmodSync(alone, 0o755);
    const add = await runRaw(alone, { ...cniEnv('ADD'), HNS_CNI_AGENT: 'off' }, Buffer.from('{}'));
    expect(add.code).toBe(1);
    const doc = JSON.parse(add.stdout.toString());
    expect(doc).toEqual({
      cniVersion: '1.1.0',
      code: 999,
      msg: expect.stringContaining(path.join(dir, 'hns-cni-engine')),
      details: '',
    });
    const cmd = await runRaw(alone, {}, Buffer.alloc(0), ['--version']);
    expect(cmd).toEqual({ code: 1, stdout: Buffer.alloc(0), stderr: expect.stringContaining('hns-cni-engine') });
    // VERSION needs no engine.
    expect((await runRaw(alone, { CNI_COMMAND: 'VERSION' })).code).toBe(0);
  });
});

describe('relayed to the agent', () => {
  it('sends the request exactly (CNI_* and compared variables with odd values, execPath, 200 KiB of odd stdin) and writes the reply’s bytes and code', async () => {
    const { dir, env, reasons } = dataDir();
    const out = Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x0a, 0x22, 0x5c, 0x80, 0x7d, 0x0a]);
    const agent = await scriptedAgent(dir, reply(out, 7));
    const stdin = bigConfig();
    const odd = { CNI_ARGS: 'A="q";B=\\x\nline2\ttab\u0001é😀', HNS_CNI_SIM_OPTIONS: '"quoted" \r\n ünïcødé' };
    const cni = { ...cniEnv('ADD'), ...odd, KUBERNETES_SERVICE_HOST: 'kube', OTHER_VAR: 'not sent' };
    const run = await runRaw(front, { ...env, ...cni, TMPDIR: '/tmp' }, stdin);
    expect(run).toEqual({ code: 7, stdout: out, stderr: '' });
    expect(agent.requests).toHaveLength(1);
    const request = agent.requests[0]!;
    const { OTHER_VAR: _, HNS_CNI_SIM_OPTIONS: __, ...sentCni } = cni;
    expect(request.cni).toEqual(sentCni);
    expect(request.compared).toEqual({ ...env, HNS_CNI_SIM_OPTIONS: odd.HNS_CNI_SIM_OPTIONS, TMPDIR: '/tmp' });
    expect(request.execPath).toBe(front);
    expect(Buffer.from(String(request.stdin), 'base64').equals(stdin)).toBe(true);
    expect(reasons()).toEqual([]);
  });

  it('a refusal, a connection dropped after the request, a junk challenge, a wrong proof: the engine runs the verb with the same stdin and logs why', async () => {
    const stdin = bigConfig();
    const direct = await runRaw(engine!, { ...dataDir().env, ...cniEnv('ADD'), HNS_CNI_AGENT: 'off' }, stdin);
    expect(direct.code).toBe(1);
    expect(JSON.parse(direct.stdout.toString()).code).toBe(1); // all of stdin was read: the version, not a decode
    const cases: Array<[string, Script, ((n: string) => Message) | undefined]> = [
      ['refused', async (s) => void s.end(encodeFrame({ t: 'refused', reason: 'test' })), undefined],
      ['dropped', async (s) => void s.destroy(), undefined],
      ['bad-challenge', async () => {}, () => ({ t: 'junk' })],
      ['bad-proof', async () => {}, () => ({ t: 'challenge', nonce: newNonce(), proof: 'ab'.repeat(32) })],
      ['bad-reply', async (s) => void s.end(encodeFrame({ t: 'reply', code: 0, out: '***' })), undefined],
    ];
    for (const [code, script, challenge] of cases) {
      const { dir, env, reasons } = dataDir();
      const agent = await scriptedAgent(dir, script, challenge);
      const run = await runRaw(front, { ...env, ...cniEnv('ADD') }, stdin);
      expect({ code, run: { ...run, stdout: run.stdout.toString() } }).toEqual({
        code,
        run: { ...direct, stdout: direct.stdout.toString() },
      });
      expect(reasons()).toEqual([code]);
      if (challenge !== undefined) {
        // No request byte reached a port that could not prove the secret.
        expect(agent.requests).toEqual([]);
        expect(agent.received().toString('latin1')).not.toMatch(/CNI_|big|request/);
      }
    }
  });

  it('a malformed endpoint file, one naming a closed port, HNS_CNI_AGENT=off: the engine, with the reason', async () => {
    for (const [content, extra, code] of [
      ['{"port":1,"pid":1,"secret":"xyz"}', {}, 'endpoint-malformed'],
      ['{"port":1,"pid":1,"secret":"' + 'a'.repeat(64) + '"} trailing', {}, 'endpoint-malformed'],
      [JSON.stringify({ port: 1, pid: 1, secret: 'a'.repeat(64) }), {}, 'unreachable'],
    ] as const) {
      const { dir, env, reasons } = dataDir();
      fs.writeFileSync(path.join(dir, 'agent-cni.json'), content, { mode: 0o600 });
      const run = await runRaw(front, { ...env, ...extra, ...cniEnv('DEL') }, Buffer.from('{"cniVersion":"9.9.9"}'));
      expect(run.code).toBe(1);
      expect(reasons()).toEqual([code]);
    }
    const { dir, env, reasons } = dataDir();
    const agent = await scriptedAgent(dir, reply(Buffer.alloc(0), 0));
    const off = await runRaw(
      front,
      { ...env, ...cniEnv('DEL'), HNS_CNI_AGENT: 'off' },
      Buffer.from('{"cniVersion":"9.9.9"}'),
    );
    expect(off.code).toBe(1);
    expect(agent.requests).toEqual([]);
    expect(reasons()).toEqual([]); // the engine does not offer (or log) when the agent is off
  });
});
