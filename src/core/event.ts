/**
 * The event as subscribers see it, and the envelope the bus moves around:
 * one event, its position in the gateway's stream, and its encodings,
 * computed once and shared by every subscriber.
 */
import type { Severity } from './schemas.ts';

/** What a subscriber receives: one JSON object per event. */
export interface SystemEvent {
  /** The cursor: opaque to clients, increasing through the whole stream. */
  id: string;
  /** Unix seconds with fractions. */
  timestamp: number;
  type: string;
  severity: Severity;
  message: string;
  metadata: Record<string, unknown>;
}

/** A validated event, not yet given its place in the stream. */
export type NewEvent = Omit<SystemEvent, 'id'>;

const encoder = new TextEncoder();

/**
 * One stored event with its offset and lazily computed wire forms. The JSON
 * text is produced once, at append time, and reused by history, SSE and WS.
 */
export class Envelope {
  readonly event: SystemEvent;
  readonly offset: number;
  /** The event as one JSON text (also the WebSocket message). */
  readonly json: string;
  #sse: Uint8Array | undefined;

  constructor(event: SystemEvent, offset: number, json?: string) {
    this.event = event;
    this.offset = offset;
    this.json = json ?? JSON.stringify(event);
  }

  /** `id:` + `data:` block, encoded once. JSON text never holds a raw CR or LF. */
  get sse(): Uint8Array {
    return (this.#sse ??= encoder.encode(`id: ${this.event.id}\ndata: ${this.json}\n\n`));
  }

  /** Bytes this event weighs in a subscriber's queue. */
  get size(): number {
    return this.json.length + 32;
  }
}
