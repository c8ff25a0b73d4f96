/**
 * What reaches a subscriber live while it is still replaying: events, and
 * breaks in live delivery, kept in arrival order until it goes live. Held to
 * the same marks as its queue.
 */
import type { GapControl } from './control.ts';
import { Envelope } from './event.ts';
import type { QueueLimits } from './subscriber-options.ts';

export class Held {
  items: (Envelope | GapControl)[] = [];
  events = 0;
  bytes = 0;

  /** Holds one item; returns false when that takes it past the marks. */
  add(item: Envelope | GapControl, limits: QueueLimits): boolean {
    this.items.push(item);
    if (!(item instanceof Envelope)) return true;
    this.events++;
    this.bytes += item.size;
    return this.events <= limits.events && this.bytes <= limits.bytes;
  }

  /** Hands over what is held, oldest first, and forgets it. */
  take(): (Envelope | GapControl)[] {
    const items = this.items;
    this.clear();
    return items;
  }

  clear(): void {
    this.items = [];
    this.events = this.bytes = 0;
  }
}
