/**
 * A run of events dropped from one subscriber's queue (on_overflow=drop),
 * told as one `dropped` control when the subscriber next reads. Adding to
 * the run is O(1): only the count and the last cursor change.
 */
import type { DroppedControl } from './control.ts';
import type { Envelope } from './event.ts';

export class DropRun {
  count = 1;
  readonly from: string;
  to: string;

  constructor(first: Envelope) {
    this.from = this.to = first.event.id;
  }

  add(env: Envelope): void {
    this.count++;
    this.to = env.event.id;
  }

  control(): DroppedControl {
    return {
      control: 'dropped',
      count: this.count,
      from: this.from,
      to: this.to,
      message: `${this.count} events were dropped because this subscriber fell behind (on_overflow=drop)`,
    };
  }
}
