/**
 * SSE responses on Node, written by us rather than @hono/node-server's
 * generic body pump, with HTTP/1.1 chunks framed once per shared event.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { directSource, type Sink } from '../../core/sink.ts';
import { behindStream, hasLiveStream, markLiveStream } from './request-guards.ts';

/**
 * Event-stream responses written here rather than by @hono/node-server's
 * generic body pump: headers at once, then one `write` per chunk the
 * subscriber's stream hands over, waiting for `drain` when the socket is
 * full. Same bytes and backpressure, fewer objects kept per open stream
 * (no pending async frame, no close/error listeners, no `closed` promise).
 * Other responses pass through untouched. A stream whose response would
 * wait behind another on its connection (pipelined) is cancelled and
 * refused (request-guards.ts): one live stream per connection.
 */
export function withDirectEventStreams(fetch: (req: Request, env: any) => Response | Promise<Response>) {
  return async (req: Request, env: any): Promise<Response> => {
    const res = await fetch(req, env);
    const out = env?.outgoing as ServerResponse | undefined;
    // Status and headers first: reading `body` turns node-server's light Response into a full one.
    if (!out || res.status !== 200 || !res.headers.get('content-type')?.startsWith('text/event-stream') || !res.body) return res;
    if (!out.socket || hasLiveStream(out.socket)) {
      await res.body.cancel();
      return behindStream();
    }
    markLiveStream(out.socket, out);
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    out.writeHead(res.status, headers);
    // A subscriber's stream nobody has read yet: written to the socket directly, with no stream in between.
    const source = directSource<Uint8Array>(res.body);
    if (!source?.attach(new SocketSink(source, out))) pipeEventStream(res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>, out);
    return RESPONSE_ALREADY_SENT;
  };
}

/**
 * HTTP/1.1 chunks, framed here: one socket write per chunk instead of the
 * four buffers ServerResponse.write hands to writev. A chunk that is one
 * event's shared SSE bytes reaches its subscribers one after another in a
 * flush, so the last framing is kept and reused while the same bytes come by.
 */
let lastChunk: Uint8Array | undefined;
let lastFrame: Buffer | undefined;
function chunkFrame(data: Uint8Array): Buffer {
  if (data === lastChunk) return lastFrame!;
  const head = `${data.byteLength.toString(16)}\r\n`;
  const f = Buffer.allocUnsafe(head.length + data.byteLength + 2);
  f.write(head, 0, 'latin1');
  f.set(data, head.length);
  f[f.length - 2] = 13;
  f[f.length - 1] = 10;
  lastChunk = data;
  lastFrame = f;
  return f;
}

/**
 * The response's socket as a sink: one write per chunk, `drain` to resume
 * (the subscriber, or the read loop of a stream). A class, so that an idle
 * stream keeps one object here rather than a closure per method.
 */
class SocketSink implements Sink<Uint8Array> {
  readonly #source: { resume(): void };
  readonly #out: ServerResponse;
  /** The socket itself when the response is chunked (HTTP/1.1): chunks are framed here. */
  readonly #sock: Socket | undefined;
  #resume: (() => void) | undefined;

  constructor(source: { resume(): void }, out: ServerResponse) {
    this.#source = source;
    this.#out = out;
    const sock = out.socket;
    this.#sock = sock !== null && out.chunkedEncoding === true ? sock : undefined;
    if (this.#sock) out.flushHeaders();
  }

  /** The connection is gone (its close ends the subscriber; a read loop stops). */
  get gone(): boolean {
    return this.#out.destroyed || (this.#sock?.destroyed ?? false);
  }

  write(chunk: Uint8Array): boolean {
    if (this.gone) return false;
    if (chunk.byteLength === 0) return true;
    const sock = this.#sock;
    if (sock ? sock.write(chunkFrame(chunk)) : this.#out.write(chunk)) return true;
    this.#resume ??= () => this.#source.resume();
    (sock ?? this.#out).once('drain', this.#resume);
    return false;
  }

  end(): void {
    this.#out.end();
  }

  abort(): void {
    this.#out.destroy();
  }
}

/** A stream nobody attached to (not a subscriber's own): read chunk by chunk into the same socket sink. */
function pipeEventStream(reader: ReadableStreamDefaultReader<Uint8Array>, out: ServerResponse): void {
  const fail = () => out.destroy();
  const next = () => void reader.read().then(step, fail);
  const sink = new SocketSink({ resume: next }, out);
  const step = (r: ReadableStreamReadResult<Uint8Array>): void => {
    if (r.done) sink.end();
    else if (sink.write(r.value)) next();
    else if (sink.gone) reader.cancel().catch(() => {});
  };
  next();
}
