// A soak publisher: single events and batches, round-robin over the live
// gateways, each batch with an Idempotency-Key that every retry repeats (a
// lost reply, a refused connection, a 503 are retried, on another gateway
// when there is one). The auditor learns each batch's ids from the 202.
import { makeEvent } from './workload.mjs';

const now = () => performance.now();

export class Publisher {
  constructor({ name, targets, r, auditor, run, nextSeq, rate, batchMax = 20, timeoutMs = 15_000, counters }) {
    this.name = name;
    this.targets = targets;
    this.r = r;
    this.auditor = auditor;
    this.run = run;
    this.nextSeq = nextSeq;
    this.rate = rate;
    this.batchMax = batchMax;
    this.timeoutMs = timeoutMs;
    this.c = counters;
    this.n = 0;
    this.stopped = false;
    this.rr = r.int(0, 7);
    this.examples = 0;
  }

  /** Sends one batch (retrying) and resolves once it is acknowledged or given up. */
  async send(size) {
    const seqs = [],
      bodies = [];
    for (let i = 0; i < size; i++) {
      const seq = this.nextSeq();
      const body = makeEvent(this.r, seq, this.run);
      this.auditor.sent(seq, body);
      seqs.push(seq);
      bodies.push(body);
    }
    this.c.published += size;
    const key = `soak-${this.run}-${this.name}-${++this.n}`;
    const text = JSON.stringify(size === 1 && this.r.chance(0.5) ? bodies[0] : bodies);
    const sentAt = now();
    for (let attempt = 0; attempt < 12; attempt++) {
      const urls = this.targets();
      const url = urls[this.rr++ % urls.length];
      if (attempt) this.c.retries++;
      try {
        const res = await fetch(`${url}/api/events`, {
          method: 'POST',
          body: text,
          signal: AbortSignal.timeout(this.timeoutMs),
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
        });
        const reply = await res.json().catch(() => ({}));
        if (res.status === 202 && Array.isArray(reply.ids)) {
          if (reply.ids.length !== size) throw new Error(`202 with ${reply.ids.length} ids for ${size} events`);
          this.auditor.ack(reply.ids, seqs, sentAt);
          this.c.acknowledged_batches++;
          return;
        }
        if (res.status < 500 && res.status !== 429) {
          this.c.rejected += size;
          if (this.examples++ < 5) console.log(`soak: publish answered ${res.status} ${JSON.stringify(reply)}`);
          return;
        }
      } catch {
        /* refused, reset or timed out: the reply is lost, the batch may be stored */
      }
      await new Promise((res) => setTimeout(res, Math.min(2000, 100 * 2 ** attempt)));
    }
    this.c.gave_up += size;
  }

  /** Publishes at `rate` events/s until stopped. */
  async run_() {
    while (!this.stopped) {
      const size = this.r.chance(0.6) ? 1 : this.r.int(2, this.batchMax);
      const t0 = now();
      await this.send(size);
      const wait = (size * 1000) / this.rate - (now() - t0);
      if (wait > 0 && !this.stopped) await new Promise((res) => setTimeout(res, wait));
    }
  }
  start() {
    this.done = this.run_();
    return this;
  }
  async stop() {
    this.stopped = true;
    await this.done;
  }
}
