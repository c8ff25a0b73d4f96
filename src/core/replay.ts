/**
 * Replay: what a new subscriber is sent from history before it goes live.
 * From a cursor (Last-Event-ID) it is everything after it; without one (or
 * with a value that is not a cursor at all), the newest matching events.
 * A `gap` comes first when the cursor is older than history, from another
 * epoch, not ours, or ahead of the stream.
 *
 * Bounded in work as well as in count: history is read in pages, each page
 * filtered and handed over before the next is read, stopping at the count
 * or at the head seen when the replay started. A failed read is not
 * retried: it is thrown to the caller, which ends the subscriber.
 */
import type { Backend, HistoryWindow } from './store.ts';
import type { GapControl } from './control.ts';
import { formatCursor, parseCursor, type Cursor } from './cursor.ts';
import type { Envelope } from './event.ts';

export interface ReplaySink {
  /** A gap to tell before (or between) the replayed events. */
  gap(g: GapControl): void;
  /** One replayed event that matched the filter. */
  event(env: Envelope): void;
  /** A page is done (the sink may hand it over now). */
  page(): void;
  /** The subscriber is gone: stop reading. */
  readonly stopped: boolean;
}

export interface ReplayRequest {
  /** The Last-Event-ID as the client sent it, or null. */
  cursor: string | null;
  /** Without a usable cursor: how many of the newest matching events. */
  latest: number;
  /** Most events any replay sends (the history size). */
  max: number;
  /** Entries read per page. */
  page: number;
  match: (e: Envelope) => boolean;
  /** Runs each read of the store (a cap on reads in flight). */
  gate: <R>(read: () => Promise<R>) => Promise<R>;
}

/** Runs one replay into `sink`; resolves with how many events were replayed and the window at the start. */
export async function replay(backend: Backend, r: ReplayRequest, sink: ReplaySink): Promise<{ replayed: number; window: HistoryWindow }> {
  const c = r.cursor === null ? undefined : parseCursor(r.cursor);
  if (!c) {
    // No cursor, or one that is not ours: the newest matching events, without scanning for the cursor.
    const { events, window } = await r.gate(() => backend.readLatest(Math.min(Math.max(0, r.latest), r.max), r.match));
    if (r.cursor !== null) {
      const g = gapControl(r.cursor, 'invalid', null, `the cursor is not one this gateway issued; replaying the newest ${events.length} matching events instead`);
      g.resume_from = events[0]?.event.id ?? null;
      sink.gap(g);
    }
    for (const env of events) sink.event(env);
    sink.page();
    return { replayed: events.length, window };
  }
  // The first page decides the plan again on what the store says (a shared
  // store can be ahead of this instance's view, or on a new epoch).
  let win = backend.window();
  let p = plan(r.cursor!, c, win);
  let read = await r.gate(() => backend.readAfter(p.after, r.page));
  for (let tries = 0; tries < 2 && plan(r.cursor!, c, read.window).gap?.reason !== p.gap?.reason; tries++) {
    win = read.window;
    p = plan(r.cursor!, c, win);
    read = await r.gate(() => backend.readAfter(p.after, r.page));
  }
  const start = read.window;
  let expected = p.after + 1;
  let replayed = 0;
  const gap = p.gap;
  if (gap) {
    const first = read.events[0];
    gap.resume_from = first ? first.event.id : null;
    // The window moved between the two reads: recompute what was missed.
    if (gap.reason === 'expired' && first) gap.missed = Math.max(0, first.offset - c.offset - 1);
    sink.gap(gap);
    if (first) expected = first.offset;
  }
  for (;;) {
    for (const env of read.events) {
      // Trimmed while the replay read (or an entry the store could not decode): say so where it happened.
      if (env.offset > expected) sink.gap(expiredBetween(start.epoch, expected - 1, env));
      expected = env.offset + 1;
      if (r.match(env)) {
        sink.event(env);
        if (++replayed >= r.max) break;
      }
    }
    sink.page();
    const last = read.events.at(-1);
    if (sink.stopped || replayed >= r.max || !last || read.events.length < r.page || last.offset >= start.head) break;
    read = await r.gate(() => backend.readAfter(last.offset, r.page));
    if (read.window.epoch !== start.epoch) throw new Error('eventgate: the store changed epoch during a replay');
  }
  return { replayed, window: start };
}

/** Where a replay after `cursorText` starts in `win`, and the gap to tell first, if any. */
export function plan(cursorText: string, c: Cursor, win: HistoryWindow): { gap: GapControl | undefined; after: number } {
  let gap: GapControl | undefined;
  let after: number;
  if (c.epoch !== win.epoch) {
    gap = gapControl(cursorText, 'unknown_epoch', null, 'the cursor comes from another run of the gateway or a lost store; replaying all history held');
    after = 0;
  } else if (c.offset > win.head) {
    gap = gapControl(cursorText, 'ahead', null, 'the cursor is ahead of this gateway\'s stream; continuing live');
    after = win.head;
  } else if (win.oldest !== null && c.offset < win.oldest - 1) {
    gap = gapControl(cursorText, 'expired', win.oldest - c.offset - 1, 'the cursor is older than the history held; events in between are lost');
    after = win.oldest - 1;
  } else {
    after = c.offset;
  }
  return { gap, after };
}

function expiredBetween(epoch: string, last: number, next: Envelope): GapControl {
  const g = gapControl(formatCursor(epoch, last), 'expired', next.offset - last - 1, 'history was trimmed while it was replayed; events in between are lost');
  g.resume_from = next.event.id;
  return g;
}

function gapControl(requested: string, reason: GapControl['reason'], missed: number | null, message: string): GapControl {
  return { control: 'gap', requested, reason, resume_from: null, missed, message };
}
