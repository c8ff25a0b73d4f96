/**
 * `eventgate tail` as a real child process against a real gateway: it prints
 * events (lines or --json), filters (types, severity, minimum severity,
 * metadata), resumes with --from, reconnects with its cursor, prints the last
 * cursor on exit, exits 0 on Ctrl-C and when a draining gateway does not come
 * back, and 2 on a bad flag. Drop and overflow notices go to standard error,
 * never among the events on standard output.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish as post, sampleEvent, startGateway } from '../helpers/server.ts';
import { Tail } from '../helpers/tail.ts';

const TOKEN = 'tail-test-publish-token';
async function publish(url: string, events: unknown[], token: string): Promise<{ ids: string[] }> {
  const res = await post(url, events, { authorization: `Bearer ${token}` });
  expect(res.status).toBe(202);
  return res.body as { ids: string[] };
}

const running: Tail[] = [];
let gateways: NodeServer[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) if (t.child.exitCode === null) t.child.kill('SIGKILL');
  for (const g of gateways.splice(0)) await g.stop();
});

async function gateway(env: Record<string, string> = {}): Promise<NodeServer> {
  const g = await startGateway({ PUBLISH_TOKEN: TOKEN, ...env });
  gateways.push(g);
  return g;
}
function tail(...args: string[]): Tail {
  const t = new Tail(args);
  running.push(t);
  return t;
}

describe('eventgate tail', () => {
  for (const transport of ['sse', 'ws'] as const) {
    it(`${transport}: prints each event as delivered with --json, filtered, and the last cursor on Ctrl-C (exit 0)`, async () => {
      const g = await gateway();
      const t = tail(g.url, '--transport', transport, '--json', '--types', 'error,cache', '--replay', '0');
      await t.until(() => g.gateway.bus.subscriberCount === 1, 'the subscription');
      const ids = (await publish(g.url, [sampleEvent('error'), sampleEvent('cgrag'), sampleEvent('cache')], TOKEN)).ids;
      await t.until(() => t.lines().length === 2, 'two events');
      const got = t.lines().map((l) => JSON.parse(l) as { id: string; type: string });
      expect(got.map((e) => e.id)).toEqual([ids[0], ids[2]]);
      t.child.kill('SIGINT');
      expect(await t.exited).toBe(0);
      expect(t.err).toContain(`last cursor ${ids[2]} (continue with --from ${ids[2]})`);
    });
  }

  it('prints one line per event (time, severity, type, message) and --from continues exactly after a cursor', async () => {
    const g = await gateway();
    const ids = (await publish(g.url, [sampleEvent('query_route'), sampleEvent('error'), sampleEvent('performance')], TOKEN)).ids;
    const t = tail(g.url, '--from', ids[0]!);
    await t.until(() => t.lines().length === 2, 'the two events after the cursor');
    const [first, second] = t.lines();
    expect(first).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}ERROR {4}error {2}error event \d+$/);
    expect(second).toMatch(/ {2}INFO {5}performance {2}performance event \d+$/);
  });

  it('reconnects with its cursor after the gateway restarts, says so, and exits 0 once a draining gateway does not come back', async () => {
    const env = { SSE_RETRY_MS: '300', SHUTDOWN_RETRY_JITTER_MS: '0' };
    const a = await gateway(env);
    const port = new URL(a.url).port;
    const t = tail(a.url, '--json', '--replay', '0');
    await t.until(() => a.gateway.bus.subscriberCount === 1, 'the subscription');
    await publish(a.url, [sampleEvent('cache')], TOKEN);
    await t.until(() => t.lines().length === 1, 'the first event');
    gateways = gateways.filter((g) => g !== a);
    const stopping = a.stop();
    const b = await (async () => {
      await stopping;
      return gateway({ ...env, PORT: port });
    })();
    // A new process is a new epoch: the tail's cursor is from the old one, and it is told so.
    await t.until(() => /gap \(unknown_epoch\)/.test(t.err), 'the gap notice');
    await publish(b.url, [sampleEvent('error')], TOKEN);
    await t.until(() => t.lines().length === 2, 'the event after the restart');
    expect(t.err).toContain('shutdown: the gateway is draining');
    gateways = gateways.filter((g) => g !== b);
    await b.stop();
    expect(await t.exited).toBe(0);
    const last = (JSON.parse(t.lines()[1]!) as { id: string }).id;
    expect(t.err).toContain(`last cursor ${last}`);
  });

  it("exits 2 naming an unknown flag, and 1 with the gateway's answer when it refuses the subscription", async () => {
    const g = await gateway();
    const bad = tail(g.url, '--colour');
    expect(await bad.exited).toBe(2);
    expect(bad.err).toMatch(/--colour/);
    const refused = tail(g.url, '--types', 'nope');
    expect(await refused.exited).toBe(1);
    expect(refused.err).toMatch(/answered 400: .*"field":"types"/);
  });

  it('filters by --severity, --min-severity and --meta k=v (several --meta: all must match), on both transports', async () => {
    const g = await gateway();
    const tails = {
      severity: tail(g.url, '--json', '--replay', '0', '--severity', 'warning,info'),
      min: tail(g.url, '--json', '--replay', '0', '--transport', 'ws', '--min-severity', 'warning'),
      metaMin: tail(g.url, '--json', '--replay', '0', '--meta', 'component=router', '--min-severity', 'warning'),
      metas: tail(g.url, '--json', '--replay', '0', '--transport', 'ws', '--meta', 'component=router', '--meta', 'error_type=TimeoutError'),
    };
    await tails.severity.until(() => g.gateway.bus.subscriberCount === 4, 'four subscriptions', 45_000);
    const ids = (
      await publish(
        g.url,
        [
          sampleEvent('cache', {}, 'info'),
          sampleEvent('error', { component: 'router' }, 'error'),
          sampleEvent('performance', { component: 'router' }, 'warning'),
          sampleEvent('cgrag', {}, 'warning'),
          sampleEvent('error', { component: 'db' }, 'error'),
          sampleEvent('performance', { component: 'router' }, 'info'),
        ],
        TOKEN,
      )
    ).ids;
    const expected: Record<keyof typeof tails, number[]> = { severity: [0, 2, 3, 5], min: [1, 2, 3, 4], metaMin: [1, 2], metas: [1] };
    // A last event every tail matches closes the run: when it has arrived, everything before it has.
    const last = (await publish(g.url, [sampleEvent('error', { component: 'router', error_type: 'TimeoutError' }, 'warning')], TOKEN)).ids[0]!;
    for (const [name, t] of Object.entries(tails) as [keyof typeof tails, Tail][]) {
      await t.until(() => t.lines().some((l) => l.includes(last)), `${name}: the last event`);
      const got = t.lines().map((l) => (JSON.parse(l) as { id: string }).id);
      expect(got, name).toEqual([...expected[name].map((i) => ids[i]!), last]);
    }
  }, 90_000);

  /** Publishes 16 KiB events until `done()`; a tail that is not reading falls behind them. */
  async function flood(url: string, done: () => boolean): Promise<string[]> {
    const ids: string[] = [];
    const pad = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 2000 && !done(); i++)
      ids.push(
        ...(
          await publish(
            url,
            Array.from({ length: 12 }, () => sampleEvent('cache', { pad })),
            TOKEN,
          )
        ).ids,
      );
    if (!done()) throw new Error('the tail never fell behind');
    return ids;
  }

  const stdoutIsEvents = (t: Tail) => {
    for (const l of t.lines()) expect(JSON.parse(l), l.slice(0, 200)).toMatchObject({ id: expect.any(String), type: 'cache' });
  };

  // Where the tail stands when it falls behind: on an empty stream, live on a stream that has events
  // (its cursor is the head it was told when it went live), and after events it printed.
  for (const before of ['an empty stream', 'the head', 'its last event'] as const) {
    it(`an overflow (SSE) is told on stderr; the tail reconnects from ${before} and stdout holds only events, every one in order`, async () => {
      const g = await gateway({ QUEUE_MAX_EVENTS: '20', QUEUE_MAX_BYTES: String(64 * 1024), OVERFLOW_GRACE_MS: '60000' });
      if (before === 'the head') await publish(g.url, [sampleEvent('cache')], TOKEN);
      const t = tail(g.url, '--json', '--replay', '0');
      await t.until(() => g.gateway.bus.subscriberCount === 1, 'the subscription');
      const ids = before === 'its last event' ? (await publish(g.url, [sampleEvent('cache'), sampleEvent('cache')], TOKEN)).ids : [];
      await t.until(() => t.lines().length === ids.length, 'the first events');
      t.child.kill('SIGSTOP');
      try {
        ids.push(...(await flood(g.url, () => g.gateway.bus.counters.slow_disconnects > 0)));
      } finally {
        t.child.kill('SIGCONT');
      }
      await t.until(() => /overflow: fell behind with \d+ events queued; reconnecting from /.test(t.err), 'the overflow notice', 30_000);
      await t.until(() => t.lines().some((l) => l.includes(ids.at(-1)!)), 'every event, after the reconnect', 30_000);
      expect(t.err).toMatch(/connection lost \(the stream ended\); reconnecting/);
      expect(t.err).not.toMatch(/gap/);
      stdoutIsEvents(t);
      expect(t.lines().map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(ids);
      expect(t.out).not.toMatch(/overflow|reconnect/);
    }, 120_000);
  }

  it('drops (WebSocket, OVERFLOW_POLICY=drop) are told on stderr with their count and range, never on stdout', async () => {
    const g = await gateway({ QUEUE_MAX_EVENTS: '20', QUEUE_MAX_BYTES: String(64 * 1024), OVERFLOW_POLICY: 'drop' });
    const t = tail(g.url, '--json', '--replay', '0', '--transport', 'ws');
    await t.until(() => g.gateway.bus.subscriberCount === 1, 'the subscription');
    t.child.kill('SIGSTOP');
    let ids: string[];
    try {
      ids = await flood(g.url, () => g.gateway.bus.counters.dropped > 0);
    } finally {
      t.child.kill('SIGCONT');
    }
    await t.until(() => t.lines().some((l) => l.includes(ids.at(-1)!)), 'the last event', 30_000);
    const notices = [...t.err.matchAll(/dropped: (\d+) events \((\S+) \.\. (\S+)\) because this tail fell behind/g)];
    expect(notices.length).toBeGreaterThan(0);
    stdoutIsEvents(t);
    const got = t.lines().map((l) => (JSON.parse(l) as { id: string }).id);
    // What arrived and what the notices say was dropped is everything, once each.
    const dropped = notices.reduce((n, m) => n + Number(m[1]), 0);
    expect(got.length + dropped).toBe(ids.length);
    for (const m of notices) expect(ids).toContain(m[2]), expect(ids).toContain(m[3]);
    expect(new Set(got).size).toBe(got.length);
    expect(t.out).not.toContain('dropped');
    expect(g.gateway.bus.counters.slow_disconnects).toBe(0);
  }, 120_000);
});
