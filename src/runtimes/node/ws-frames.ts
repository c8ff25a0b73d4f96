/**
 * WebSocket sends on Node: pre-built RFC 6455 text frames shared by every
 * socket that sends the same message, a run of them in one socket write, and
 * a promise to wait on when the socket has more buffered than it should.
 */
import type { WSContext } from 'hono/ws';
import { WS_SOCKET_HWM } from '../../core/runtime.ts';
import type { WsBatch } from '../../core/ws-batch.ts';

/**
 * Frames of shared messages (an event's JSON is one string object handed to
 * every subscriber of that event, and the batch says which texts are
 * shared), built once and kept for the 2nd..Nth socket. Bounded in bytes:
 * each entry weighs its frame and its key text; the oldest go first, and a
 * frame larger than an eighth of the budget is never kept.
 */
export const FRAME_CACHE_MAX_BYTES = 16 * 1024 * 1024;
const frameCache = new Map<string, Buffer>();
let frameCacheBytes = 0;

/** What the frame cache holds now (for tests). */
export function frameCacheSize(): { entries: number; bytes: number } {
  return { entries: frameCache.size, bytes: frameCacheBytes };
}

function buildFrame(text: string): Buffer {
  const len = Buffer.byteLength(text);
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const f = Buffer.allocUnsafe(head + len);
  f[0] = 0x81; // FIN + text
  if (head === 2) f[1] = len;
  else if (head === 4) {
    f[1] = 126;
    f.writeUInt16BE(len, 2);
  } else {
    f[1] = 127;
    f.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    f.writeUInt32BE(len >>> 0, 6);
  }
  f.write(text, head, 'utf8');
  return f;
}

/** The last shared frame: a flush hands one event's text to its subscribers one after another. */
let lastText: string | undefined;
let lastFrame: Buffer | undefined;

/** The frame of `text`; kept for other sockets when `shared`. */
export function textFrame(text: string, shared: boolean): Buffer {
  if (!shared) return buildFrame(text);
  if (text === lastText) return lastFrame!;
  let f = frameCache.get(text);
  lastText = text;
  if (f !== undefined) return (lastFrame = f);
  lastFrame = f = buildFrame(text);
  const weight = f.length + text.length;
  if (weight > FRAME_CACHE_MAX_BYTES / 8) return f;
  while (frameCacheBytes + weight > FRAME_CACHE_MAX_BYTES) {
    const [k, v] = frameCache.entries().next().value!;
    frameCache.delete(k);
    frameCacheBytes -= v.length + k.length;
  }
  frameCache.set(text, f);
  frameCacheBytes += weight;
  return f;
}

type RawSocket = { write(b: Uint8Array, cb?: (err?: Error | null) => void): boolean; writableLength: number; destroyed: boolean };

export function sendBatch(ws: WSContext, batch: WsBatch): Promise<void> | void {
  const raw = ws.raw as WebSocket & { _socket?: RawSocket };
  if (raw.readyState !== 1) return;
  const sock = raw._socket;
  const messages = batch.texts;
  if (!sock || sock.destroyed) {
    for (const m of messages) raw.send(m);
    return;
  }
  // Whole frames written straight to the socket, one write for the whole run:
  // ws adds nothing here (no extensions are negotiated, perMessageDeflate is off).
  let buf: Buffer;
  if (messages.length === 1) buf = textFrame(messages[0]!, batch.shared(0));
  else {
    const frames = new Array<Buffer>(messages.length);
    let total = 0;
    for (let i = 0; i < messages.length; i++) total += (frames[i] = textFrame(messages[i]!, batch.shared(i))).length;
    buf = Buffer.concat(frames, total);
  }
  if (sock.writableLength + buf.length < WS_SOCKET_HWM) {
    sock.write(buf);
    return;
  }
  return new Promise<void>((resolve) => sock.write(buf, () => resolve()));
}
