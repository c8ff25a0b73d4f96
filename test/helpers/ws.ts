/**
 * A `ws` client that records every message and its close code, with waits.
 */
import WebSocket from 'ws';

export class WsClient {
  readonly messages: any[] = [];
  closeCode: number | undefined;
  closeReason = '';
  readonly ws: WebSocket;
  #waiters: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)));
      this.#wake();
    });
    ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = String(reason);
      this.#wake();
    });
  }

  /** Opens a socket; rejects with the HTTP status when the upgrade is refused. */
  static open(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const c = new WsClient(ws);
      ws.once('open', () => resolve(c));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body, headers: res.headers })));
      });
      ws.once('error', (err) => reject(err));
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  get events(): any[] {
    return this.messages.filter((m) => m.control === undefined);
  }

  controls(name: string): any[] {
    return this.messages.filter((m) => m.control === name);
  }

  async until(pred: (c: WsClient) => boolean, ms = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`WS: timed out waiting for ${what}; got ${JSON.stringify(this.messages.slice(-5))}, close ${this.closeCode}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until the subscription is live (replay done). */
  ready(): Promise<void> {
    return this.until((c) => c.controls('ready').length > 0, 5000, 'ready');
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  close(): void {
    this.ws.close();
  }
}
