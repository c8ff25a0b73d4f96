/**
 * Publishes without a pause: two events every 40 ms (with `run: tag` in
 * their metadata, so that a test's subscription can filter on it) until
 * stopped, keeping their ids in order.
 */
import { publish } from './http.ts';
import { sampleEvent } from './server.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Pump {
  readonly ids: string[] = [];
  #stopped = false;
  readonly #done: Promise<void>;

  constructor(base: string, tag: string, headers: Record<string, string> = {}) {
    this.#done = (async () => {
      while (!this.#stopped) {
        const res = await publish(base, [sampleEvent('cache', { run: tag }), sampleEvent('error', { run: tag })], headers);
        if (res.status !== 202) throw new Error(`publish: ${res.status} ${JSON.stringify(res.body)}`);
        this.ids.push(...res.body.ids);
        await sleep(40);
      }
    })();
  }

  /** Stops after the publish under way; the ids of everything published. */
  async stop(): Promise<string[]> {
    this.#stopped = true;
    await this.#done;
    return this.ids;
  }
}
