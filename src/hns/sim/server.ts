// `hns-cni sim serve`: the simulator behind the C stub (native/PROTOCOL.md). Each plugin process holds one TCP
// connection; calls on one connection are answered in order, connections are served concurrently, and every call
// goes through the same invokeSim as the in-process backend (same state file, counters, latency and faults).
import * as net from 'node:net';
import { log } from '../../log/logger.js';
import type { SimCall, SimFunction } from './functions.js';
import { recordStubReport } from './instrumentation.js';
import { invokeSim } from './invoke.js';
import { isIphlpFunction } from './ip-helper.js';
import { transact } from './state-file.js';
import { type CallRequest, decodeRequest, encodeReply, FrameReader, OP_CALL } from './wire.js';

export interface SimServer {
  /** host:port actually bound (the port is chosen by the OS when 0 was asked for). */
  readonly address: string;
  close(): Promise<void>;
}

export interface SimServerOptions {
  host?: string;
  port?: number;
  stateFile: string;
}

/** The call a wire request stands for: s1/s2/s3 mean different things per function (PROTOCOL.md). */
export function abiCallOf(r: CallRequest): SimCall {
  const fn = r.fn as SimFunction;
  if (fn === 'HNSCall') return { fn, method: r.s1, path: r.s2, request: r.s3 };
  if (fn.startsWith('Hcs')) return hcsCallOf(fn, r);
  if (isIphlpFunction(fn)) return { fn, ...(r.s1 !== undefined ? { settings: r.s1 } : {}) };
  const call: SimCall = { fn };
  if (r.guid !== undefined) call.id = r.guid;
  if (/^Hcn(CreateEndpoint|Modify|Query|Close)/.test(fn)) call.handle = r.handle;
  if (/^Hcn(Create|Modify)/.test(fn)) call.settings = r.s1;
  else if (/^Hcn(Enumerate|Query)/.test(fn)) call.query = r.s1;
  return call;
}

/** vmcompute.dll's Hcs*: Open names the system by a string id; the others take a handle (and s1). */
function hcsCallOf(fn: SimFunction, r: CallRequest): SimCall {
  if (fn === 'HcsOpenComputeSystem') return { fn, ...(r.s1 !== undefined ? { systemId: r.s1 } : {}) };
  const call: SimCall = { fn, handle: r.handle };
  if (fn === 'HcsModifyComputeSystem') call.settings = r.s1;
  if (fn === 'HcsGetComputeSystemProperties') call.query = r.s1;
  return call;
}

export function startSimServer(opts: SimServerOptions): Promise<SimServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => serveConnection(socket, opts.stateFile, sockets));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const a = server.address() as net.AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({
        address: `${host}:${a.port}`,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function serveConnection(socket: net.Socket, stateFile: string, sockets: Set<net.Socket>): void {
  sockets.add(socket);
  socket.setNoDelay(true);
  const reader = new FrameReader();
  // Answer in arrival order even if a later call would finish first.
  let queue: Promise<void> = Promise.resolve();
  socket.on('data', (chunk: Buffer) => {
    let frames: Buffer[];
    try {
      frames = reader.push(chunk);
    } catch (e) {
      log.warn('sim serve: dropping connection', { error: String(e) });
      socket.destroy();
      return;
    }
    for (const frame of frames) queue = queue.then(() => handleFrame(socket, stateFile, frame));
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => sockets.delete(socket));
}

async function handleFrame(socket: net.Socket, stateFile: string, frame: Buffer): Promise<void> {
  try {
    const req = decodeRequest(frame);
    if (req.op !== OP_CALL) {
      await transact(stateFile, (s) => recordStubReport(s, req.pid, Number(req.allocations), Number(req.frees)));
      return;
    }
    const { reply, kill } = await invokeSim(stateFile, abiCallOf(req), {
      stub: { pid: req.pid, wantsErrorRecord: req.wantsErrorRecord },
    });
    if (socket.destroyed) return;
    socket.write(
      encodeReply({
        hr: reply.hr,
        action: kill ? 1 : 0,
        handle: reply.handle ?? 0n,
        ...(reply.output !== undefined ? { output: reply.output } : {}),
        ...(reply.errorRecord !== undefined ? { errorRecord: reply.errorRecord } : {}),
      }),
    );
  } catch (e) {
    log.warn('sim serve: bad request', { error: String(e) });
    socket.destroy();
  }
}
