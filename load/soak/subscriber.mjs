// A soak subscriber on SSE or WebSocket. It logs for the auditor what it
// asked for (`open`, `filter`), what it received (`ev`) and what it was told
// (`ready`, `gap`, `dropped`, `overflow`, `shutdown`, `closed`), and behaves as
// its profile says: reads normally, slowly or not at all for a while, drops its
// connection on purpose and resumes with its cursor, changes filter (in place
// on WebSocket, by reconnecting on SSE), leaves. A `dropped` range is fetched
// back by a resume from just before it.
import http from 'node:http';
import { createParser } from 'eventsource-parser';
import WebSocket from 'ws';
import { filterQuery, makeFilter } from './workload.mjs';
import { parseId } from './audit.mjs';

const now = () => performance.now();
const agent = new http.Agent({ keepAlive: false });

/** One connection: SSE or WS; calls `on(kind, data)` and `end(info)` once. */
function connect(transport, base, query, on, end) {
  let ended = false;
  const finish = (info) => {
    if (!ended) {
      ended = true;
      end(info);
    }
  };
  if (transport === 'ws') {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/events?${query}`);
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.control) on(m.control, m);
      else on('event', m);
    });
    ws.on('close', (code) => finish({ code }));
    ws.on('error', () => {});
    return {
      pause: () => ws.pause(),
      resume: () => ws.resume(),
      send: (m) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
      },
      close: () => {
        try {
          ws.terminate();
        } catch {
          /* gone */
        }
        finish({ code: 'client' });
      },
    };
  }
  let res;
  const parser = createParser({
    onEvent: (ev) => {
      const m = JSON.parse(ev.data);
      if (ev.event) on(ev.event, m);
      else on('event', m);
    },
  });
  const req = http.get(`${base}/api/events/stream?${query}`, { agent, headers: { accept: 'text/event-stream' } }, (r) => {
    res = r;
    if (r.statusCode !== 200) {
      r.resume();
      return void finish({ code: r.statusCode });
    }
    r.setEncoding('utf8');
    r.on('data', (t) => parser.feed(t));
    r.on('end', () => finish({ code: 'end' }));
    r.on('close', () => finish({ code: 'close' }));
    r.on('error', () => finish({ code: 'error' }));
  });
  req.on('error', () => finish({ code: 'error' }));
  return {
    pause: () => res?.pause(),
    resume: () => res?.resume(),
    send: () => {},
    close: () => {
      req.destroy();
      finish({ code: 'client' });
    },
  };
}

export class Subscriber {
  constructor({ name, targets, r, auditor, run, profile, counters }) {
    this.name = name;
    this.targets = targets;
    this.r = r;
    this.run = run;
    this.profile = profile;
    this.c = counters;
    this.a = auditor.subscriber(name);
    this.filter = makeFilter(r, run);
    this.cursor = null;
    this.conn = null;
    this.stopped = false;
    this.live = false;
    this.timers = new Set();
    this.stalled = false;
    this.onEvent = null;
  }
  log(k, extra) {
    this.a.log.push({ k, t: now(), ...extra });
  }
  later(ms, fn) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  start() {
    this.open();
    this.schedule();
    return this;
  }

  open() {
    if (this.stopped) return;
    const p = this.profile;
    const q = filterQuery(this.filter);
    q.set('on_overflow', p.policy);
    if (this.cursor) q.set('last_event_id', this.cursor);
    else q.set('replay', '0');
    this.log('open', { cursor: this.cursor, filter: this.filter });
    this.live = false;
    this.told = false;
    const base = this.r.pick(this.targets());
    const conn = connect(
      p.transport,
      base,
      q.toString(),
      (kind, m) => this.message(conn, kind, m),
      (info) => this.ended(conn, info),
    );
    this.conn = conn;
    if (this.stalled) conn.pause();
  }

  message(conn, kind, m) {
    if (conn !== this.conn) return;
    if (kind === 'event') {
      this.cursor = m.id;
      this.log('ev', { id: m.id, seq: m.metadata?.soak_seq });
      this.onEvent?.(m);
    } else if (kind === 'ready') {
      this.live = true;
      if (!this.cursor && m.head) this.cursor = m.head;
      this.log('ready', { head: m.head });
    } else if (kind === 'gap') {
      this.log('gap', { requested: m.requested, resume_from: m.resume_from, reason: m.reason });
    } else if (kind === 'dropped') {
      const recovery = { ids: new Set(), gap: null, complete: false };
      this.log('dropped', { from: m.from, to: m.to, recovery });
      this.recover(m.from, m.to, recovery);
    } else if (kind === 'overflow' || kind === 'shutdown') {
      this.told = true;
      this.log(kind, {});
    } else if (kind === 'ack') {
      this.log('ack', {});
    }
  }

  ended(conn, info) {
    if (conn !== this.conn) return;
    this.conn = null;
    if (!this.told) {
      if (info.code === 1013) this.log('overflow', {});
      else if (info.code === 1001) this.log('shutdown', {});
      else this.log('closed', { code: info.code });
    }
    this.c.reconnects++;
    if (!this.stopped) this.later(this.r.int(20, 600), () => this.open());
  }

  /** Fetches a dropped range back: an SSE resume from just before it, read until `ready`. */
  recover(from, to, recovery) {
    const f = parseId(from),
      t = parseId(to);
    const q = filterQuery(this.filter);
    q.set('last_event_id', `${f.e}-${Math.max(0, f.o - 1)}`);
    const base = this.r.pick(this.targets());
    this.c.recoveries++;
    const conn = connect(
      'sse',
      base,
      q.toString(),
      (kind, m) => {
        if (kind === 'event') {
          const p = parseId(m.id);
          if (p.e === t.e && p.o > t.o) {
            recovery.complete = true;
            return conn.close();
          }
          recovery.ids.add(m.id);
        } else if (kind === 'gap') recovery.gap = m;
        else if (kind === 'ready') {
          recovery.complete = true;
          conn.close();
        }
      },
      () => {},
    );
  }

  /** The profile's behaviours, each on its own timer. */
  schedule() {
    const p = this.profile,
      r = this.r;
    const every = (lo, hi, fn) =>
      this.later(r.int(lo, hi), () => {
        if (this.stopped) return;
        fn();
        every(lo, hi, fn);
      });
    if (p.dropper)
      every(15_000, 45_000, () => {
        this.c.deliberate_drops++;
        this.conn?.close();
      });
    if (p.changer) every(20_000, 60_000, () => this.changeFilter());
    if (p.reader === 'slow')
      every(300, 1500, () => {
        this.conn?.pause();
        this.later(r.int(100, 800), () => {
          if (!this.stalled) this.conn?.resume();
        });
      });
    if (p.reader === 'stall')
      every(60_000, 120_000, () => {
        this.stalled = true;
        this.conn?.pause();
        this.later(r.int(20_000, 60_000), () => {
          this.stalled = false;
          this.conn?.resume();
        });
      });
    if (p.lifetimeMs) this.later(p.lifetimeMs, () => this.leave());
  }

  changeFilter() {
    this.filter = makeFilter(this.r, this.run);
    this.c.filter_changes++;
    if (this.profile.transport === 'ws' && this.conn && this.live) {
      this.log('filter', { filter: this.filter });
      this.conn.send({ op: 'filter', ...this.filter });
    } else this.conn?.close(); // SSE: reconnect from the cursor with the new filter
  }

  leave() {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.conn?.close();
    this.log('end', {});
    this.c.left++;
  }

  /** End of run: read normally, wait for the fence events this filter takes, then leave as one still reading. */
  async finish(fence, matchesFn, timeoutMs = 60_000) {
    if (this.stopped) return;
    this.profile = { ...this.profile, dropper: false, changer: false, reader: 'normal' };
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.stalled = false;
    this.conn?.resume();
    const want = new Set(fence.filter((e) => matchesFn(this.filter, e)).map((e) => e.metadata.soak_seq));
    const last = Math.max(...want);
    const reached = () => this.a.log.some((x) => x.k === 'ev' && x.seq === last);
    const t0 = now();
    while (!reached() && now() - t0 < timeoutMs) {
      if (!this.conn && !this.timers.size) this.open();
      await new Promise((res) => setTimeout(res, 200));
    }
    if (!reached()) this.c.unfinished++;
    this.a.activeAtEnd = true;
    this.leave();
    this.c.left--;
  }
}
