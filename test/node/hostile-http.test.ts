/**
 * Hostile HTTP that only Node's own request guards meet (issue 9, item 4;
 * src/runtimes/node/request-guards.ts): requests pipelined behind an open
 * event stream are refused (409, never served), and a connection that keeps
 * sending them is closed, leaving nothing behind. The rest of the hostile
 * corpus (h2c offers, curl --http2, HEAD and pipelining on the stream, Host
 * headers, subprotocols, 413 on close, slow requests, the connection cap)
 * runs on every runtime in the conformance suite (test/conformance/checks/hostile.ts
 * and network.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { PIPELINED_BEHIND_STREAM_MAX } from '../../src/runtimes/node/request-guards.ts';
import { closeWait } from '../helpers/close-wait.ts';
import { RawConnection } from '../helpers/raw-http.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';

let gw: NodeServer;
let host: string;
beforeAll(async () => {
  gw = await startGateway();
  host = new URL(gw.url).host;
});
afterAll(() => gw.stop());

const active = async () => ((await (await fetch(`${gw.url}/api/events/stats`)).json()) as { active_subscribers: number }).active_subscribers;

describe('one connection, one stream', () => {
  it(`closes a connection that pipelines more than ${PIPELINED_BEHIND_STREAM_MAX} requests behind its open stream, and nothing leaks`, async () => {
    const c = await RawConnection.open(gw.url);
    const get = `GET /api/events/stream?replay=0 HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
    c.send(get);
    expect((await c.streamHead()).status).toBe(200);
    await expect.poll(active).toBe(1);
    c.send(get.repeat(PIPELINED_BEHIND_STREAM_MAX));
    // A fence: a publish of our own reaches the stream, so the pipelined requests have been dealt with; the connection stays.
    const marker = `fence-${Date.now()}`;
    await publish(gw.url, sampleEvent('cache', { key: marker }));
    await c.until(() => c.received.includes(marker), 5000, 'the fence event');
    expect(c.closed).toBe(false);
    expect(await active()).toBe(1);
    c.send(get);
    await c.closedByServer();
    await expect.poll(active, { timeout: 5000 }).toBe(0);
    await expect.poll(() => closeWait(gw.port), { timeout: 5000 }).toBe(0);
  });
});
