// Incremental scanners for raw subscriber sockets. Counting subscribers only
// walk the bytes (no strings, no JSON); probe subscribers also reassemble each
// event's JSON text. Chunk boundaries may fall anywhere.

const NL = 10,
  _CR = 13;
// "\nid: " starts every event block the gateway sends (controls carry no id:).
const ID_PAT = [NL, 105, 100, 58, 32];

/** De-chunks an HTTP/1.1 chunked body, handing payload slices to `out(buf, start, end)`. */
export class Dechunker {
  constructor(out) {
    this.out = out;
    this.state = 0;
    this.size = 0;
    this.left = 0;
  }
  // states: 0 size digits, 1 until LF after size line, 2 payload, 3 CR/LF after payload
  push(b, start = 0, end = b.length) {
    let i = start;
    while (i < end) {
      if (this.state === 2) {
        const n = Math.min(this.left, end - i);
        this.out(b, i, i + n);
        i += n;
        this.left -= n;
        if (this.left === 0) this.state = 3;
        continue;
      }
      const c = b[i++];
      if (this.state === 0) {
        if (c >= 48 && c <= 57) this.size = this.size * 16 + (c - 48);
        else if (c >= 97 && c <= 102) this.size = this.size * 16 + (c - 87);
        else if (c >= 65 && c <= 70) this.size = this.size * 16 + (c - 55);
        else this.state = c === NL ? this.#afterSize() : 1;
      } else if (this.state === 1) {
        if (c === NL) this.state = this.#afterSize();
      } else if (this.state === 3) {
        if (c === NL) this.state = 0;
      }
    }
  }
  #afterSize() {
    const s = this.size;
    this.size = 0;
    if (s === 0) return 1;
    this.left = s;
    return 2;
  }
}

/** Counts SSE event blocks (those with an `id:` line) without decoding. */
export class SseCounter {
  constructor() {
    this.count = 0;
    this.m = 1;
  } // the stream opens as if after a newline
  feed(b, start, end) {
    let m = this.m,
      count = 0;
    for (let i = start; i < end; i++) {
      const c = b[i];
      if (c === ID_PAT[m]) {
        if (++m === 5) {
          count++;
          m = 0;
        }
      } else m = c === NL ? 1 : 0;
    }
    this.m = m;
    this.count += count;
  }
}

/** Reassembles SSE events and calls `onEvent(jsonText)` for each `data:` of an event with an id. */
export class SseProbe {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.text = '';
    this.dec = new TextDecoder();
  }
  feed(b, start, end) {
    this.text += this.dec.decode(b.subarray(start, end), { stream: true });
    let at;
    while ((at = this.text.indexOf('\n\n')) !== -1) {
      const block = this.text.slice(0, at);
      this.text = this.text.slice(at + 2);
      if (!block.startsWith('id: ') && !block.includes('\nid: ')) continue;
      const d = block.indexOf('data: ');
      if (d !== -1) this.onEvent(block.slice(d + 6, block.indexOf('\n', d) === -1 ? undefined : block.indexOf('\n', d)));
    }
  }
}

/**
 * RFC 6455 frame scanner for server-to-client frames. Counts complete text
 * messages whose JSON starts with `{"id"` (events; controls start `{"control"`).
 * With `onText`, also reassembles payloads. `onPing(payload)` answers pings.
 */
export class WsScanner {
  /** @param {{ onText?: (text: string) => void, onPing?: (payload: Buffer) => void, onClose?: (code: number) => void }} [handlers] */
  constructor({ onText, onPing, onClose } = {}) {
    this.onText = onText;
    this.onPing = onPing;
    this.onClose = onClose;
    this.count = 0;
    this.hdr = Buffer.alloc(14);
    this.hn = 0;
    this.need = 2;
    this.left = 0;
    this.op = 0;
    this.fin = false;
    this.msgOp = 0;
    this.peek = 0;
    this.peekN = 0;
    this.parts = null;
  }
  feed(b, start = 0, end = b.length) {
    let i = start;
    while (i < end) {
      if (this.left > 0) {
        const n = Math.min(this.left, end - i);
        this.#payload(b, i, i + n);
        i += n;
        this.left -= n;
        if (this.left === 0) this.#frameDone();
        continue;
      }
      this.hdr[this.hn++] = b[i++];
      if (this.hn === 2) {
        const l = this.hdr[1] & 127,
          masked = this.hdr[1] & 128 ? 4 : 0;
        this.need = 2 + (l === 126 ? 2 : l === 127 ? 8 : 0) + masked;
      }
      if (this.hn >= 2 && this.hn === this.need) this.#header();
    }
  }
  #header() {
    const h = this.hdr,
      l = h[1] & 127;
    this.fin = (h[0] & 128) !== 0;
    this.op = h[0] & 15;
    this.left = l < 126 ? l : l === 126 ? h.readUInt16BE(2) : h.readUInt32BE(2) * 2 ** 32 + h.readUInt32BE(6);
    this.hn = 0;
    this.need = 2;
    if (this.op === 1 || this.op === 2) {
      this.msgOp = this.op;
      this.peek = 0;
      this.peekN = 0;
      if (this.onText) this.parts = [];
    }
    if (this.op >= 8) this.ctl = [];
    if (this.left === 0) this.#frameDone();
  }
  #payload(b, s, e) {
    if (this.op >= 8) {
      this.ctl.push(Buffer.from(b.subarray(s, e)));
      return;
    }
    const s0 = s; // the first bytes tell events from controls
    while (this.peekN < 3 && s < e) {
      this.peek = (this.peek << 8) | b[s++];
      this.peekN++;
    }
    if (this.parts) this.parts.push(Buffer.from(b.subarray(s0, e)));
  }
  #frameDone() {
    if (this.op >= 8) {
      const p = Buffer.concat(this.ctl);
      if (this.op === 9) this.onPing?.(p);
      else if (this.op === 8) this.onClose?.(p.length >= 2 ? p.readUInt16BE(0) : 1005);
      return;
    }
    if (!this.fin) return;
    // {"i  = 0x7b 0x22 0x69
    if (this.msgOp === 1 && this.peek === 0x7b2269) {
      this.count++;
      if (this.parts) this.onText(Buffer.concat(this.parts).toString('utf8'));
    }
    this.parts = null;
  }
}
