/**
 * Where a client keeps its last cursor between page loads (a Storage such
 * as sessionStorage), so that the first connection after a reload resumes.
 * Each subscription has its own entry, keyed by the gateway's URL and the
 * filter (in a canonical order): a client with a narrow filter never resumes
 * from the later cursor of another client on the same origin, which would
 * skip its events without a gap. A storage that fails is given up, once,
 * with the reason.
 */
import type { Filter } from '../protocol.ts';
import { canonicalFilter, subscriptionQuery } from './query.ts';
import type { CursorStorage } from './types.ts';

export const DEFAULT_STORAGE_KEY = 'eventgate:last-event-id';

export class CursorStore {
  #storage: CursorStorage | undefined;
  readonly #prefix: string;
  readonly #base: string;

  constructor(storage: CursorStorage | undefined, base: URL, prefix = DEFAULT_STORAGE_KEY) {
    this.#storage = storage;
    this.#prefix = prefix;
    this.#base = base.href;
  }

  /** `<prefix> <gateway URL>?<filter query>`. */
  key(filter: Filter): string {
    return `${this.#prefix} ${this.#base}?${subscriptionQuery(canonicalFilter(filter))}`;
  }

  load(filter: Filter): string | null {
    try {
      return this.#storage?.getItem(this.key(filter)) || null;
    } catch {
      return null;
    }
  }

  /** Saves `id` for `filter`; returns why it could not (after which nothing more is saved). */
  save(filter: Filter, id: string): string | undefined {
    if (!this.#storage) return undefined;
    try {
      this.#storage.setItem(this.key(filter), id);
      return undefined;
    } catch (err) {
      this.#storage = undefined;
      return `could not save the cursor, so a reload will not resume: ${err}`;
    }
  }

  /** Forgets the cursor saved for `filter` (one the gateway refused). */
  forget(filter: Filter): void {
    try {
      this.#storage?.removeItem?.(this.key(filter));
    } catch {
      /* nothing saved can be read back either */
    }
  }
}
