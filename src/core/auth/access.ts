/**
 * One subscription's access: the bound its token grants, when the token
 * expires, and the client-address slot it holds. `SubscriptionAccess` is the
 * plain data (it rides in the SubscriptionSpec and, on Workers, in the
 * socket's attachment over hibernation); `LiveAccess` is what a running
 * stream does with it:
 *
 * - at `exp` the subscriber is ended with a `token_expired` control carrying
 *   the last cursor queued (SSE: a named event, then the stream ends; the WS
 *   route closes with 4401 after it), so the client resumes with a new token
 *   and loses nothing;
 * - a WebSocket filter change is checked against the bound (`refilter`);
 * - a WebSocket `{"op":"auth"}` replaces the token in place (`replace`): the
 *   new bound applies at once, narrowing the filter asked for if it must.
 */
import type { TokenExpiredControl } from '../control.ts';
import type { Filter } from '../filter.ts';
import type { Subscriber } from '../subscriber.ts';
import type { GatewayAuth } from './gateway-auth.ts';
import type { SubscriptionAccess } from './access-state.ts';
import { narrowToGrant, withinGrant, type GrantRefusal } from './grant.ts';

export type { SubscriptionAccess } from './access-state.ts';

/** Longest single timer (setTimeout's limit); later expiries re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class LiveAccess {
  readonly #auth: GatewayAuth | undefined;
  #access: SubscriptionAccess;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sub: Subscriber<any> | undefined;

  constructor(auth: GatewayAuth | undefined, access: SubscriptionAccess) {
    this.#auth = auth;
    this.#access = access;
  }

  /** The data to keep (Workers: the socket attachment). */
  get state(): SubscriptionAccess {
    return this.#access;
  }

  /** Starts watching expiry for `sub`; ends it with `token_expired` when the token runs out. */
  arm(sub: Subscriber<any>): void {
    this.#sub = sub;
    this.#schedule();
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const exp = this.#access.exp;
    if (exp === undefined || !this.#sub) return;
    const ms = exp * 1000 - Date.now();
    if (ms <= 0) {
      this.#expire();
      return;
    }
    this.#timer = setTimeout(() => (ms > MAX_TIMER_MS ? this.#schedule() : this.#expire()), Math.min(ms, MAX_TIMER_MS));
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #expire(): void {
    const sub = this.#sub;
    if (!sub || sub.ended) return;
    if (this.#auth) this.#auth.counters.tokens_expired++;
    const last: TokenExpiredControl = {
      control: 'token_expired',
      last_event_id: sub.lastQueuedId ?? sub.lastDelivered,
      message: 'the token expired; reconnect with a new token and last_event_id to resume',
    };
    sub.end('token_expired', last);
  }

  /** A new filter asked for in place: within the bound, or the field that reaches outside it. */
  refilter(requested: Filter): { filter: Filter } | { refused: GrantRefusal } {
    const r = withinGrant(requested, this.#access.bound);
    if ('filter' in r) this.#access = { ...this.#access, requested };
    if ('refused' in r && this.#auth) this.#auth.counters.auth_forbidden++;
    return r;
  }

  /** Replaces the token in place; resolves with the new expiry and the (possibly narrowed) filter, or why not. */
  async replace(token: unknown): Promise<{ ok: true; exp: number | undefined; filter: Filter } | { ok: false; message: string }> {
    if (!this.#auth) return { ok: false, message: 'this gateway checks no tokens' };
    if (typeof token !== 'string' || token === '') return { ok: false, message: 'op auth needs a "token" string' };
    const checked = await this.#auth.check(token);
    if (!checked.ok) return checked;
    const bound = checked.auth.grant.subscribe;
    this.#access = { ...this.#access, bound, exp: checked.auth.exp };
    this.#schedule();
    return { ok: true, exp: checked.auth.exp, filter: narrowToGrant(this.#access.requested, bound) };
  }

  /** The stream is gone: stop the timer, give the address slot back. */
  end(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#sub = undefined;
    this.#access.release?.();
  }
}
