/**
 * WebSocket sends on Node: pre-built RFC 6455 text frames shared by every
 * socket that sends the same message, a run of them in one socket write, and
 * a promise to wait on when the socket has more buffered than it should.
 */
import type { WSContext } from 'hono/ws';

/** Bytes buffered in a socket past which the sender waits for it to drain. */
const WS_SOCKET_HWM = 1 << 20;

/**
 * RFC 6455 text frames (server to client: unmasked, one frame per message),
 * built once per message text and shared by every socket that sends it. An
 * event's JSON text is one string object shared by all its subscribers, so
 * a small map keyed by it finds the frame for the 2nd..Nth subscriber.
 */
const FRAME_CACHE_MAX = 2048;
const frameCache = new Map<string, Buffer>();

export function textFrame(text: string): Buffer {
  let f = frameCache.get(text);
  if (f !== undefined) return f;
  const len = Buffer.byteLength(text);
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  f = Buffer.allocUnsafe(head + len);
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
  if (text.startsWith('{"control"')) return f; // one subscriber's own message: not shared
  if (frameCache.size >= FRAME_CACHE_MAX) frameCache.delete(frameCache.keys().next().value!);
  frameCache.set(text, f);
  return f;
}

type RawSocket = { write(b: Uint8Array, cb?: (err?: Error | null) => void): boolean; writableLength: number; destroyed: boolean };

export function sendBatch(ws: WSContext, messages: string[]): Promise<void> | void {
  const raw = ws.raw as WebSocket & { _socket?: RawSocket };
  if (raw.readyState !== 1) return;
  const sock = raw._socket;
  if (!sock || sock.destroyed) {
    for (const m of messages) raw.send(m);
    return;
  }
  // Whole frames written straight to the socket, one write for the whole run:
  // ws adds nothing here (no extensions are negotiated, perMessageDeflate is off).
  let buf: Buffer;
  if (messages.length === 1) buf = textFrame(messages[0]!);
  else {
    const frames = new Array<Buffer>(messages.length);
    let total = 0;
    for (let i = 0; i < messages.length; i++) total += (frames[i] = textFrame(messages[i]!)).length;
    buf = Buffer.concat(frames, total);
  }
  if (sock.writableLength + buf.length < WS_SOCKET_HWM) {
    sock.write(buf);
    return;
  }
  return new Promise<void>((resolve) => sock.write(buf, () => resolve()));
}
