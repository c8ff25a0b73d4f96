/**
 * Live delivery from the Redis stream: one dedicated connection doing
 * XREAD BLOCK from the last delivered offset, and handing each batch to the
 * sink in stream order. Every instance delivers its own publishes this way
 * too, so all instances deliver one order.
 *
 * Each round also re-reads the window in the same pipeline (one round trip),
 * which is how a replaced stream (flushed or new Redis: a new epoch) is
 * noticed even when nothing new arrives; an entry of another epoch stops the
 * round at once. After a lost connection the loop resumes from the last
 * delivered offset, so the sink gets what it missed, in order; if Redis
 * trimmed some of it meanwhile, or the epoch changed, `onBreak` is told first.
 */
import type { Redis } from 'ioredis';
import { formatCursor, newEpoch } from '../../core/cursor.ts';
import type { Envelope } from '../../core/event.ts';
import type { StreamBreak } from '../../core/store.ts';
import { decodeEntry, type RawEntry } from './decode.ts';
import { parseReadReply, type ReadReply } from './reply.ts';

export interface TailOptions {
  /** A connection used for nothing else (XREAD BLOCK holds it), with `egRead` defined. */
  conn: Redis;
  meta: string;
  stream: string;
  /** Where to start: the epoch and head read at open. */
  epoch: string;
  after: number;
  blockMs: number;
  /** Most entries per round. */
  count: number;
  /** The authoritative window, read each round. */
  onWindow: (w: ReadReply) => void;
  deliver: (envs: Envelope[]) => void;
  onBreak: (b: StreamBreak) => void;
  onMalformed: (offset: number | null, why: string) => void;
  /** Connection trouble and recovery, once per change. */
  onState: (healthy: boolean, err?: unknown) => void;
}

type Pipe = ReturnType<Redis['pipeline']> & { egRead(...args: (string | number)[]): Pipe };

export class RedisTail {
  readonly #o: TailOptions;
  #epoch: string;
  #last: number;
  #closed = false;
  #healthy = true;
  #clientId: number | undefined;
  #running: Promise<void> | undefined;

  constructor(o: TailOptions) {
    this.#o = o;
    this.#epoch = o.epoch;
    this.#last = o.after;
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  /** Offset of the last event handed to the sink. */
  get last(): number {
    return this.#last;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** The connection's id, for CLIENT UNBLOCK (to end a blocked read early). */
  get clientId(): number | undefined {
    return this.#clientId;
  }

  async stop(): Promise<void> {
    this.#closed = true;
    await this.#running;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      try {
        const p = this.#o.conn.pipeline() as Pipe;
        p.client('ID');
        p.egRead(this.#o.meta, this.#o.stream, newEpoch(), 'window', '0', '0');
        p.xread('COUNT', this.#o.count, 'BLOCK', this.#o.blockMs, 'STREAMS', this.#o.stream, `${this.#last}-0`);
        const res = (await p.exec()) ?? [];
        if (this.#closed) return;
        for (const [err] of res) if (err) throw err;
        this.#clientId = Number(res[0]![1]);
        const win = parseReadReply(res[1]![1]);
        if (!this.#healthy) this.#setHealthy(true);
        failures = 0;
        if (win.epoch !== this.#epoch) {
          // The stream was replaced: start the new one from its beginning.
          const after = this.#last > 0 ? formatCursor(this.#epoch, this.#last) : null;
          this.#epoch = win.epoch;
          this.#last = 0;
          this.#o.onWindow(win);
          this.#o.onBreak({ reason: 'unknown_epoch', after, resume_from: null, missed: null });
          continue;
        }
        this.#o.onWindow(win);
        const xr = res[2]![1] as [string, RawEntry[]][] | null;
        if (xr?.[0]) this.#take(xr[0][1]);
      } catch (err) {
        if (this.#closed) return;
        if (this.#healthy) this.#setHealthy(false, err);
        await this.#backoff(Math.min(1000, 50 * 2 ** Math.min(failures++, 6)));
      }
    }
  }

  /** Waits `ms`, or less if the connection (re)opens meanwhile. */
  #backoff(ms: number): Promise<void> {
    const conn = this.#o.conn;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        conn.off('ready', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      conn.once('ready', done);
    });
  }

  #setHealthy(ok: boolean, err?: unknown): void {
    this.#healthy = ok;
    this.#o.onState(ok, err);
  }

  #take(entries: RawEntry[]): void {
    let out: Envelope[] = [];
    for (const raw of entries) {
      const d = decodeEntry(raw, this.#epoch);
      if (d.kind === 'other_epoch') break; // the next round's window read names the new epoch
      if (d.kind === 'malformed') {
        this.#o.onMalformed(d.offset, d.why);
        if (d.offset !== null && d.offset > this.#last) this.#last = d.offset;
        continue;
      }
      const env = d.env;
      if (env.offset <= this.#last) continue;
      if (env.offset > this.#last + 1) {
        // Trimmed before this instance read it: say so before going on.
        if (out.length) this.#o.deliver(out), (out = []);
        const after = this.#last > 0 ? formatCursor(this.#epoch, this.#last) : null;
        this.#o.onBreak({ reason: 'expired', after, resume_from: env.event.id, missed: env.offset - this.#last - 1 });
      }
      out.push(env);
      this.#last = env.offset;
    }
    if (out.length) this.#o.deliver(out);
  }
}
