/**
 * Node's WebSocket frames of shared texts: each is a well-formed RFC 6455
 * text frame of exactly its text, and the cache that keeps them for the
 * 2nd..Nth socket stays within its byte budget however many texts, and
 * however large, pass through it.
 */
import { describe, expect, it } from 'vitest';
import { FRAME_CACHE_MAX_BYTES, frameCacheSize, textFrame } from '../../src/runtimes/node/ws-frames.ts';

/** The payload of one unmasked server frame, checking its header on the way. */
function payload(f: Buffer): string {
  expect(f[0]).toBe(0x81); // FIN, text
  const b1 = f[1]!;
  expect(b1 & 0x80).toBe(0); // a server never masks
  let len = b1 & 0x7f;
  let at = 2;
  if (len === 126) {
    len = f.readUInt16BE(2);
    at = 4;
  } else if (len === 127) {
    len = f.readUInt32BE(2) * 2 ** 32 + f.readUInt32BE(6);
    at = 10;
  }
  expect(f.length).toBe(at + len);
  return f.subarray(at).toString('utf8');
}

describe('Node WebSocket frames', () => {
  it('frames texts of every length class, multi-byte text included, and reuses a shared frame', () => {
    for (const text of ['', 'a', 'é'.repeat(62), 'x'.repeat(125), 'x'.repeat(126), '€'.repeat(30_000), 'y'.repeat(70_000)]) {
      const shared = textFrame(text, true);
      expect(payload(shared)).toBe(text);
      expect(textFrame(text, true)).toBe(shared); // the 2nd socket gets the same buffer
      expect(payload(textFrame(text, false))).toBe(text);
    }
  });

  it('keeps the cache within its byte budget, oldest out first, and never keeps a frame over an eighth of it', () => {
    const big = 'b'.repeat(FRAME_CACHE_MAX_BYTES / 4); // weighs about half the budget with its frame
    const before = frameCacheSize();
    textFrame(big, true);
    expect(frameCacheSize()).toEqual(before);

    const text = (i: number) => `${String(i).padStart(8, '0')}${'z'.repeat(64 * 1024)}`;
    let peak = 0;
    for (let i = 0; i < 1000; i++) {
      textFrame(text(i), true);
      peak = Math.max(peak, frameCacheSize().bytes);
    }
    const { entries, bytes } = frameCacheSize();
    expect(peak).toBeLessThanOrEqual(FRAME_CACHE_MAX_BYTES);
    expect(bytes).toBeGreaterThan(FRAME_CACHE_MAX_BYTES / 2); // it does cache, up to its budget
    expect(entries).toBeLessThan(1000);
    // The newest are kept (the same buffer comes back), the oldest were let go (a new one is built).
    const newest = textFrame(text(999), true);
    textFrame(text(998), true);
    expect(textFrame(text(999), true)).toBe(newest);
    const oldest = textFrame(text(0), true);
    textFrame(text(1), true); // moves the one-entry "last frame" on
    expect(payload(oldest)).toBe(text(0));
    expect(frameCacheSize().bytes).toBeLessThanOrEqual(FRAME_CACHE_MAX_BYTES);
  });
});
