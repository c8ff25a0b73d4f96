// Forked by load/deliver.mjs: opens N raw subscriber connections (SSE or
// WebSocket) and counts what arrives. Counting connections only scan framing
// in one shared read buffer; the first P connections are probes that parse
// each event's JSON for metadata.seq and metadata.sentAt. "Stalled"
// connections complete the handshake and then never read again.
import net from 'node:net';
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Dechunker, SseCounter, SseProbe, WsScanner } from './scan.mjs';

const shared = Buffer.allocUnsafe(256 * 1024);
const now = () => performance.timeOrigin + performance.now();
let subs = [];
let cfg;

function makeSub(i) {
  const probe = i < cfg.probes;
  const stalled = !probe && i >= cfg.subs - cfg.stalled;
  const path = cfg.paths[i % cfg.paths.length];
  const s = {
    i,
    probe,
    stalled,
    path,
    alive: false,
    failed: false,
    closed: false,
    status: 0,
    count: 0,
    scan: null,
    seqs: probe ? new Map() : null,
    lat: probe ? [] : null,
    dupes: 0,
    other: 0,
  };
  return s;
}

function onProbeJson(s, text) {
  let ev;
  try {
    ev = JSON.parse(text);
  } catch {
    s.other++;
    return;
  }
  const m = ev?.metadata;
  if (!m || typeof m.seq !== 'number') {
    s.other++;
    return;
  }
  if (m.seq < 0) return; // warm-up
  const n = s.seqs.get(m.seq) || 0;
  if (n) s.dupes++;
  s.seqs.set(m.seq, n + 1);
  if (typeof m.sentAt === 'number') s.lat.push(now() - m.sentAt);
}

function connect(s) {
  return new Promise((resolve) => {
    let head = '';
    /** @type {((buf: Buffer, start: number, end: number) => void) | null} */
    let body = null; // once headers are through
    const sock = net.connect({
      host: cfg.host,
      port: cfg.port,
      onread: {
        buffer: shared,
        /** @param {number} n @param {Buffer} buf @returns {any} */
        callback(n, buf) {
          if (body) {
            body(buf, 0, n);
            return;
          }
          head += buf.toString('latin1', 0, n);
          const at = head.indexOf('\r\n\r\n');
          if (at === -1) return;
          const status = Number(head.slice(9, 12));
          s.status = status;
          const ok = cfg.transport === 'ws' ? status === 101 : status === 200;
          if (!ok) {
            s.failed = true;
            sock.destroy();
            resolve();
            return;
          }
          const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head.slice(0, at));
          body = bodyReader(s, sock, chunked);
          s.alive = true;
          const rest = Buffer.from(head.slice(at + 4), 'latin1');
          head = '';
          if (rest.length) body(rest, 0, rest.length);
          if (s.stalled) sock.pause();
          resolve();
        },
      },
    });
    s.sock = sock;
    sock.setNoDelay(true);
    sock.on('connect', () => {
      const host = `${cfg.host}:${cfg.port}`;
      const extra = cfg.headers || '';
      if (cfg.transport === 'ws') {
        const key = crypto.randomBytes(16).toString('base64');
        sock.write(
          `GET ${s.path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
        );
      } else {
        sock.write(`GET ${s.path} HTTP/1.1\r\nHost: ${host}\r\nAccept: text/event-stream\r\n${extra}\r\n`);
      }
    });
    sock.on('error', () => {
      if (!s.alive) {
        s.failed = true;
        resolve();
      }
    });
    sock.on('close', () => {
      if (s.alive) s.closed = true;
      s.alive = false;
      resolve();
    });
  });
}

function bodyReader(s, sock, chunked) {
  if (cfg.transport === 'ws') {
    const sc = new WsScanner({
      onText: s.probe ? (t) => onProbeJson(s, t) : undefined,
      onPing: (p) => {
        const f = Buffer.alloc(6 + p.length);
        f[0] = 0x8a;
        f[1] = 0x80 | p.length;
        p.copy(f, 6);
        sock.write(f);
      },
    });
    s.scan = sc;
    return (b, st, e) => sc.feed(b, st, e);
  }
  /** @type {any} */
  const sc = s.probe
    ? new SseProbe((t) => {
        sc.count++;
        onProbeJson(s, t);
      })
    : new SseCounter();
  if (s.probe) sc.count = 0;
  s.scan = sc;
  const feed = (b, st, e) => sc.feed(b, st, e);
  if (!chunked) return feed;
  const d = new Dechunker(feed);
  return (b, st, e) => d.push(b, st, e);
}

async function connectAll() {
  subs = Array.from({ length: cfg.subs }, (_, i) => makeSub(i));
  const t0 = Date.now();
  let next = 0;
  const lanes = Array.from({ length: Math.min(cfg.concurrency, subs.length) }, async () => {
    while (next < subs.length) {
      const s = subs[next++];
      for (let attempt = 0; attempt < 3; attempt++) {
        s.failed = false;
        await connect(s);
        if (s.alive) break;
      }
    }
  });
  await Promise.all(lanes);
  return Date.now() - t0;
}

const counts = () => subs.map((s) => (s.scan ? s.scan.count : 0));

process.on('message', async (/** @type {any} */ msg) => {
  if (msg.cmd === 'connect') {
    cfg = msg.cfg;
    const ms = await connectAll();
    const bad = subs.find((s) => !s.alive && s.status);
    process.send({ type: 'connected', ms, alive: subs.filter((s) => s.alive).length, failed: subs.filter((s) => !s.alive).length, status: bad ? `HTTP ${bad.status}` : undefined });
  } else if (msg.cmd === 'counts') {
    process.send({ type: 'counts', counts: counts(), alive: subs.map((s) => s.alive), stalled: subs.map((s) => s.stalled) });
  } else if (msg.cmd === 'report') {
    const cpu = process.cpuUsage();
    const probes = subs.filter((s) => s.probe).map((s) => ({ seqs: [...s.seqs.entries()], lat: s.lat, dupes: s.dupes, other: s.other, alive: s.alive }));
    process.send({ type: 'report', counts: counts(), alive: subs.map((s) => s.alive), closed: subs.filter((s) => s.closed).length, probes, cpuS: (cpu.user + cpu.system) / 1e6 });
  } else if (msg.cmd === 'close') {
    for (const s of subs) s.sock?.destroy();
    setTimeout(() => process.exit(0), 50);
  }
});
process.send({ type: 'up' });
