/**
 * Where a replay starts: from a cursor (Last-Event-ID) or, without one, the
 * newest matching events; and the `gap` to tell first when the cursor is
 * older than history, from another epoch, not ours, or ahead of the stream.
 */
import type { Backend, HistoryWindow } from './store.ts';
import type { GapControl } from './control.ts';
import { parseCursor, type Cursor } from './cursor.ts';
import type { Envelope } from './event.ts';

/** Reads what a new subscriber is replayed, deciding again if a shared store's window moved under the read. */
export async function readReplay(
  backend: Backend,
  cursorText: string | null,
  replayN: number,
  max: number,
  match: (e: Envelope) => boolean,
): Promise<{ events: Envelope[]; window: HistoryWindow; gap: GapControl | undefined }> {
  if (cursorText === null) {
    const { events, window } = await backend.readLatest(Math.min(Math.max(0, replayN), max), match);
    return { events, window, gap: undefined };
  }
  const c = parseCursor(cursorText);
  let win = backend.window();
  for (let tries = 0; ; tries++) {
    const { gap, after } = plan(cursorText, c, win);
    const { events, window } = await backend.readAfter(after, max);
    // A shared store can be ahead of this instance's view (a cursor issued by
    // another instance) or on a new epoch: decide again on what was read.
    if (tries < 2 && plan(cursorText, c, window).gap?.reason !== gap?.reason) {
      win = window;
      continue;
    }
    if (gap) {
      const first = events[0];
      gap.resume_from = first ? first.event.id : null;
      // The window moved between the two reads: recompute what was missed.
      if (gap.reason === 'expired' && c && first) gap.missed = Math.max(0, first.offset - c.offset - 1);
    }
    return { events, window, gap };
  }
}

/** Where a replay after `cursorText` starts in `win`, and the gap to tell first, if any. */
export function plan(cursorText: string, c: Cursor | undefined, win: HistoryWindow): { gap: GapControl | undefined; after: number } {
  let gap: GapControl | undefined;
  let after: number;
  if (!c) {
    gap = gapControl(cursorText, 'invalid', null, 'the cursor is not one this gateway issued; replaying all history held');
    after = 0;
  } else if (c.epoch !== win.epoch) {
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

function gapControl(requested: string, reason: GapControl['reason'], missed: number | null, message: string): GapControl {
  return { control: 'gap', requested, reason, resume_from: null, missed, message };
}
