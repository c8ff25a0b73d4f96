/**
 * Where a client keeps its last cursor between page loads (a Storage such
 * as sessionStorage), so that the first connection after a reload resumes.
 * A storage that fails is given up, once, with the reason.
 */
import type { CursorStorage } from './types.ts';

export const DEFAULT_STORAGE_KEY = 'eventgate:last-event-id';

export class CursorStore {
  #storage: CursorStorage | undefined;
  readonly #key: string;

  constructor(storage: CursorStorage | undefined, key = DEFAULT_STORAGE_KEY) {
    this.#storage = storage;
    this.#key = key;
  }

  load(): string | null {
    try {
      return this.#storage?.getItem(this.#key) ?? null;
    } catch {
      return null;
    }
  }

  /** Saves `id`; returns why it could not (after which nothing more is saved). */
  save(id: string): string | undefined {
    if (!this.#storage) return undefined;
    try {
      this.#storage.setItem(this.#key, id);
      return undefined;
    } catch (err) {
      this.#storage = undefined;
      return `could not save the cursor, so a reload will not resume: ${err}`;
    }
  }
}
