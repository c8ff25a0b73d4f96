/**
 * What a WebSocket session hands its transport: a run of text messages,
 * which of them are shared among subscribers, and what the client has been
 * brought up to once they are sent. Transports read this instead of looking
 * inside the messages: Node caches the frames of shared texts, Workers keeps
 * the cursor and filter of each socket across hibernation.
 */
import type { AckControl } from './control.ts';
import type { Filter } from './filter.ts';

/**
 * Queued by the session when a client's filter op is applied: the ack the
 * client gets, and what its transport is told when that ack is handed over
 * (the new filter, and the head at the change: everything before it was
 * under the old filter).
 */
export class FilterChange {
  readonly ack: AckControl;
  readonly filter: Filter;
  readonly head: string | null;
  constructor(ack: AckControl, filter: Filter, head: string | null) {
    this.ack = ack;
    this.filter = filter;
    this.head = head;
  }
}

export class WsBatch {
  /** The messages, in order. */
  readonly texts: string[] = [];
  /**
   * Where the client stands once the batch is sent: the cursor of its last
   * event, or the head a `ready` or a filter change brought it to,
   * whichever came last. Null when the batch does not move it.
   */
  cursor: string | null = null;
  /** The client's filter after this batch, when the batch acknowledges a change. */
  filter: Filter | undefined;
  /** Index in `texts` of the `ready` control, or -1. */
  readyAt = -1;
  /** Set at the index of each message that is this subscriber's own (lazily: most batches are all events). */
  #own: Uint8Array | undefined;
  #ownIdx: number[] | undefined;

  /** An event's JSON: the one string every subscriber of that event is handed. */
  addShared(text: string, cursor: string): void {
    this.texts.push(text);
    this.cursor = cursor;
  }

  /** A message of this subscriber alone (a control, a reply). */
  addOwn(text: string): void {
    (this.#ownIdx ??= []).push(this.texts.length);
    this.texts.push(text);
    this.#own = undefined;
  }

  /** Whether texts[i] is shared with other subscribers (a transport may cache what it builds from it). */
  shared(i: number): boolean {
    const idx = this.#ownIdx;
    if (idx === undefined) return true;
    let own = this.#own;
    if (own === undefined) {
      own = this.#own = new Uint8Array(this.texts.length);
      for (const k of idx) own[k] = 1;
    }
    return own[i] !== 1;
  }
}
