import { describe, expect, it } from 'vitest';
import { encodeSseComment, encodeSseControl, encodeSseEvent, sseOpening } from '../../src/core/sse.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('SSE encoding', () => {
  it('gives every line of data its own data: prefix, whatever the line ending', () => {
    expect(encodeSseEvent({ data: 'a\nb\r\nc\rd' })).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  it('writes event, id and retry fields before the data and closes with a blank line', () => {
    expect(encodeSseEvent({ event: 'gap', id: 'e-1', retry: 2500.7, data: '{}' })).toBe('event: gap\nid: e-1\nretry: 2500\ndata: {}\n\n');
  });

  it('refuses CR, LF or NUL in id and event', () => {
    expect(() => encodeSseEvent({ id: 'a\nb', data: 'x' })).toThrow(/CR, LF or NUL/);
    expect(() => encodeSseEvent({ event: 'a\rb', data: 'x' })).toThrow(/CR, LF or NUL/);
    expect(() => encodeSseEvent({ id: 'a\0b', data: 'x' })).toThrow(/CR, LF or NUL/);
  });

  it('encodes control messages as named events without an id, so the client keeps its last id', () => {
    const out = text(encodeSseControl({ control: 'dropped', count: 3, from: 'e-1', to: 'e-3', message: 'm' }));
    expect(out).toBe('event: dropped\ndata: {"count":3,"from":"e-1","to":"e-3","message":"m"}\n\n');
    expect(out).not.toMatch(/^id:/m);
  });

  it('adds the jittered retry to the shutdown event', () => {
    expect(text(encodeSseControl({ control: 'shutdown', retry_ms: 4321, message: 'bye' }))).toBe('event: shutdown\nretry: 4321\ndata: {"retry_ms":4321,"message":"bye"}\n\n');
  });

  it('opens with a comment and a retry hint; comments cover every line', () => {
    expect(text(sseOpening(3000))).toBe(': eventgate stream open\n\nretry: 3000\n\n');
    expect(encodeSseComment('a\nb')).toBe(': a\n: b\n\n');
  });
});
