/**
 * The SSE heartbeat on Workers. A Durable Object with a timer set cannot
 * hibernate, so the interval runs only while SSE streams are open: the hub
 * arms it when a stream is requested, and it stops itself at the first tick
 * that finds none. WebSocket-only objects are left free to sleep.
 */
export class SseHeartbeat {
  #ms = 0;
  #tick: (() => void) | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #stopped = false;
  readonly #active: () => boolean;

  /** `active` tells whether any SSE stream is open. */
  constructor(active: () => boolean) {
    this.#active = active;
  }

  /** RuntimeAdapter.every: remembers the tick; the timer starts on `arm()`. */
  every(ms: number, tick: () => void): () => void {
    this.#ms = ms;
    this.#tick = tick;
    return () => {
      this.#stopped = true;
      this.#disarm();
    };
  }

  arm(): void {
    if (this.#timer !== undefined || this.#stopped || !this.#tick) return;
    const tick = this.#tick;
    this.#timer = setInterval(() => {
      tick();
      if (!this.#active()) this.#disarm();
    }, this.#ms);
  }

  #disarm(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
