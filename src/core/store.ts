/**
 * Where events are stored and shared. The bus talks to exactly one backend;
 * memory is the default, Redis lets several gateways serve one stream.
 *
 * Contract (checked by test/contract/backend.contract.ts for every backend):
 * - `append` assigns each event the next offset of one global order and
 *   resolves only once the whole batch is stored: a batch is stored whole or
 *   not at all, and a rejected append has stored nothing.
 * - Every stored event, from this instance or any other sharing the store,
 *   reaches the sink given to `open` exactly once, in offset order.
 * - `readAfter` and `readLatest` serve history: at most `historySize` of the
 *   newest events; offsets of one epoch only grow.
 * - The epoch changes when the history it names is lost (a new process for
 *   memory, a flushed or new Redis), so that old cursors are recognised.
 * - `appendOnce` (idempotent publishing, core/idempotency.ts) checks the
 *   claim's key and records it in the same atomic step as the append: of any
 *   number of calls with one key, racing or not, on one instance or on peers
 *   sharing the store, at most one stores, within the key's window. A repeat
 *   with the same fingerprint answers the stored batch's ids and stores
 *   nothing; another fingerprint is a conflict and stores nothing. A rejected
 *   append records no key. A durable store keeps keys across restarts.
 */
import type { Envelope, NewEvent } from './event.ts';
import type { IdempotencyClaim, OnceResult } from './idempotency.ts';

export interface HistoryWindow {
  /** The store's epoch when the read was made. */
  epoch: string;
  /** Offset of the oldest event held, or null when history is empty. */
  oldest: number | null;
  /** Offset of the newest event stored (0 before the first). */
  head: number;
}

export interface BackendHealth {
  ok: boolean;
  backend: string;
  detail?: string;
}

export type EventSink = (events: Envelope[]) => void;

/**
 * Live delivery could not continue right after the last event it handed to
 * the sink: the store lost its history (new epoch), or trimmed events this
 * instance had not delivered yet (same epoch). Told before any later event.
 */
export interface StreamBreak {
  reason: 'expired' | 'unknown_epoch';
  /** Cursor of the last event the sink got before the break; null when none. */
  after: string | null;
  /** Cursor of the first event delivered after the break, when known. */
  resume_from: string | null;
  /** Events known to be lost (same epoch only). */
  missed: number | null;
}

export interface OpenHooks {
  /** Called when live delivery skips (shared stores only; memory never does). */
  onBreak?: (b: StreamBreak) => void;
}

export interface Backend {
  readonly kind: string;
  /** Connects, and starts feeding every stored event to `sink`. */
  open(sink: EventSink, hooks?: OpenHooks): Promise<void>;
  /** The current epoch (valid after `open`). */
  readonly epoch: string;
  /** Stores a batch atomically; resolves with the stored envelopes, in order. */
  append(events: NewEvent[]): Promise<Envelope[]>;
  /** `append`, unless the claim's key was used within its window (see the contract above). */
  appendOnce(events: NewEvent[], claim: IdempotencyClaim): Promise<OnceResult<Envelope[]>>;
  /** Up to `limit` events with offset > `after`, oldest first, and the window they were read in. */
  readAfter(after: number, limit: number): Promise<{ events: Envelope[]; window: HistoryWindow }>;
  /** Up to `limit` of the newest events that satisfy `match`, oldest first, and the window. */
  readLatest(limit: number, match: (e: Envelope) => boolean): Promise<{ events: Envelope[]; window: HistoryWindow }>;
  /** What the backend holds now, without I/O. */
  window(): HistoryWindow;
  health(): BackendHealth;
  close(): Promise<void>;
}

/** Raised when the store cannot take a publish (the HTTP layer answers 503). */
export class BackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}
