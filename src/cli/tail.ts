/**
 * `eventgate tail URL`: the terminal's way to watch a stream. One line per
 * event on standard output (or the event as delivered with --json, for jq),
 * notices on standard error. It reconnects by itself with its cursor (the
 * last event's, or before any event the head it was told when it went
 * live), so a reconnect loses nothing, even after an overflow that came
 * before the first event. It exits 0 on Ctrl-C and once a draining gateway does not come back within the
 * retry it gave, and prints the last cursor on exit so that a later
 * `tail --from` continues exactly there.
 */
import { parseArgs } from 'node:util';
import { createParser } from 'eventsource-parser';
import WebSocket from 'ws';
import type { Control } from '../core/control.ts';
import type { SystemEvent } from '../core/event.ts';
import { eventLine, noticeLine } from './tail-format.ts';

export interface TailIO {
  out(line: string): void;
  err(line: string): void;
  /** Colour severities (standard output is a terminal and NO_COLOR is unset). */
  colour: boolean;
  env: Record<string, string | undefined>;
  /** Calls `stop` on Ctrl-C / SIGTERM. */
  onInterrupt(stop: () => void): void;
}

export const TAIL_USAGE = `usage: eventgate tail URL [--types a,b] [--severity s,..] [--min-severity s] [--meta k=v ...]
                      [--from CURSOR] [--replay N] [--transport sse|ws] [--token T] [--json]
  URL          the gateway, e.g. http://localhost:8000
  --from       resume after this cursor (the last one is printed on exit)
  --token      a subscriber token (default: EVENTGATE_TOKEN from the environment)
  --json       print each event as delivered, one per line
  -h, --help   this help`;

/** The largest `replay` a gateway takes; it replays at most its history size. */
const ALL_HISTORY = '999999999';

/** How one connection ended. */
type Ended =
  | { kind: 'lost'; detail: string }
  | { kind: 'shutdown'; retryMs: number }
  /** The gateway could not serve the stream for now (an `unavailable` signal) and said when to come back. */
  | { kind: 'retry'; retryMs: number }
  | { kind: 'refused'; status: number; body: string }
  | { kind: 'stopped' };

interface Options {
  base: URL;
  query: URLSearchParams;
  transport: 'sse' | 'ws';
  token: string | undefined;
  json: boolean;
}

export async function runTail(args: string[], io: TailIO): Promise<number> {
  let opts: Options | 'help';
  try {
    opts = parse(args, io.env);
  } catch (err) {
    io.err(`eventgate tail: ${(err as Error).message}\n${TAIL_USAGE}`);
    return 2;
  }
  if (opts === 'help') {
    io.out(TAIL_USAGE);
    return 0;
  }
  let cursor = opts.query.get('last_event_id');
  let sinceEmpty = false;
  let stop: (() => void) | undefined;
  let stopped = false;
  io.onInterrupt(() => {
    stopped = true;
    stop?.();
  });
  const farewell = (code: number) => {
    io.err(cursor ? `eventgate tail: last cursor ${cursor} (continue with --from ${cursor})` : 'eventgate tail: no event received');
    return code;
  };
  const onEvent = (e: SystemEvent, raw: string) => {
    cursor = e.id;
    io.out(opts.json ? raw : eventLine(e, io.colour));
  };
  const onControl = (c: Control) => {
    // Live before any event came: the head is where this tail stands, so that a reconnect
    // (after an overflow that came before any event was delivered, say) resumes there;
    // with no head (the stream was empty), everything the history holds by then is new to it.
    if (c.control === 'ready' && !cursor) {
      if (c.head) cursor = c.head;
      else sinceEmpty = true;
    }
    const line = noticeLine(c);
    if (line) io.err(line);
  };
  let failures = 0;
  let afterShutdown = false;
  while (!stopped) {
    if (cursor) opts.query.set('last_event_id', cursor);
    else if (sinceEmpty) opts.query.set('replay', ALL_HISTORY);
    let delivered = false;
    const ended = await connect(opts, {
      onEvent: (e, raw) => ((delivered = true), onEvent(e, raw)),
      onControl,
      setStop: (f) => (stop = f),
    });
    if (stopped || ended.kind === 'stopped') return farewell(0);
    if (ended.kind === 'refused') {
      io.err(`eventgate tail: the gateway answered ${ended.status}: ${ended.body}`);
      // A draining gateway refuses new subscribers with 503 until it is gone.
      if (afterShutdown) return farewell(0);
      if (ended.status !== 503 && ended.status !== 429) return farewell(1);
    }
    if (ended.kind === 'lost' && afterShutdown && !delivered) return farewell(0); // did not come back within its retry
    afterShutdown = ended.kind === 'shutdown';
    failures = delivered || afterShutdown ? 0 : failures + 1;
    const wait = ended.kind === 'shutdown' || ended.kind === 'retry' ? ended.retryMs : Math.min(10_000, 250 * 2 ** Math.min(failures, 6)) * (0.5 + Math.random() / 2);
    if (ended.kind === 'lost') io.err(`eventgate tail: connection lost (${ended.detail}); reconnecting in ${Math.round(wait)} ms`);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, wait);
      stop = () => (clearTimeout(t), resolve());
    });
  }
  return farewell(0);
}

