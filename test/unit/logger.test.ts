/**
 * The logger's own guarantees, whatever a caller hands it: text and JSON
 * lines, the level threshold, and secrets redacted from messages and fields
 * (access_token query values, Authorization values, secret-named fields,
 * passwords in URLs), for generated tokens.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogFormat } from '../../src/core/logger.ts';

function capture(format: LogFormat, level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const out: string[] = [];
  const log = createLogger({ format, level, write: (l) => out.push(l), now: () => new Date(0) });
  return { log, out };
}

const token = fc.stringMatching(/^[A-Za-z0-9._~+/-]{12,40}$/);
const SEED = Number(process.env.FC_SEED ?? 1313);

describe('logger', () => {
  it('writes JSON lines with time, level, msg and the fields; text lines with key=value', () => {
    const j = capture('json');
    j.log('warn', 'slow subscriber', { transport: 'sse', lost: 3 });
    j.log('error', 'failed', new Error('boom'));
    expect(j.out.map((l) => JSON.parse(l))).toEqual([
      { time: '1970-01-01T00:00:00.000Z', level: 'warn', msg: 'slow subscriber', transport: 'sse', lost: 3 },
      { time: '1970-01-01T00:00:00.000Z', level: 'error', msg: 'failed', err: 'boom' },
    ]);
    const t = capture('text');
    t.log('info', 'listening', { url: 'http://x', n: 2, note: 'two words' });
    expect(t.out).toEqual(['[eventgate] info: listening url=http://x n=2 note="two words"']);
  });

  it('drops lines below its level', () => {
    const { log, out } = capture('json', 'warn');
    log('debug', 'a');
    log('info', 'b');
    log('warn', 'c');
    log('error', 'd');
    expect(out.map((l) => JSON.parse(l).msg)).toEqual(['c', 'd']);
  });

  it('never writes a token it was handed, in a message, a URL, a header or a nested field', () => {
    fc.assert(
      fc.property(token, fc.constantFrom<LogFormat>('json', 'text'), (secret, format) => {
        const { log, out } = capture(format, 'debug');
        log('warn', `GET /api/events/stream?types=error&access_token=${secret}&replay=0`);
        log('info', 'request', { url: `/ws/events?access_token=${encodeURIComponent(secret)}`, headers: { Authorization: `Bearer ${secret}` } });
        log('info', `auth header was Bearer ${secret}`);
        log('info', 'config', { config: { publishToken: secret, adminToken: secret, redisUrl: `redis://user:${encodeURIComponent(secret)}@host:6379` } });
        log('error', 'failed', new Error(`upstream said Basic ${secret}`));
        for (const l of out) expect(l).not.toContain(secret);
        expect(out.join('\n')).toContain('[redacted]');
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('leaves ordinary text alone', () => {
    const { log, out } = capture('json');
    log('info', 'total_tokens rose', { total_tokens: 1200, subscribers_total: 3 });
    expect(JSON.parse(out[0]!)).toMatchObject({ msg: 'total_tokens rose', subscribers_total: 3 });
  });
});
