/**
 * Where a subscriber hands its chunks. A transport that can write to its
 * connection directly (Node's sockets, any runtime's WebSocket) attaches a
 * Sink and is written to synchronously, with no stream read, promise or
 * microtask per delivery. Anything that needs a web ReadableStream (a
 * Response body on Bun, Deno or Workers) reads the subscriber's `stream`,
 * which is itself a Sink underneath (streamSink below).
 *
 * Contract: `write` takes one chunk and returns whether the transport takes
 * another now; after `false` the subscriber writes nothing more until the
 * transport calls `resume()`. `end` comes once, after the last chunk; `abort`
 * instead of it when the stream ends at once (the connection is dropped).
 */
export interface Sink<T> {
  write(chunk: T): boolean;
  end(): void;
  abort(err: Error): void;
}

/** What a transport attaches a Sink to (a subscriber), found from the Response body it was handed. */
export interface DirectSource<T> {
  /** Writes go to `sink` from now on; false when the stream was already read from (keep reading it). */
  attach(sink: Sink<T>): boolean;
  /** The transport is ready for more after `write` returned false. */
  resume(): void;
}

/** Streams made by streamSink, to the subscriber behind each: how a transport skips the stream. */
const sources = new WeakMap<ReadableStream<unknown>, DirectSource<unknown>>();

/**
 * The source behind a Response body made by a subscriber, when nothing has
 * read that body yet: attach a Sink to it instead of reading the stream.
 */
export function directSource<T>(body: ReadableStream<T> | null | undefined): DirectSource<T> | undefined {
  return body ? (sources.get(body as ReadableStream<unknown>) as DirectSource<T> | undefined) : undefined;
}

/**
 * A web ReadableStream (highWaterMark 0: nothing is pulled ahead) fed
 * through a Sink: each write is one chunk for one read, then the stream
 * waits for the next read (`resume`). `initial` is the first chunk.
 */
export function streamSink<T>(source: DirectSource<T>, initial: T | undefined, cancel: () => void): { stream: ReadableStream<T>; sink: Sink<T> } {
  let controller!: ReadableStreamDefaultController<T>;
  const stream = new ReadableStream<T>(
    {
      start: (c) => {
        controller = c;
        if (initial !== undefined) c.enqueue(initial);
      },
      pull: () => source.resume(),
      cancel,
    },
    { highWaterMark: 0 },
  );
  sources.set(stream as ReadableStream<unknown>, source as DirectSource<unknown>);
  const sink: Sink<T> = {
    write(chunk) {
      controller.enqueue(chunk);
      return false; // the next read asks for more
    },
    end() {
      try {
        controller.close();
      } catch {
        /* already closed or errored */
      }
    },
    abort(err) {
      try {
        controller.error(err);
      } catch {
        /* already closed or errored */
      }
    },
  };
  return { stream, sink };
}
