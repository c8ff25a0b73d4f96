// Server CPU and memory from /proc (Linux, same host only): the process and
// its descendants (npm start -> node), sampled by the caller.
import fs from 'node:fs';

const TICK = 100; // USER_HZ on Linux

function stat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), cpuS: (Number(f[11]) + Number(f[12])) / TICK };
  } catch {
    return undefined;
  }
}

function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The pid and every descendant of it. */
export function tree(root) {
  const kids = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = stat(d);
    if (!st) continue;
    if (!kids.has(st.ppid)) kids.set(st.ppid, []);
    kids.get(st.ppid).push(Number(d));
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(kids.get(out[i]) ?? []));
  return out;
}

/** CPU seconds and RSS (KiB) summed over the tree. */
export function sample(root) {
  let cpuS = 0,
    rss = 0;
  for (const pid of tree(root)) {
    const st = stat(pid);
    if (!st) continue;
    cpuS += st.cpuS;
    rss += rssKiB(pid);
  }
  return { cpuS, rssKiB: rss };
}

/** The pid of the process listening on a local TCP port, from /proc/net/tcp{,6} and fd links; undefined if not found (or not ours to see). */
export function listenerPid(port) {
  const inodes = new Set();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c.length < 10 || c[3] !== '0A') continue; // LISTEN
      if (parseInt(c[1].split(':')[1], 16) === port) inodes.add(c[9]);
    }
  }
  if (!inodes.size) return undefined;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let fds;
    try {
      fds = fs.readdirSync(`/proc/${d}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const l = fs.readlinkSync(`/proc/${d}/fd/${fd}`);
        if (l.startsWith('socket:[') && inodes.has(l.slice(8, -1))) return Number(d);
      } catch {
        /* gone */
      }
    }
  }
  return undefined;
}

/** Samples the server every `ms`; `.mark()` starts a window, `.window()` reads CPU s and peak RSS since. */
export class Sampler {
  constructor(pid, ms = 250) {
    this.pid = pid;
    this.peakKiB = 0;
    this.base = sample(pid);
    this.timer = setInterval(() => {
      const s = sample(pid);
      if (s.rssKiB > this.peakKiB) this.peakKiB = s.rssKiB;
    }, ms);
    this.timer.unref();
  }
  now() {
    return sample(this.pid);
  }
  mark() {
    this.base = sample(this.pid);
    this.peakKiB = this.base.rssKiB;
  }
  window() {
    const s = sample(this.pid);
    return { cpuS: s.cpuS - this.base.cpuS, peakRssKiB: Math.max(this.peakKiB, s.rssKiB), rssKiB: s.rssKiB };
  }
  stop() {
    clearInterval(this.timer);
  }
}
