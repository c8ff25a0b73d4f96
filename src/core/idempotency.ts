/**
 * Idempotent publishing: `Idempotency-Key` on POST /api/events (the name of
 * the IETF HTTP API draft). Within the key's window, a repeat of the same key
 * with the same body is answered with the first answer's ids and stores
 * nothing; the same key with another body is refused (422). Only a stored
 * batch records its key: a publish that failed records nothing, so its retry
 * stores it.
 *
 * Backends keep the keys (store.ts `appendOnce`), checked and recorded in the
 * same atomic step as the append, so two retries racing each other, on one
 * instance or two sharing Redis, store the batch once. `KeyTable` is the
 * in-process table the memory and Durable Object backends use.
 */

/** What a backend is asked to remember with a batch. */
export interface IdempotencyClaim {
  /** The client's key, as sent. */
  key: string;
  /** SHA-256 of the request body, hex: the same key must come with the same body. */
  fingerprint: string;
  /** How long the key is remembered after the batch was stored, in ms. */
  ttlMs: number;
}

/** What a repeat is answered with. */
export interface RecordedAnswer {
  fingerprint: string;
  /** The ids the first answer gave, in order. */
  ids: string[];
}

export type OnceResult<T> = { kind: 'stored'; value: T } | { kind: 'repeat'; ids: string[] } | { kind: 'conflict' };

/** The IETF draft's keys are structured-field strings; we take 1-255 printable ASCII characters. */
const KEY_RE = /^[\x20-\x7e]{1,255}$/;

/** Reads the header: undefined when absent, an error message when it is not a usable key. */
export function readIdempotencyKey(header: string | undefined): { key?: string; error?: string } {
  if (header === undefined) return {};
  // A structured-field string may come quoted: "abc" and abc are the same key.
  const raw = header.trim();
  const key = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (!KEY_RE.test(key)) return { error: 'must be 1 to 255 printable ASCII characters' };
  return { key };
}

const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');

/** SHA-256 of the body bytes, hex (Web Crypto, so it runs on every runtime). */
export async function bodyFingerprint(body: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', body as Uint8Array<ArrayBuffer>));
}

/**
 * Keys remembered in this process, each until its window ends, oldest first.
 * At most `maxKeys`: past that the oldest key is forgotten early (its repeat
 * would be stored again), so memory stays bounded under any key rate.
 */
export class KeyTable {
  readonly #keys = new Map<string, RecordedAnswer & { until: number }>();
  readonly #max: number;
  readonly #now: () => number;
  /** Keys forgotten before their window ended, because the table was full. */
  evicted = 0;

  constructor(o: { maxKeys?: number; now?: () => number } = {}) {
    this.#max = o.maxKeys ?? 100_000;
    this.#now = o.now ?? Date.now;
  }

  /**
   * Runs `store` unless the key is remembered; synchronous, so nothing can
   * come between the check and the record. `store` returns the value and
   * the ids it stored; a throw records nothing.
   */
  once<T>(claim: IdempotencyClaim, store: () => { value: T; ids: string[] }): OnceResult<T> {
    this.#expire();
    const seen = this.#keys.get(claim.key);
    if (seen) return seen.fingerprint === claim.fingerprint ? { kind: 'repeat', ids: seen.ids } : { kind: 'conflict' };
    const r = store();
    this.#keys.set(claim.key, { fingerprint: claim.fingerprint, ids: r.ids, until: this.#now() + claim.ttlMs });
    while (this.#keys.size > this.#max) {
      this.#keys.delete(this.#keys.keys().next().value!);
      this.evicted++;
    }
    return { kind: 'stored', value: r.value };
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Drops keys whose window ended (insertion order is expiry order for one window; others are caught at lookup). */
  #expire(): void {
    const now = this.#now();
    for (const [k, v] of this.#keys) {
      if (v.until > now) break;
      this.#keys.delete(k);
    }
  }

  /** The keys as rows, for a backend that persists them. */
  get(key: string): (RecordedAnswer & { until: number }) | undefined {
    const v = this.#keys.get(key);
    return v && v.until > this.#now() ? v : undefined;
  }
}
