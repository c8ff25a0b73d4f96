/**
 * eventgate/client in Node, as a server-side consumer: a real child process
 * running the client (Node 20: `ws` for WebSocket, the `eventsource` package
 * for SSE; Bun: its global WebSocket, as Node 22 has one) follows a gateway on Redis while its own connection drops, while
 * the gateway is down for a while (reconnects that fail must not crash it)
 * and across a gateway restart, and receives every event exactly once, in
 * order, with no gap. And the client sends its headers on every transport
 * that can carry them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { EventgateClient } from '../../src/client/eventgate-client.ts';
import { eventually, TestGateway } from '../browser/browser.ts';
import { uniquePrefix, useRedis, type TestRedis } from '../helpers/redis.ts';
import { publish, sampleEvent } from '../helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

let redis: TestRedis;
beforeAll(async () => {
  redis = await useRedis();
});
afterAll(async () => {
  await redis?.close();
});

interface Line {
  kind: string;
  id?: string;
  state?: string;
  gap?: unknown;
  err?: { message: string };
}

class Consumer {
  readonly lines: Line[] = [];
  stderr = '';
  readonly child: ChildProcess;
  constructor(url: string, transport: string, impl: string, runtime: 'node' | 'bun') {
    const [cmd, ...args] = runtime === 'bun' ? [path.join(ROOT, 'node_modules/.bin/bun')] : [process.execPath, '--import', 'tsx'];
    this.child = spawn(cmd!, [...args, 'test/client/consumer.ts', url, transport, impl], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout!.on('data', (d) => {
      buf += d;
      let i = buf.indexOf('\n');
      while (i >= 0) {
        this.lines.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
    });
    this.child.stderr!.on('data', (d) => (this.stderr += d));
  }
  get ids(): string[] {
    return this.lines.filter((l) => l.kind === 'event').map((l) => l.id!);
  }
  count(state: string): number {
    return this.lines.filter((l) => l.kind === 'state' && l.state === state).length;
  }
  until(pred: (c: this) => boolean, what: string, ms = 10_000): Promise<unknown> {
    return eventually(
      () => this,
      (c) => {
        if (c.child.exitCode !== null) throw new Error(`the consumer exited (${c.child.exitCode}) while waiting for ${what}:\n${c.stderr}`);
        return pred(c);
      },
      what,
      ms,
    );
  }
  stop(): void {
    this.child.kill('SIGTERM');
  }
}

describe.each([
  ['ws', 'ws', 'node'],
  ['sse', 'eventsource', 'node'],
  ['ws', 'global', 'bun'],
] as const)('a server-side consumer over %s (WebSocket or EventSource: %s, on %s)', (transport, impl, runtime) => {
  it('resumes after its connection drops, while the gateway is down, and across a restart: no loss, no duplicate, no gap', async () => {
    const prefix = uniquePrefix('node-consumer');
    const gw = await new TestGateway({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, REPLAY_DEFAULT: '0' }).start();
    const c = new Consumer(gw.url, transport, impl, runtime);
    const sent: string[] = [];
    const send = async (n: number) => {
      const res = await publish(
        gw.url,
        Array.from({ length: n }, (_, i) => sampleEvent(i % 2 ? 'cache' : 'error')),
      );
      expect(res.status).toBe(202);
      sent.push(...res.body.ids);
    };
    try {
      await c.until((x) => x.count('live') === 1, 'live');
      await send(3);
      await c.until((x) => x.ids.length === 3, 'the first three');

      gw.cutConnections(); // its own connection drops; the gateway stays
      await send(3);
      await c.until((x) => x.ids.length === 6 && x.count('live') === 2, 'the next three after the drop');

      const port = gw.node.port;
      await gw.stop();
      const before = c.count('reconnecting');
      await c.until((x) => x.count('reconnecting') >= before + 2, 'reconnects that fail while the gateway is down');
      await gw.start(port);
      await send(2);
      await c.until((x) => x.ids.length === 8, 'the events published when it came back');

      await gw.restart();
      await send(4);
      await c.until((x) => x.ids.length === 12, 'the events after a restart');

      expect(c.ids).toEqual(sent);
      expect(c.lines.filter((l) => l.kind === 'gap')).toEqual([]);
      expect(c.child.exitCode).toBe(null);
      expect(c.stderr).toBe('');
    } finally {
      c.stop();
      await gw.stop().catch(() => {});
      await redis.cleanup(prefix);
    }
  });
});

describe('headers', () => {
  it('are sent on the WebSocket upgrade (ws), the SSE request (eventsource) and the refusal probe', async () => {
    const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
    const server = createServer((req, res) => {
      seen.push({ path: new URL(req.url!, 'http://x').pathname, headers: req.headers });
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'forbidden', field: 'token', message: 'not here' }));
    });
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket) => {
      seen.push({ path: new URL(req.url!, 'http://x').pathname, headers: req.headers });
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const options of [
        { transport: 'ws' as const, WebSocket },
        { transport: 'sse' as const, EventSource },
      ]) {
        const errors: unknown[] = [];
        const client = new EventgateClient({ url, ...options, headers: { authorization: 'Bearer secret-1' } });
        client.onError((e) => errors.push(e));
        await eventually(
          () => client.state,
          (s) => s === 'closed',
          `${options.transport}: closed on the 403`,
        );
        expect(errors).toMatchObject([{ status: 403, error: 'forbidden', field: 'token' }]);
      }
      const paths = seen.map((s) => s.path);
      expect(paths).toEqual(['/ws/events', '/api/events/stream', '/api/events/stream', '/api/events/stream']);
      for (const s of seen) expect(s.headers.authorization).toBe('Bearer secret-1');
    } finally {
      wss.close();
      server.closeAllConnections();
      server.close();
    }
  });
});