/** The options, or 'help' when --help (or -h) is among the flags, whatever else is there. */
function parse(args: string[], env: Record<string, string | undefined>): Options | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      types: { type: 'string' },
      severity: { type: 'string' },
      'min-severity': { type: 'string' },
      meta: { type: 'string', multiple: true },
      from: { type: 'string' },
      replay: { type: 'string' },
      transport: { type: 'string', default: 'sse' },
      token: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new Error(positionals.length ? `one URL expected, got ${positionals.join(' ')}` : 'the gateway URL is missing');
  let base: URL;
  try {
    base = new URL(positionals[0]!);
  } catch {
    throw new Error(`URL: "${positionals[0]}" is not a URL like http://localhost:8000`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`URL: must be http:// or https://, got ${base.protocol}`);
  if (values.transport !== 'sse' && values.transport !== 'ws') throw new Error(`--transport must be sse or ws, got "${values.transport}"`);
  if (values.replay !== undefined && !/^\d+$/.test(values.replay)) throw new Error(`--replay must be a whole number, got "${values.replay}"`);
  const query = new URLSearchParams();
  if (values.types) query.set('types', values.types);
  if (values.severity) query.set('severity', values.severity);
  if (values['min-severity']) query.set('min_severity', values['min-severity']);
  for (const kv of values.meta ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`--meta takes field=value, got "${kv}"`);
    query.set(`meta.${kv.slice(0, eq)}`, kv.slice(eq + 1));
  }
  if (values.from) query.set('last_event_id', values.from);
  if (values.replay !== undefined) query.set('replay', values.replay);
  return { base, query, transport: values.transport, token: values.token ?? env.EVENTGATE_TOKEN, json: values.json ?? false };
}

interface Sink {
  onEvent(e: SystemEvent, raw: string): void;
  onControl(c: Control): void;
  setStop(stop: () => void): void;
}

function connect(o: Options, sink: Sink): Promise<Ended> {
  return o.transport === 'ws' ? connectWs(o, sink) : connectSse(o, sink);
}

async function connectSse(o: Options, sink: Sink): Promise<Ended> {
  const url = new URL(`/api/events/stream?${o.query}`, o.base);
  const abort = new AbortController();
  let stopped = false;
  sink.setStop(() => ((stopped = true), abort.abort()));
  let shutdownRetry: number | undefined;
  let unavailableRetry: number | undefined;
  const ended = (): Ended | undefined =>
    shutdownRetry !== undefined ? { kind: 'shutdown', retryMs: shutdownRetry } : unavailableRetry !== undefined ? { kind: 'retry', retryMs: unavailableRetry } : undefined;
  try {
    const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...(o.token ? { Authorization: `Bearer ${o.token}` } : {}) }, signal: abort.signal });
    if (res.status !== 200 || !res.body) return { kind: 'refused', status: res.status, body: await res.text() };
    const parser = createParser({
      onEvent(m) {
        if (m.event === undefined) return sink.onEvent(JSON.parse(m.data) as SystemEvent, m.data);
        // On SSE a control's name is the event name; its data holds the rest.
        const c = { control: m.event, ...(JSON.parse(m.data) as object) } as Control;
        if (c.control === 'shutdown') shutdownRetry = c.retry_ms;
        if (c.control === 'unavailable') unavailableRetry = c.retry_ms;
        sink.onControl(c);
      },
    });
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
    return ended() ?? { kind: 'lost', detail: 'the stream ended' };
  } catch (err) {
    if (stopped) return { kind: 'stopped' };
    return ended() ?? { kind: 'lost', detail: describe(err) };
  }
}

/** Close codes: 1001 the gateway is going away (drain), 1013 overflow, 4401 token expired. */
function connectWs(o: Options, sink: Sink): Promise<Ended> {
  const url = new URL(`/ws/events?${o.query}`, o.base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return new Promise<Ended>((resolve) => {
    const ws = new WebSocket(url, { headers: o.token ? { Authorization: `Bearer ${o.token}` } : {} });
    let stopped = false;
    sink.setStop(() => {
      stopped = true;
      ws.close(1000, 'tail stopped');
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ kind: 'refused', status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ kind: 'refused', status: res.statusCode ?? 0, body }));
    });
    ws.on('error', (err) => resolve(stopped ? { kind: 'stopped' } : { kind: 'lost', detail: describe(err) }));
    ws.on('message', (data) => {
      const text = data.toString();
      const msg = JSON.parse(text) as SystemEvent | Control;
      if ('control' in msg) sink.onControl(msg);
      else sink.onEvent(msg, text);
    });
    ws.on('close', (code, reason) => {
      if (stopped) return resolve({ kind: 'stopped' });
      if (code === 1001) return resolve({ kind: 'shutdown', retryMs: 1000 });
      if (code === 4401) return resolve({ kind: 'refused', status: 401, body: reason.toString() || 'token expired' });
      resolve({ kind: 'lost', detail: `closed ${code}${reason.length ? ` ${reason}` : ''}` });
    });
  });
}

function describe(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; message?: string };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/** The process's own standard streams and signals. */
export function processTailIO(): TailIO {
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
    colour: process.stdout.isTTY === true && !process.env.NO_COLOR,
    env: process.env,
    onInterrupt: (stop) => {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
  };
}
