/**
 * The client's clocks: the delay before a reconnect, and the watchdog that
 * takes a silent WebSocket for dead.
 */

/**
 * Exponential backoff with jitter: `initialMs * 2^attempt`, at most `maxMs`,
 * jittered to between half and all of it. A delay the gateway asked for
 * (`asked`: a shutdown's retry_ms, 0 after an overflow) replaces it, plus up
 * to `initialMs` of jitter. Whole milliseconds.
 */
export function reconnectDelay(attempt: number, initialMs: number, maxMs: number, asked?: number): number {
  if (asked !== undefined) return Math.round(Math.min(maxMs, asked + Math.random() * initialMs));
  const ceiling = Math.min(maxMs, initialMs * 2 ** attempt);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * Sends a ping every `ms`; when nothing at all was heard since the previous
 * ping by the time of the next one, calls `dead` once and stops.
 */
export class Watchdog {
  #timer: ReturnType<typeof setInterval> | undefined;
  #heardAt = 0;

  heard(): void {
    this.#heardAt = Date.now();
  }

  start(ms: number, ping: () => void, dead: () => void): void {
    this.stop();
    let pingedAt = 0;
    this.#timer = setInterval(() => {
      if (pingedAt && this.#heardAt < pingedAt) {
        this.stop();
        dead();
        return;
      }
      pingedAt = Date.now();
      ping();
    }, ms);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
