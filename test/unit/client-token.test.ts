/**
 * The client's token machinery without a gateway: `exp` and `iat` read from
 * a JWT without verifying it, when a refresh is due (a quarter of the
 * lifetime before exp, at most 30 s; never in a loop when the clocks
 * disagree), and what a refresh does with the function's answer (nothing
 * when it is not newer; in place when the transport can; else the newer
 * token is kept for the reconnect, which does not ask the function again).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readClaims, refreshDelay, TokenKeeper, type RefreshHooks } from '../../src/client/token.ts';
import { hs256 } from '../helpers/tokens.ts';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('readClaims', () => {
  it('reads exp and iat of a signed token, and of a payload with non-ASCII text', async () => {
    const t = await hs256({ expIn: 60, sub: 'dashboard-7' });
    const { exp, iat } = readClaims(t);
    expect(exp! - iat!).toBe(60);
    expect(Math.abs(iat! - Date.now() / 1000)).toBeLessThan(5);
    expect(readClaims(`${b64({ alg: 'HS256' })}.${b64({ sub: 'zoë ✓', exp: 1796000000 })}.sig`)).toEqual({ exp: 1796000000, iat: undefined });
  });

  it('is empty for anything that is not a JWT with numeric claims', () => {
    for (const t of ['', 'opaque-token', 'a.b.c', 'a.%%%.c', `x.${b64([1, 2])}.y`, `x.${b64({ exp: '1796000000' })}.y`, `x.${b64(null)}.y`]) {
      expect(readClaims(t).exp).toBeUndefined();
    }
  });
});

describe('refreshDelay', () => {
  const now = 1_000_000_000_000;
  const s = now / 1000;
  it('is a quarter of the lifetime before exp; at least 5 s (or half the lifetime) and at most 30 s before', () => {
    expect(refreshDelay({ iat: s, exp: s + 60 }, now)).toBe(45_000);
    expect(refreshDelay({ iat: s, exp: s + 3600 }, now)).toBe(3_570_000);
    expect(refreshDelay({ iat: s, exp: s + 12 }, now)).toBe(7000);
    expect(refreshDelay({ iat: s, exp: s + 3 }, now)).toBe(1500);
    expect(refreshDelay({ exp: s + 40 }, now)).toBe(30_000); // no iat: a quarter of what is left
  });
  it('is undefined without exp, and 0 when already due', () => {
    expect(refreshDelay({}, now)).toBeUndefined();
    expect(refreshDelay({ iat: s - 10, exp: s - 1 }, now)).toBe(0);
  });
  it('after a refresh, waits at least half the lifetime (1 s at least): a clock ahead of the gateway cannot cause a loop', () => {
    // To a clock two hours ahead, every fresh 60 s token looks expired.
    expect(refreshDelay({ iat: s - 7200, exp: s - 7140 }, now, now)).toBe(30_000);
    expect(refreshDelay({ iat: s - 7200, exp: s - 7199 }, now, now)).toBe(1000);
  });
});

describe('TokenKeeper', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function hooks(canSend: boolean): RefreshHooks & { sent: string[]; reconnects: number; errors: string[] } {
    const h = {
      sent: [] as string[],
      reconnects: 0,
      errors: [] as string[],
      sendAuth: (t: string) => (canSend ? (h.sent.push(t), true) : false),
      reconnect: () => void h.reconnects++,
      error: (e: { message: string }) => void h.errors.push(e.message),
    };
    return h;
  }

  const take = (k: TokenKeeper) =>
    new Promise<string | undefined>((resolve, reject) => {
      k.forConnection(resolve, (e) => reject(new Error(e.message)));
    });

  it('a string is used as is and never refreshed', async () => {
    vi.useFakeTimers();
    const k = new TokenKeeper('opaque');
    const h = hooks(true);
    k.start(await take(k), h);
    await vi.advanceTimersByTimeAsync(10 * 3600_000);
    expect(h.sent).toEqual([]);
    expect(k.refreshable).toBe(false);
  });

  it('in place when it can send; an ack arms the next refresh; the same token again does nothing', async () => {
    const first = await hs256({ expIn: 4 });
    const second = await hs256({ expIn: 8 });
    vi.useFakeTimers({ now: Date.now() });
    const answers = [first, second, second];
    const k = new TokenKeeper(() => answers.shift());
    const h = hooks(true);
    k.start(await take(k), h);
    await vi.advanceTimersByTimeAsync(4000);
    expect(h.sent).toEqual([second]);
    k.acked();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.sent).toEqual([second]); // asked again, got the same token: nothing to do
    expect(answers).toEqual([]);
    expect(h.reconnects).toBe(0);
  });

  it('otherwise keeps the newer token for the reconnect, which does not ask the function again', async () => {
    const first = await hs256({ expIn: 4 });
    const second = await hs256({ expIn: 8 });
    vi.useFakeTimers({ now: Date.now() });
    let calls = 0;
    const k = new TokenKeeper(async () => (++calls === 1 ? first : second));
    const h = hooks(false);
    k.start(await take(k), h);
    await vi.advanceTimersByTimeAsync(4000);
    expect(h.reconnects).toBe(1);
    k.stop();
    expect(await take(k)).toBe(second);
    expect(calls).toBe(2);
  });

  it('a function that throws or rejects is reported; the connection gets no token', async () => {
    const k = new TokenKeeper(() => {
      throw new Error('no session');
    });
    await expect(take(k)).rejects.toThrow('the token function failed: no session');
    const k2 = new TokenKeeper(() => Promise.reject(new Error('auth server down')));
    await expect(take(k2)).rejects.toThrow('the token function failed: auth server down');
  });
});
