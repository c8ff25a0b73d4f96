/**
 * One shared connection: an EventgateClient, the Feed that records what it
 * reports, and the hooks using it (its owners, each with the number of
 * events it wants kept). Options the client refuses (no URL outside a page,
 * no WebSocket on Node 20) make a connection without a client, whose feed
 * says `closed` with the reason as its error.
 */
import { EventgateClient } from '../client/eventgate-client.ts';
import type { Filter } from '../client/types.ts';
import { emptySnapshot, Feed } from './feed.ts';
import { filterMatcher } from './filter-match.ts';
import type { ConnectionSpec } from './options.ts';

export class Connection {
  key: string;
  readonly route: string;
  #filter: Filter;
  readonly client: EventgateClient<any> | null;
  readonly feed: Feed;
  readonly #owners = new Map<object, number>();
  /** The pending close, once the last owner has gone. */
  closeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(spec: ConnectionSpec) {
    this.key = spec.key;
    this.route = spec.route;
    this.#filter = spec.filter;
    let client: EventgateClient<any> | null = null;
    try {
      client = new EventgateClient({ ...spec.client, filter: spec.filter });
    } catch (err) {
      this.feed = new Feed(emptySnapshot('closed', { error: 'options', message: err instanceof Error ? err.message : String(err) }), 0);
      this.client = null;
      return;
    }
    this.client = client;
    this.feed = new Feed(emptySnapshot(client.state, null, client.lastEventId), 0);
    this.feed.attach(client);
  }

  get owners(): number {
    return this.#owners.size;
  }
  has(owner: object): boolean {
    return this.#owners.has(owner);
  }

  /** Adds an owner (or changes how many events it wants kept). */
  join(owner: object, limit: number): void {
    this.#owners.set(owner, limit);
    this.#resize();
  }
  leave(owner: object): void {
    this.#owners.delete(owner);
    this.#resize();
  }

  /** Whether the client gave up by itself (a refusal: 401, 403, ...): a new owner should get a new one. */
  get dead(): boolean {
    return this.client === null || this.client.state === 'closed';
  }

  /**
   * Changes the filter of this connection (its key changes with it). Once the
   * gateway has it, the events already received that the new filter would
   * not send are dropped. A refusal is reported by the client as an error
   * and the previous filter stays.
   */
  changeFilter(key: string, filter: Filter): void {
    this.key = key;
    this.#filter = filter;
    this.client?.setFilter(filter).then(
      () => {
        if (this.#filter === filter) this.feed.prune(filterMatcher(filter));
      },
      () => {
        /* refused (reported through onError) or closed meanwhile */
      },
    );
  }

  close(): void {
    this.feed.detach();
    this.client?.close();
  }

  #resize(): void {
    let most = 0;
    for (const n of this.#owners.values()) most = Math.max(most, n);
    this.feed.setCapacity(most);
  }
}
