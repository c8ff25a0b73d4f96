/**
 * SSE encoding through a real parser (eventsource-parser): arbitrary Unicode
 * (CR, LF, CRLF, NUL, lone surrogates, BOMs, long lines) in events and in
 * every control event comes out as it went in, whatever the byte chunking,
 * and an id or event name with CR, LF or NUL is refused at encoding.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sseCodec } from '../../src/core/codec.ts';
import type { Control } from '../../src/core/control.ts';
import { Envelope, type SystemEvent } from '../../src/core/event.ts';
import type { Filter } from '../../src/core/filter.ts';
import { encodeSseEvent, SSE_HEARTBEAT, SseFieldError, sseOpening } from '../../src/core/sse.ts';
import { params } from './seed.ts';

/** Any UTF-16 code unit (lone surrogates too), with the troublesome ones often. */
const unit = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.constantFrom('\r', '\n', '\r\n', '\0', '\uFEFF', '\uD800', '\uDFFF', '\u2028', ':', ' ', 'data: ') },
  { weight: 1, arbitrary: fc.constantFrom('😀', 'é', '中') },
);
const text = fc.oneof({ weight: 30, arbitrary: fc.string({ unit, maxLength: 60 }) }, { weight: 1, arbitrary: fc.nat(40_000).map((n) => 'x\u00e9'.repeat(n)) });
const json = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(text, tie('v'), { maxKeys: 3 })),
})).v;

const event: fc.Arbitrary<SystemEvent> = fc.record({
  id: fc.stringMatching(/^[a-z0-9]{1,12}-[1-9][0-9]{0,5}$/),
  timestamp: fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 4e9 }),
  type: fc.constantFrom('cache', 'error'),
  severity: fc.constantFrom('info', 'warning', 'error' as const),
  message: text,
  metadata: fc.dictionary(text, json, { maxKeys: 4 }),
});
const cursorOrNull = fc.option(fc.stringMatching(/^[a-z0-9]{1,8}-[0-9]{1,4}$/), { nil: null });
const control: fc.Arbitrary<Control> = fc.oneof(
  fc.record({
    control: fc.constant('gap' as const),
    requested: text,
    reason: fc.constantFrom('expired', 'unknown_epoch', 'invalid', 'ahead' as const),
    resume_from: cursorOrNull,
    missed: fc.option(fc.nat(), { nil: null }),
    message: text,
  }),
  fc.record({ control: fc.constant('dropped' as const), count: fc.nat(), from: text, to: text, message: text }),
  fc.record({ control: fc.constant('overflow' as const), queued_events: fc.nat(), queued_bytes: fc.nat(), last_event_id: cursorOrNull, message: text }),
  fc.record({ control: fc.constant('shutdown' as const), retry_ms: fc.nat(100_000), message: text }),
  fc.record({
    control: fc.constant('ready' as const),
    filter: fc.constantFrom<Filter[]>({}, { types: ['cache'], meta: { 'a\r': 'x\n' } }),
    replayed: fc.nat(),
    head: cursorOrNull,
  }),
  fc.record({ control: fc.constant('ack' as const), op: text, filter: fc.constant<Filter>({ min_severity: 'warning' }) }),
  fc.record({ control: fc.constant('error' as const), error: text, field: text, message: text }),
);
const item = fc.oneof(
  event.map((e) => ({ e })),
  control.map((c) => ({ c })),
  fc.constant({ beat: true }),
);

/** What UTF-8 makes of a string: each lone surrogate becomes U+FFFD (String#toWellFormed, without needing lib es2024). */
const wellFormed = (s: string) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(new TextEncoder().encode(s));

/** Feeds bytes to the parser in the given chunk sizes (splitting UTF-8 sequences too). */
function parse(bytes: Uint8Array, cuts: number[]): { messages: EventSourceMessage[]; retry: number[] } {
  const messages: EventSourceMessage[] = [];
  const retry: number[] = [];
  const parser = createParser({ onEvent: (m) => messages.push(m), onRetry: (r) => retry.push(r) });
  const dec = new TextDecoder();
  let at = 0;
  for (const c of cuts) {
    if (at >= bytes.length) break;
    parser.feed(dec.decode(bytes.subarray(at, at + c), { stream: true }));
    at += c;
  }
  parser.feed(dec.decode(bytes.subarray(at)));
  return { messages, retry };
}

describe('SSE encoding (generated, through eventsource-parser)', () => {
  it('round-trips a stream of events, controls and heartbeats, however it is cut', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 200 }), (items, cuts) => {
        const queue = items.map((x) => ('e' in x ? new Envelope(x.e, 1) : 'c' in x ? x.c : undefined)).filter((x) => x !== undefined);
        const parts = [sseOpening(3000)];
        for (const x of items) parts.push('beat' in x ? SSE_HEARTBEAT : sseCodec.encode([('e' in x ? new Envelope(x.e, 1) : x.c) as never], 0, 1)!);
        const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) bytes.set(p, at), (at += p.length);
        const { messages, retry } = parse(bytes, cuts);
        const want = items.filter((x) => !('beat' in x));
        expect(messages).toHaveLength(want.length);
        expect(queue).toHaveLength(want.length);
        messages.forEach((m, i) => {
          const x = want[i]!;
          if ('e' in x) {
            // Data events carry no name (onmessage sees every type) and the cursor as id.
            expect(m.event).toBeUndefined();
            expect(m.id).toBe(x.e.id);
            expect(JSON.parse(m.data)).toEqual(JSON.parse(JSON.stringify(x.e)));
          } else if ('c' in x) {
            const { control, ...rest } = x.c;
            expect(m.event).toBe(control);
            expect(JSON.parse(m.data)).toEqual(JSON.parse(JSON.stringify(rest)));
          }
        });
        const shutdowns = want.flatMap((x) => ('c' in x && x.c.control === 'shutdown' ? [x.c.retry_ms] : []));
        expect(retry).toEqual([3000, ...shutdowns]);
      }),
      params(120),
    );
  });

  it('keeps every line of raw data (CR, LF and CRLF end a line, NUL and BOM stay), and refuses CR, LF, NUL in id and event', () => {
    fc.assert(
      fc.property(text, fc.option(text, { nil: undefined }), fc.option(text, { nil: undefined }), (data, id, name) => {
        const bad = (s?: string) => s !== undefined && /[\r\n\0]/.test(s);
        if (bad(id) || bad(name)) {
          expect(() => encodeSseEvent({ data, id, event: name })).toThrow(SseFieldError);
          return;
        }
        // A name the parser treats as the default (empty) is not a useful case for names.
        fc.pre(name === undefined || name.length > 0);
        const bytes = new TextEncoder().encode(`: open\n\n${encodeSseEvent({ data, id, event: name })}`);
        const { messages } = parse(bytes, [7, 1, 300]);
        expect(messages).toHaveLength(1);
        expect(messages[0]!.data).toBe(wellFormed(data).replace(/\r\n|\r/g, '\n'));
        if (id !== undefined) expect(messages[0]!.id).toBe(wellFormed(id));
        expect(messages[0]!.event).toBe(name === undefined ? undefined : wellFormed(name));
      }),
      params(500),
    );
  });
});
