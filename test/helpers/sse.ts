/**
 * A raw SSE reader over fetch: parses the stream as the WHATWG spec says,
 * and also keeps the exact bytes, so tests can check framing to the byte.
 */
export interface SseMessage {
  event: string;
  data: string;
  id: string | undefined;
  retry?: number;
}

export class SseReader {
  readonly messages: SseMessage[] = [];
  raw = '';
  status = 0;
  headers!: Headers;
  closed = false;
  comments = 0;
  #buf = '';
  #waiters: (() => void)[] = [];
  #ctl = new AbortController();

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const r = new SseReader();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: r.#ctl.signal });
    r.status = res.status;
    r.headers = res.headers;
    if (res.body) void r.#read(res.body);
    else r.closed = true;
    return r;
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const dec = new TextDecoder();
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = dec.decode(value, { stream: true });
        this.raw += text;
        this.#feed(text);
      }
    } catch {
      /* aborted */
    }
    this.closed = true;
    this.#wake();
  }

  #event: Partial<SseMessage> & { data?: string } = {};
  #feed(text: string): void {
    this.#buf += text;
    const lines = this.#buf.split(/\r\n|\r|\n/);
    this.#buf = lines.pop()!;
    for (const line of lines) {
      if (line === '') {
        if (this.#event.data !== undefined) {
          this.messages.push({ event: this.#event.event ?? 'message', data: this.#event.data, id: this.#event.id, retry: this.#event.retry });
        }
        this.#event = {};
        continue;
      }
      if (line.startsWith(':')) {
        this.comments++;
        continue;
      }
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      let value = i < 0 ? '' : line.slice(i + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') this.#event.data = this.#event.data === undefined ? value : `${this.#event.data}\n${value}`;
      else if (field === 'event') this.#event.event = value;
      else if (field === 'id') this.#event.id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) this.#event.retry = Number(value);
    }
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Data events (no event name), parsed. */
  get events(): any[] {
    return this.messages.filter((m) => m.event === 'message').map((m) => JSON.parse(m.data));
  }

  named(name: string): any[] {
    return this.messages.filter((m) => m.event === name).map((m) => JSON.parse(m.data));
  }

  /** Waits until `pred` holds (checked after each chunk), or throws after `ms`. */
  async until(pred: (r: SseReader) => boolean, ms = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`SSE: timed out waiting for ${what}; got ${this.messages.length} messages:\n${this.raw.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.#ctl.abort();
  }
}
