/**
 * A cap on replays in flight: each replay takes a slot for as long as it
 * reads history, and waits (first come, first served) while all are taken.
 * However many subscribers arrive with old cursors at once, the store is
 * asked for at most `slots` pages at a time, so publishes and live delivery
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

  /** Replays running now, and waiting for a slot. */
  get running(): number {
    return this.#busy;
  }
  get waiting(): number {
    return this.#waiting.length;
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
