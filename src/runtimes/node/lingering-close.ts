/**
 * A lingering close for a connection answered before its request body was
 * read (a 413 for an oversized body, say). Node closes such a connection
 * with `socket.destroySoon()` once the answer is written (`Connection:
 * close`, or @hono/node-server giving up on draining the body): the client
 * is still sending, the kernel answers its next bytes with a reset, and the
 * reset throws away the answer before the client reads it. Here the close
 * sends FIN after the answer and goes on reading (and discarding) what the
 * client still sends, until it stops (its FIN), LINGER_MAX_BYTES or
 * LINGER_MS, and only then closes: the client reads its answer.
 */
import type { Socket } from 'node:net';

/** Longest the connection stays open, reading, after its answer. */
export const LINGER_MS = 2000;
/** Most bytes read and discarded after the answer before the connection is cut. */
export const LINGER_MAX_BYTES = 64 * 1024 * 1024;

const LINGERS = Symbol('eventgate.lingers');
type Lingering = Socket & { [LINGERS]?: true };

function lingeringDestroySoon(this: Socket): void {
  if (this.writable) this.end();
  let seen = 0;
  const cut = () => this.destroy();
  const timer = setTimeout(cut, LINGER_MS);
  timer.unref();
  this.on('data', (d: Buffer) => {
    seen += d.length;
    if (seen > LINGER_MAX_BYTES) cut();
  });
  this.once('end', cut);
  this.once('close', () => clearTimeout(timer));
  this.resume();
}

/** From now on, closing `socket` "soon" lingers as described above. */
export function lingerOnClose(socket: Socket): void {
  const s = socket as Lingering;
  if (s[LINGERS] || s.destroyed) return;
  s[LINGERS] = true;
  // An own property on this one socket: Node's http server calls socket.destroySoon() when a response ends the connection.
  s.destroySoon = lingeringDestroySoon;
}
