/**
 * Handlers by name, for the clients' `on*` methods. A handler that throws is
 * reported (the page's `error` event, or an uncaught exception in Node) and
 * the others still run.
 */
import type { Off } from './types.ts';

type Handler = (...args: any[]) => void;

/** Reports an error without interrupting the caller. */
export function report(err: unknown): void {
  const g = globalThis as { reportError?: (e: unknown) => void };
  if (typeof g.reportError === 'function') g.reportError(err);
  else
    setTimeout(() => {
      throw err;
    });
}

export class Listeners {
  readonly #sets = new Map<string, Set<Handler>>();

  on(key: string, fn: Handler): Off {
    let set = this.#sets.get(key);
    if (!set) {
      set = new Set();
      this.#sets.set(key, set);
    }
    set.add(fn);
    return () => void set.delete(fn);
  }

  emit(key: string, ...args: unknown[]): void {
    const set = this.#sets.get(key);
    if (set) for (const fn of set) call(fn, ...args);
  }

  /** Whether anyone listens for `key`. */
  has(key: string): boolean {
    return (this.#sets.get(key)?.size ?? 0) > 0;
  }
}

export function call(fn: Handler, ...args: unknown[]): void {
  try {
    fn(...args);
  } catch (err) {
    report(err);
  }
}
