/**
 * A subscriber that connects and then never reads: a raw TCP socket that
 * sends the request and pauses, so the kernel buffers fill and the
 * gateway's queue for it grows.
 */
import net from 'node:net';

export class StalledClient {
  readonly socket: net.Socket;
  closed = false;
  received = '';

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }

  /** Opens `path` (SSE or a WebSocket upgrade), reads the response head, then stops reading. */
  static open(base: string, path: string, ws = false): Promise<StalledClient> {
    const u = new URL(base);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(u.port), u.hostname, () => {
        const head = ws
          ? `GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`
          : `GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\n\r\n`;
        socket.write(head);
      });
      socket.setNoDelay(true);
      // Shrink what the kernel buffers for us, so the gateway's queue is what fills.
      const c = new StalledClient(socket);
      socket.once('data', (d) => {
        c.received += d.toString('latin1');
        socket.pause();
        resolve(c);
      });
      socket.once('error', reject);
    });
  }

  /** Reads everything that arrives from now on (to see the final signal). */
  drain(): void {
    this.socket.on('data', (d) => (this.received += d.toString('latin1')));
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
