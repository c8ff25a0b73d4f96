/**
 * HTTP/1.1 spoken by hand over a TCP socket, for requests no ordinary client
 * sends (curl's h2c offer, two Host headers, pipelining, trickled headers):
 * the test writes exact bytes and reads back parsed responses.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as text (de-chunked); for a response still streaming, what has come so far. */
  body: string;
}

/** One response parsed off the front of `buf`, or undefined until all of it is in (`streaming`: the head is enough). */
function parseOne(buf: Buffer, streaming: boolean): { res: RawResponse; used: number } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine, ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let at = end + 4;
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const nl = buf.indexOf('\r\n', at);
      if (nl === -1) return streaming ? { res: { status, headers, body: Buffer.concat(parts).toString('utf8') }, used: buf.length } : undefined;
      const size = parseInt(buf.subarray(at, nl).toString('latin1'), 16);
      if (buf.length < nl + 2 + size + 2) return streaming ? { res: { status, headers, body: Buffer.concat(parts).toString('utf8') }, used: buf.length } : undefined;
      parts.push(buf.subarray(nl + 2, nl + 2 + size));
      at = nl + 2 + size + 2;
      if (size === 0) return { res: { status, headers, body: Buffer.concat(parts).toString('utf8') }, used: at };
    }
  }
  const len = Number(headers['content-length'] ?? 0);
  if (buf.length < at + len) return streaming ? { res: { status, headers, body: buf.subarray(at).toString('utf8') }, used: buf.length } : undefined;
  return { res: { status, headers, body: buf.subarray(at, at + len).toString('utf8') }, used: at + len };
}

export class RawConnection {
  readonly socket: net.Socket;
  received = Buffer.alloc(0);
  closed = false;
  error: string | undefined;
  #read = 0;
  #waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d) => {
      this.received = Buffer.concat([this.received, d]);
      this.#wake();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (this.error = e.code ?? e.message));
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
  }

  static open(base: string): Promise<RawConnection> {
    const u = new URL(base);
    return new Promise((resolve, reject) => {
      const s = net.connect(Number(u.port), u.hostname, () => {
        s.off('error', reject);
        resolve(new RawConnection(s));
      });
      s.once('error', reject);
    });
  }

  /** Connects, sends `bytes`, and resolves with the first full response. */
  static async exchange(base: string, bytes: string | Buffer): Promise<RawResponse & { conn: RawConnection }> {
    const c = await RawConnection.open(base);
    c.send(bytes);
    return { ...(await c.response()), conn: c };
  }

  send(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves when `pred()` holds; rejects after `ms` with what was received. */
  until(pred: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; received:\n${this.received.toString('latin1').slice(0, 2000)}`)), ms);
      const check = () => {
        if (pred()) {
          clearTimeout(t);
          resolve();
        } else this.#waiters.push(check);
      };
      check();
    });
  }

  /** The next complete response on the connection (in order, for pipelined requests). */
  async response(ms = 10_000): Promise<RawResponse> {
    let got: ReturnType<typeof parseOne>;
    await this.until(() => (got = parseOne(this.received.subarray(this.#read), false)) !== undefined || this.closed, ms, 'a response');
    if (!got) throw new Error(`connection closed (${this.error ?? 'no error'}) before a whole response; received:\n${this.received.subarray(this.#read).toString('latin1')}`);
    this.#read += got.used;
    return got.res;
  }

  /** The next response's head and whatever of its body has come so far (an event stream). */
  async streamHead(ms = 10_000): Promise<RawResponse> {
    let got: ReturnType<typeof parseOne>;
    await this.until(() => (got = parseOne(this.received.subarray(this.#read), true)) !== undefined || this.closed, ms, 'a response head');
    if (!got) throw new Error(`connection closed (${this.error ?? 'no error'}) before a response head`);
    return got.res;
  }

  /** Everything received so far after the responses already taken, as text. */
  rest(): string {
    return this.received.subarray(this.#read).toString('latin1');
  }

  /** Resolves once the server has closed the connection. */
  async closedByServer(ms = 10_000): Promise<void> {
    await this.until(() => this.closed, ms, 'the server to close the connection');
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** curl --http2's request head against a plain-HTTP server: an h2c upgrade offer (RFC 7540 §3.2). */
export function h2cOffer(method: string, path: string, host: string, extra: string[] = []): string {
  return (
    `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n` +
    'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n' +
    extra.map((h) => `${h}\r\n`).join('') +
    '\r\n'
  );
}
