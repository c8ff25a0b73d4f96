/**
 * How a subscriber's queue becomes chunks of its transport's stream. The
 * event encodings are cached on the envelope and shared by all subscribers;
 * a codec only joins what one flush hands over into one chunk.
 */
import { HEARTBEAT, isFinal, type Control, type Heartbeat } from './control.ts';
import { Envelope } from './event.ts';
import { concatBytes, encodeSseControl, SSE_HEARTBEAT } from './sse.ts';
import { FilterChange, WsBatch } from './ws-batch.ts';

/** What a subscriber queues: events, controls, SSE heartbeats, and (WebSocket) filter changes. */
export type QueueItem = Envelope | Control | Heartbeat | FilterChange;

export interface Codec<T> {
  /** Encodes a run of queue items into one chunk; null when nothing is to be written. */
  encode(items: readonly QueueItem[], from: number, to: number): T | null;
}

/** Bytes a queue item weighs against a subscriber's mark: an event's encoded size, a control's JSON. */
export function weigh(item: QueueItem): number {
  if (item instanceof Envelope) return item.size;
  if (item === HEARTBEAT) return SSE_HEARTBEAT.byteLength;
  return JSON.stringify(item instanceof FilterChange ? item.ack : item).length + 32;
}

/** SSE: one byte chunk per flush, written with one socket write. */
export const sseCodec: Codec<Uint8Array> = {
  encode(items, from, to) {
    // The common run at light load: one event, whose bytes every subscriber shares.
    if (to - from === 1 && items[from] instanceof Envelope) return items[from].sse;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let i = from; i < to; i++) {
      const item = items[i]!;
      if (item instanceof FilterChange) continue; // WebSocket only
      const bytes = item === HEARTBEAT ? SSE_HEARTBEAT : item instanceof Envelope ? item.sse : encodeSseControl(item);
      parts.push(bytes);
      total += bytes.byteLength;
    }
    return parts.length ? concatBytes(parts, total) : null;
  },
};

/**
 * WebSocket: one text message per event or control, as a WsBatch that says
 * which are shared and where the client stands after them. The transport
 * ends the socket with a close code instead of the final controls.
 */
/**
 * The batch of a run that is one event alone, shared by every subscriber it
 * reaches (they are flushed one after another): transports only read
 * batches, so one object serves them all and the last is kept.
 */
let soleEnv: Envelope | undefined;
let soleBatch: WsBatch | undefined;
function soleEvent(env: Envelope): WsBatch {
  if (env === soleEnv) return soleBatch!;
  const b = new WsBatch();
  b.addShared(env.json, env.event.id);
  soleEnv = env;
  return (soleBatch = b);
}

export const wsCodec: Codec<WsBatch> = {
  encode(items, from, to) {
    if (to - from === 1 && items[from] instanceof Envelope) return soleEvent(items[from]);
    const out = new WsBatch();
    for (let i = from; i < to; i++) {
      const item = items[i]!;
      if (item === HEARTBEAT) continue;
      if (item instanceof Envelope) out.addShared(item.json, item.event.id);
      else if (item instanceof FilterChange) {
        out.addOwn(JSON.stringify(item.ack));
        out.filter = item.filter;
        if (item.access) out.access = item.access;
        if (item.head !== null) out.cursor = item.head;
      } else if (!isFinal(item)) {
        if (item.control === 'ready') {
          out.readyAt = out.texts.length;
          if (item.head !== null) out.cursor = item.head;
        }
        out.addOwn(JSON.stringify(item));
      }
    }
    return out.texts.length ? out : null;
  },
};
