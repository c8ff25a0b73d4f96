/**
 * How a subscriber's queue becomes chunks of its transport's stream. The
 * event encodings are cached on the envelope and shared by all subscribers;
 * a codec only joins what one flush hands over into one chunk.
 */
import { HEARTBEAT, type Control, type Heartbeat } from './control.ts';
import type { Envelope } from './event.ts';
import { concatBytes, encodeSseControl, SSE_HEARTBEAT } from './sse.ts';

export type QueueItem = Envelope | Control | Heartbeat;

export interface Codec<T> {
  /** Encodes a run of queue items into one chunk; null when nothing is to be written. */
  encode(items: readonly QueueItem[], from: number, to: number): T | null;
}

/** SSE: one byte chunk per flush, written with one socket write. */
export const sseCodec: Codec<Uint8Array> = {
  encode(items, from, to) {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let i = from; i < to; i++) {
      const item = items[i]!;
      const bytes = item === HEARTBEAT ? SSE_HEARTBEAT : 'offset' in item ? item.sse : encodeSseControl(item);
      parts.push(bytes);
      total += bytes.byteLength;
    }
    return parts.length ? concatBytes(parts, total) : null;
  },
};

/** WebSocket: one text message per event or control; the transport ends the socket on overflow/shutdown. */
export const wsCodec: Codec<string[]> = {
  encode(items, from, to) {
    const out: string[] = [];
    for (let i = from; i < to; i++) {
      const item = items[i]!;
      if (item === HEARTBEAT) continue;
      if ('offset' in item) out.push(item.json);
      else if (item.control !== 'overflow' && item.control !== 'shutdown') out.push(JSON.stringify(item));
    }
    return out.length ? out : null;
  },
};
