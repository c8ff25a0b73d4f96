/**
 * The WebSocket side of a subscription's access: the per-socket message rate
 * (WS_MESSAGE_RATE; past it the socket closes with 1008), the filter op
 * checked against the grant, and `{"op":"auth","token":...}`, which replaces
 * the token in place and is answered `{"control":"ack","op":"auth","exp":N,
 * "filter":...}` (or `{"control":"error","error":"unauthorized","field":"token"}`,
 * the old token staying in force until its own expiry).
 */
import type { WSContext } from 'hono/ws';
import type { Bus } from '../bus.ts';
import { WS_CLOSE } from '../../protocol.ts';
import type { Subscriber } from '../subscriber.ts';
import type { SubscriptionSpec } from '../subscription.ts';
import { FilterChange } from '../ws-batch.ts';
import { LiveAccess } from './access.ts';
import type { GatewayAuth } from './gateway-auth.ts';
import { Bucket } from './limits.ts';

/** Close code sent after `{"control":"token_expired"}`. */
export const WS_TOKEN_EXPIRED = WS_CLOSE.tokenExpired;

export class WsAccess {
  readonly live: LiveAccess;
  readonly #auth: GatewayAuth | undefined;
  readonly #rate: Bucket | undefined;
  /** Past the rate once: the socket is closing, later messages are ignored. */
  #over = false;

  constructor(auth: GatewayAuth | undefined, spec: SubscriptionSpec) {
    this.#auth = auth;
    this.live = new LiveAccess(auth, spec.access ?? { bound: undefined, exp: undefined, requested: spec.filter });
    const r = auth?.settings.wsMessageRate ?? 0;
    this.#rate = r > 0 ? new Bucket(r, r) : undefined;
  }

  /** Takes one message from the rate; false (socket closed with 1008, counted) when past it. */
  admit(ws: WSContext): boolean {
    if (this.#over) return false;
    if (!this.#rate || this.#rate.take(1) === 0) return true;
    this.#over = true;
    if (this.#auth) this.#auth.counters.ws_rate_closed++;
    ws.close(1008, `too many messages: at most WS_MESSAGE_RATE (${this.#rate.rate}) per second`);
    return false;
  }

  /** Auth ops in progress: each is answered in the order it came. */
  #pending: Promise<void> = Promise.resolve();

  /** Handles `{"op":"auth"}`: verifies, applies the new grant to the filter, acknowledges (in arrival order). */
  auth(token: unknown, sub: Subscriber<any> | undefined, bus: Pick<Bus, 'setFilter'>, sendError: (error: string, message: string, field?: string) => void): Promise<void> {
    this.#pending = this.#pending.then(() => this.#authOne(token, sub, bus, sendError));
    return this.#pending;
  }

  async #authOne(
    token: unknown,
    sub: Subscriber<any> | undefined,
    bus: Pick<Bus, 'setFilter'>,
    sendError: (error: string, message: string, field?: string) => void,
  ): Promise<void> {
    const r = await this.live.replace(token);
    if (!sub || sub.ended) return;
    if (!r.ok) return sendError('unauthorized', r.message, 'token');
    const head = bus.setFilter(sub, r.filter);
    // The change rides in the stream, so a runtime that keeps sessions over hibernation (Workers) keeps the new grant.
    sub.control(new FilterChange({ control: 'ack', op: 'auth', exp: r.exp ?? null, filter: r.filter }, r.filter, head, this.live.state));
  }
}
