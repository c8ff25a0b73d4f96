// The auditor. It learns every acknowledged event (the ids of each 202) and
// reads every subscriber's log: what it asked for, what it received, what it
// was told. Each received event must come after the last one in stream order
// (else a reorder), never twice by id or content (else a duplicate); every
// acknowledged event between two received ones that the subscriber's filter
// took at that time must have been received (else a silent loss), unless a
// signal covered it: a `gap` range, or a `dropped` range (then recovered by a
// resume that history still serves). Entries are audited `lagMs` after they
// were logged, when every ack for what they mention has arrived.
import { matches } from './workload.mjs';

export function parseId(id) {
  const i = id.lastIndexOf('-');
  return { e: id.slice(0, i), o: Number(id.slice(i + 1)) };
}
/** Epochs are time-ordered base36 text of one length (newEpoch in src/core/cursor.ts). */
function cmpE(a, b) {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
export function cmp(a, b) {
  return cmpE(a.e, b.e) || a.o - b.o;
}
const show = (p) => (p ? `${p.e}-${p.o}` : 'start');

const MAX_EXAMPLES = 40;

export class Auditor {
  constructor({ lagMs = 30_000, log = console.log } = {}) {
    this.lagMs = lagMs;
    this.say = log;
    this.acked = new Map(); // epoch -> Map(offset -> rec)
    this.epochs = []; // sorted
    this.maxOff = new Map(); // epoch -> highest acknowledged offset
    this.bySeq = new Map(); // seq -> body sent
    this.storedAs = new Map(); // seq -> first id seen (ack or delivery)
    this.subs = [];
    this.t = {
      acknowledged: 0,
      delivered: 0,
      silent_losses: 0,
      duplicates: 0,
      reorders: 0,
      filter_violations: 0,
      stored_twice: 0,
      resent_after_store_loss: 0,
      signalled_gaps: 0,
      signalled_events: 0,
      recovered: 0,
      unrecoverable: 0,
      replayed_on_resume: 0,
      unacknowledged_delivered: 0,
    };
    this.signals = { gap: 0, dropped: 0, overflow: 0, shutdown: 0, closed: 0 };
    this.examples = [];
  }

  sent(seq, body) {
    this.bySeq.set(seq, body);
  }

  /** A 202: `ids[i]` is the id of `seqs[i]`. */
  ack(ids, seqs, sentAt) {
    for (let i = 0; i < ids.length; i++) {
      const p = parseId(ids[i]);
      let m = this.acked.get(p.e);
      if (!m) {
        m = new Map();
        this.acked.set(p.e, m);
        this.#epoch(p.e);
      }
      if (m.has(p.o)) continue; // an idempotent repeat answered the same ids
      m.set(p.o, { seq: seqs[i], sentAt, acked: true });
      if (p.o > (this.maxOff.get(p.e) ?? 0)) this.maxOff.set(p.e, p.o);
      this.t.acknowledged++;
      this.#stored(seqs[i], ids[i], true);
    }
  }

  #epoch(e) {
    if (this.epochs.includes(e)) return;
    this.epochs.push(e);
    this.epochs.sort(cmpE);
  }

  /** Records where content `seq` was stored; a second id for it means it was stored twice. */
  #stored(seq, id, acked) {
    const first = this.storedAs.get(seq);
    if (!first) {
      this.storedAs.set(seq, { id, acked });
      return;
    }
    if (first.id === id) {
      if (acked) first.acked = true;
      return;
    }
    if (first.alt?.has(id)) return;
    (first.alt ??= new Set()).add(id);
    const a = parseId(first.id),
      b = parseId(id);
    // A memory gateway killed before it answered: its store is gone, a retry stored it again in the next epoch.
    if (a.e !== b.e && !first.acked) this.t.resent_after_store_loss++;
    else {
      this.t.stored_twice++;
      this.#example('stored twice', '-', `seq ${seq} as ${first.id} and ${id}`);
    }
  }

  subscriber(name) {
    const s = { name, log: [], at: 0, p: null, ctx: null, recentIds: new Set(), recentSeqs: new Set(), ranges: [], done: false, activeAtEnd: false };
    this.subs.push(s);
    return s;
  }

  #example(kind, sub, text, s) {
    if (this.examples.length < MAX_EXAMPLES) this.examples.push(`${kind}: ${sub}: ${text}`);
    if (this.examples.length <= 10) this.say(`audit ${kind}: ${sub}: ${text}`);
    // The first few problems come with what the subscriber saw just before.
    if (s && this.examples.length <= 3) this.say(`  its last entries: ${s.hist.map(brief).join(' | ')}`);
  }

  /** Audits entries older than the lag (all of them with `all`). */
  tick(now, all = false) {
    for (const s of this.subs) {
      while (s.at < s.log.length && (all || s.log[s.at].t < now - this.lagMs)) this.#entry(s, s.log[s.at++]);
      if (s.at > 5000) {
        s.log.splice(0, s.at);
        s.at = 0;
      }
    }
    this.subs = this.subs.filter((s) => !(s.done && s.at >= s.log.length));
  }

  /** Final audit: everything, then for subscribers still reading, every acknowledged event after their last. */
  finish() {
    const keep = [...this.subs];
    this.tick(Infinity, true);
    for (const s of keep) if (s.activeAtEnd && s.ctx) this.#between(s, s.p, null, 'tail');
  }

  #entry(s, x) {
    (s.hist ??= []).push(x);
    if (s.hist.length > 12) s.hist.shift();
    switch (x.k) {
      case 'open':
        s.ctx = { base: x.filter, cur: x.filter, changes: [], resumed: !!x.cursor, live: false };
        if (!x.cursor) {
          s.p = null;
          s.noCursor = true;
        }
        break;
      case 'ready':
        if (s.ctx) s.ctx.live = true;
        // Not a starting point: on Redis, live delivery may still be behind the head the window reports
        // (events at or below it can follow). Without a cursor, the first event received is the start.
        break;
      case 'filter': {
        const ch = { old: s.ctx.cur, neu: x.filter, pSend: s.p, tAck: Infinity, B: null, B2: null };
        // Look ahead in this connection: the last event only the old filter took and the first only the new one took.
        for (let i = s.at; i < s.log.length; i++) {
          const y = s.log[i];
          if (y.k === 'open' || y.k === 'filter') break;
          if (y.k === 'ack' && ch.tAck === Infinity) ch.tAck = y.t;
          if (y.k !== 'ev') continue;
          const body = this.bySeq.get(y.seq);
          if (!body) continue;
          const mo = matches(ch.old, body),
            mn = matches(ch.neu, body),
            yp = parseId(y.id);
          if (mo && !mn && (!ch.B || cmp(yp, ch.B) > 0)) ch.B = yp;
          if (!mo && mn && !ch.B2) ch.B2 = yp;
        }
        s.ctx.changes.push(ch);
        s.ctx.cur = x.filter;
        break;
      }
      case 'ack':
        break;
      case 'gap':
        this.signals.gap++;
        this.t.signalled_gaps++;
        s.ranges.push({ kind: 'gap', from: parseId(x.requested), to: x.resume_from ? parseId(x.resume_from) : null, incl: false });
        break;
      case 'dropped':
        this.signals.dropped++;
        this.t.signalled_gaps++;
        {
          // `from` and `to` are the first and last dropped events: both inside the range.
          const f = parseId(x.from);
          s.ranges.push({ kind: 'dropped', from: { e: f.e, o: f.o - 1 }, to: parseId(x.to), incl: true, recovery: x.recovery });
        }
        break;
      case 'overflow':
      case 'shutdown':
      case 'closed':
        this.signals[x.k]++;
        if (x.k !== 'closed') this.t.signalled_gaps++;
        break;
      case 'ev':
        this.#event(s, x);
        break;
      case 'end':
        s.done = true;
        break;
    }
  }

  #body(seq) {
    return this.bySeq.get(seq);
  }

  /** Whether the subscriber's filter, at the time of `pos`, took the event: true, false. */
  #required(s, pos, rec) {
    const body = this.#body(rec.seq);
    if (!body) return false;
    let f = s.ctx.base;
    for (const ch of s.ctx.changes) {
      if (ch.pSend && cmp(pos, ch.pSend) <= 0) break;
      if (rec.sentAt > ch.tAck) {
        f = ch.neu;
        continue;
      }
      const mo = matches(ch.old, body),
        mn = matches(ch.neu, body);
      return (mo && mn) || (mo && !mn && !!ch.B && cmp(pos, ch.B) < 0) || (!mo && mn && !!ch.B2 && cmp(pos, ch.B2) > 0);
    }
    return matches(f, body);
  }

  #allowed(s, body) {
    if (matches(s.ctx.cur, body) || matches(s.ctx.base, body)) return true;
    return s.ctx.changes.some((ch) => matches(ch.old, body) || matches(ch.neu, body));
  }

  #event(s, x) {
    this.t.delivered++;
    const pos = parseId(x.id);
    const body = this.#body(x.seq);
    if (body) this.#stored(x.seq, x.id, false);
    if (!this.acked.get(pos.e)?.has(pos.o)) this.t.unacknowledged_delivered++;
    if (s.recentIds.has(x.id)) {
      this.t.duplicates++;
      this.#example('duplicate', s.name, `${x.id} again (last was ${show(s.p)})`, s);
      return;
    }
    if (s.recentSeqs.has(x.seq)) {
      const first = this.storedAs.get(x.seq);
      const resent = first && first.id !== x.id && !first.acked && parseId(first.id).e !== pos.e;
      if (!resent) {
        this.t.duplicates++;
        this.#example('duplicate', s.name, `content seq ${x.seq} again as ${x.id}`);
      }
    }
    remember(s.recentIds, x.id);
    remember(s.recentSeqs, x.seq);
    if (s.p && cmp(pos, s.p) <= 0) {
      this.t.reorders++;
      this.#example('reorder', s.name, `${x.id} after ${show(s.p)}`, s);
      return;
    }
    if (body && s.ctx && !this.#allowed(s, body)) {
      this.t.filter_violations++;
      this.#example('filter', s.name, `${x.id} does not match ${JSON.stringify(s.ctx.cur)}`);
    }
    if (s.ctx && !s.ctx.live && s.ctx.resumed) this.t.replayed_on_resume++;
    if (s.p) this.#between(s, s.p, pos, 'between');
    s.p = pos;
  }

  /** Every acknowledged event strictly between `a` and `b` (b null: to the end) that was required. Offsets of an epoch are dense. */
  #between(s, a, b, where) {
    for (const e of this.epochs) {
      if (cmpE(e, a.e) < 0 || (b && cmpE(e, b.e) > 0)) continue;
      const m = this.acked.get(e);
      if (!m) continue;
      const lo = e === a.e ? a.o + 1 : 0;
      const hi = b && e === b.e ? b.o - 1 : (this.maxOff.get(e) ?? 0);
      for (let o = lo; o <= hi; o++) {
        const rec = m.get(o);
        if (!rec) continue;
        const pos = { e, o };
        if (!this.#required(s, pos, rec)) continue;
        this.#missing(s, pos, rec, where);
      }
    }
    // Ranges wholly behind the subscriber are spent.
    if (b) s.ranges = s.ranges.filter((r) => (r.to === null ? false : cmp(r.to, b) > 0));
  }

  #missing(s, pos, rec, where) {
    const r = s.ranges.find((r) => cmp(pos, r.from) > 0 && (r.to === null || (r.incl ? cmp(pos, r.to) <= 0 : cmp(pos, r.to) < 0)));
    if (!r) {
      this.t.silent_losses++;
      this.#example('silent loss', s.name, `${pos.e}-${pos.o} (seq ${rec.seq}) missing ${where === 'tail' ? `at the end, after ${show(s.p)}` : 'before the next event'}`, s);
      return;
    }
    this.t.signalled_events++;
    if (r.kind !== 'dropped') {
      this.t.unrecoverable++;
      return;
    }
    const rc = r.recovery;
    const id = `${pos.e}-${pos.o}`;
    if (rc?.ids.has(id)) this.t.recovered++;
    else if (rc?.gap) this.t.unrecoverable++;
    else if (rc?.complete) {
      this.t.silent_losses++;
      this.#example('silent loss', s.name, `${id} dropped and not replayed by its resume`);
    } else this.t.unrecoverable++;
  }
}

function remember(set, v) {
  set.add(v);
  if (set.size > 20_000) set.delete(set.values().next().value);
}

function brief(x) {
  const rest = Object.entries(x)
    .filter(([k]) => k !== 'k' && k !== 't' && k !== 'recovery' && k !== 'filter')
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${x.k}${rest ? ` ${rest}` : ''}`;
}
