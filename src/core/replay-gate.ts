/**
 * A cap on replay reads in flight: each read of history (one page) takes a
 * slot, and waits (first come, first served) while all are taken. A replay
 * of many pages queues again for each page, so a short replay is never
 * stuck behind a long one. However many subscribers arrive with old cursors
 * at once, the store is asked for at most `slots` pages at a time, and the
 * gateway decodes at most that many at once, so publishes and live delivery
 * always get their turn.
 */
export class ReplayGate {
  readonly #slots: number;
  #busy = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(slots: number) {
    if (!Number.isInteger(slots) || slots < 1) throw new Error('eventgate: replay slots must be a positive integer');
    this.#slots = slots;
  }

  /** Reads running now, and waiting for a slot. */
  get running(): number {
    return this.#busy;
  }
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `read` in a slot. */
  async run<R>(read: () => Promise<R>): Promise<R> {
    const release = await this.acquire();
    try {
      return await read();
    } finally {
      release();
    }
  }

  /** Resolves with the function that gives the slot back (call it exactly once). */
  async acquire(): Promise<() => void> {
    if (this.#busy < this.#slots) this.#busy++;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes straight on
      else this.#busy--;
    };
  }
}
