/**
 * SSE bodies on Bun as direct streams: the subscriber writes each chunk
 * straight into Bun's response buffer and flushes it, with no web stream
 * read, promise or microtask per delivery. Bun answers a write with the
 * bytes it took, or with a promise when its buffer is full (the subscriber
 * then waits for it); a client that goes away cancels the stream.
 */
import type { DirectSource, Sink } from '../../core/sink.ts';

/** The parts of Bun's direct stream controller used here. */
interface DirectController {
  write(chunk: Uint8Array): number | Promise<number>;
  flush(): number | Promise<number>;
  close(error?: Error): void;
}

export function directEventStream(source: DirectSource<Uint8Array>): ReadableStream<Uint8Array> {
  const underlying = {
    type: 'direct',
    // Called once; the response ends when the promise it returns settles.
    pull(controller: DirectController): Promise<void> {
      return new Promise<void>((done) => {
        const resume = () => source.resume();
        const finish = (err?: Error) => {
          try {
            controller.close(err);
          } catch {
            /* already closed */
          }
          done();
        };
        const sink: Sink<Uint8Array> = {
          write(chunk) {
            const wrote = controller.write(chunk);
            const flushed = controller.flush();
            if (typeof wrote === 'number' && typeof flushed === 'number') return true;
            Promise.all([wrote, flushed]).then(resume, resume);
            return false;
          },
          end: () => finish(),
          abort: (err) => finish(err),
        };
        source.attach(sink);
      });
    },
    cancel: () => source.close(),
  };
  return new ReadableStream(underlying as unknown as UnderlyingDefaultSource<Uint8Array>);
}
