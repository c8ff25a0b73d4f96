/**
 * The client's subscriber token: where it comes from (a string, or a
 * function asked again whenever a token is needed, which may return a
 * Promise), and its refresh before `exp`. The client cannot verify a token
 * (the gateway does), so it only reads `exp` and `iat` from the payload; a
 * token without `exp`, or one that is not a JWT, is never refreshed.
 *
 * A refresh asks the function for a newer token (one that is different and
 * expires later). On a WebSocket it is sent in place (`{"op":"auth"}`) and is
 * in force once acknowledged; otherwise the client reconnects from its cursor
 * with it. When the function returns nothing newer, nothing is done: the
 * gateway ends the stream at `exp` (`token_expired`), and the client asks
 * again for the connection that resumes from its cursor.
 */
import type { ClientError, TokenOption } from './types.ts';

/** A token is refreshed at most this long before `exp` ... */
const MAX_LEAD_MS = 30_000;
/** ... and at least this long before (or half its lifetime, if shorter), for a slow network or auth server. */
const MIN_LEAD_MS = 5000;
/** Successive refreshes are at least this far apart (and half a token's lifetime), whatever the clocks say. */
const MIN_GAP_MS = 1000;
/** setTimeout's longest delay; a later refresh re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface TokenClaims {
  /** Unix seconds. */
  exp?: number;
  iat?: number;
}

/** `exp` and `iat` of a JWT's payload, read without verifying it; empty for anything that is not a JWT. */
export function readClaims(token: string): TokenClaims {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const payload: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (payload === null || typeof payload !== 'object') return {};
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    const { exp, iat } = payload as Record<string, unknown>;
    return { exp: num(exp), iat: num(iat) };
  } catch {
    return {};
  }
}

/**
 * Milliseconds from `now` until a token with these claims should be
 * refreshed: a quarter of its lifetime (`exp - iat`, else what is left of it)
 * before `exp`, but at least 5 s before (half the lifetime, if that is
 * shorter) and at most 30 s before; and never sooner than half its lifetime
 * (at least 1 s) after the previous refresh, so that a clock far ahead of the
 * gateway's cannot make the client refresh in a loop. Undefined: no `exp`.
 */
export function refreshDelay(claims: TokenClaims, now: number, lastRefreshAt?: number): number | undefined {
  if (claims.exp === undefined) return undefined;
  const expMs = claims.exp * 1000;
  const lifetime = claims.iat !== undefined && claims.iat < claims.exp ? expMs - claims.iat * 1000 : Math.max(0, expMs - now);
  const due = expMs - Math.min(MAX_LEAD_MS, Math.max(lifetime / 4, Math.min(lifetime / 2, MIN_LEAD_MS)));
  const notBefore = lastRefreshAt === undefined ? now : lastRefreshAt + Math.max(MIN_GAP_MS, lifetime / 2);
  return Math.round(Math.max(due, notBefore) - now);
}

/** What a refresh does with a newer token, given by the client for its current connection. */
export interface RefreshHooks {
  /** Sends `{"op":"auth"}` on the open WebSocket; false when there is none (SSE, or not open). */
  sendAuth(token: string): boolean;
  /** Reconnects from the cursor (the next connection takes the newer token). */
  reconnect(): void;
  error(err: ClientError): void;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as PromiseLike<unknown> | undefined)?.then === 'function';

/** Why a token function could not give a token. */
export function tokenFunctionError(err: unknown): ClientError {
  return { error: 'token', message: `the token function failed: ${err instanceof Error ? err.message : String(err)}` };
}

export class TokenKeeper {
  readonly #option: TokenOption | undefined;
  /** The token of the current connection (or of the last one). */
  #current: string | undefined;
  /** A newer token a refresh got, for the next connection. */
  #ahead: string | undefined;
  /** A newer token sent in place, not yet acknowledged. */
  #sent: string | undefined;
  #hooks: RefreshHooks | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped when the connection goes: a refresh under way for it is dropped. */
  #gen = 0;
  #lastRefreshAt: number | undefined;

  constructor(option: TokenOption | undefined) {
    this.#option = option === '' ? undefined : option;
  }

  /** A function: it may give another token, so a 401 is worth another try (with backoff). */
  get refreshable(): boolean {
    return typeof this.#option === 'function';
  }

  /**
   * Hands `use` the token for a new connection: one a refresh got ahead, else the string, else the function's
   * answer; or hands `fail` why the function gave none. True while waiting for the function's Promise.
   */
  forConnection(use: (token: string | undefined) => void, fail: (err: ClientError) => void): boolean {
    const option = this.#option;
    const ahead = this.#ahead;
    this.#ahead = undefined;
    if (typeof option !== 'function' || ahead !== undefined) {
      use(ahead ?? (option as string | undefined));
      return false;
    }
    let t: string | undefined | Promise<string | undefined>;
    try {
      t = option();
    } catch (err) {
      queueMicrotask(() => fail(tokenFunctionError(err)));
      return true;
    }
    if (!isThenable(t)) {
      use(t || undefined);
      return false;
    }
    Promise.resolve(t).then(
      (v) => use(v || undefined),
      (err: unknown) => fail(tokenFunctionError(err)),
    );
    return true;
  }

  /** A connection was opened with `token`: its refresh is armed. */
  start(token: string | undefined, hooks: RefreshHooks): void {
    this.stop();
    this.#current = token;
    this.#hooks = hooks;
    this.#arm();
  }

  /** The connection went: no refresh for it. */
  stop(): void {
    this.#gen++;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#sent = undefined;
  }

  /** `{"control":"ack","op":"auth"}`: the token sent in place is in force; its own refresh is armed. */
  acked(): void {
    if (this.#sent === undefined) return;
    this.#current = this.#sent;
    this.#sent = undefined;
    this.#arm();
  }

  /** The gateway refused the token sent in place: the old one stays in force until the gateway ends the stream. */
  refusedInPlace(): void {
    this.#sent = undefined;
  }

  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.refreshable || this.#current === undefined) return;
    const delay = refreshDelay(readClaims(this.#current), Date.now(), this.#lastRefreshAt);
    if (delay === undefined) return;
    const gen = this.#gen;
    this.#timer = setTimeout(
      () => {
        if (gen !== this.#gen) return;
        if (delay > MAX_TIMER_MS) this.#arm();
        else void this.#refresh(gen);
      },
      Math.min(delay, MAX_TIMER_MS),
    );
  }

  async #refresh(gen: number): Promise<void> {
    this.#lastRefreshAt = Date.now();
    const hooks = this.#hooks!;
    let t: string | undefined;
    try {
      t = (await (this.#option as () => string | undefined | Promise<string | undefined>)()) || undefined;
    } catch (err) {
      if (gen === this.#gen) hooks.error(tokenFunctionError(err));
      return;
    }
    if (gen !== this.#gen || t === undefined || !this.#newer(t)) return;
    if (hooks.sendAuth(t)) {
      this.#sent = t;
      return;
    }
    this.#ahead = t;
    hooks.reconnect();
  }

  /** Different from the current token, and expiring later (or never). */
  #newer(t: string): boolean {
    if (t === this.#current) return false;
    const next = readClaims(t).exp;
    const now = this.#current === undefined ? undefined : readClaims(this.#current).exp;
    return next === undefined || now === undefined || next > now;
  }
}
