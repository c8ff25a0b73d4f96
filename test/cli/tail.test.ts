/**
 * `eventgate tail` as a real child process against a real gateway: it prints
 * events (lines or --json), filters, resumes with --from, reconnects with its
 * cursor, prints the last cursor on exit, exits 0 on Ctrl-C and when a
 * draining gateway does not come back, and 2 on a bad flag.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish as post, sampleEvent, startGateway } from '../helpers/server.ts';

const TOKEN = 'tail-test-publish-token';
async function publish(url: string, events: unknown[], token: string): Promise<{ ids: string[] }> {
  const res = await post(url, events, { authorization: `Bearer ${token}` });
  expect(res.status).toBe(202);
  return res.body as { ids: string[] };
}

class Tail {
  readonly child: ChildProcess;
  out = '';
  err = '';
  readonly exited: Promise<number | null>;
  constructor(args: string[]) {
    this.child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        "import { runTail, processTailIO } from './src/cli/tail.ts'; process.exitCode = await runTail(process.argv.slice(1), processTailIO());",
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    this.child.stdout!.on('data', (d) => (this.out += d));
    this.child.stderr!.on('data', (d) => (this.err += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }
  lines(): string[] {
    return this.out.split('\n').filter(Boolean);
  }
  async until(pred: () => boolean, what: string, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`tail: timed out waiting for ${what}\nstdout:\n${this.out}\nstderr:\n${this.err}`);
      if (this.child.exitCode !== null) throw new Error(`tail exited ${this.child.exitCode} while waiting for ${what}\n${this.err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
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
});
