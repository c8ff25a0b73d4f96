// Memory slope and the output table.

/** Least-squares slope of y over x. */
export function slope(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n,
    my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0,
    den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den ? num / den : 0;
}

/** RSS and heap figures from the gateway process that lived longest after warm-up. */
export function memoryFigures(gateways, warmupMs, wallS) {
  let best,
    cpuS = 0;
  for (const g of gateways)
    for (const life of g.lives) {
      const s = life.samples;
      if (s.length) cpuS += s.at(-1).cpuS - s[0].cpuS;
      const after = s.filter((x) => x.t >= warmupMs);
      if (!best || after.length > best.after.length) best = { g, life, after, all: s };
    }
  if (!best?.all.length) return {};
  const pts = (k) => best.after.map((x) => ({ x: x.t / 3_600_000, y: x[k] }));
  const r1 = (v) => Math.round(v * 10) / 10;
  return {
    memory_from: `gateway ${best.g.name} pid ${best.life.pid}, ${best.after.length} samples after ${Math.round(warmupMs / 1000)} s warm-up`,
    rss_start_mib: r1(best.all[0].rssMiB),
    rss_after_warmup_mib: r1(best.after[0]?.rssMiB ?? best.all[0].rssMiB),
    rss_end_mib: r1(best.all.at(-1).rssMiB),
    rss_peak_mib: r1(Math.max(...best.all.map((x) => x.rssMiB))),
    rss_slope_mib_per_hour: r1(slope(pts('rssMiB'))),
    heap_end_mib: r1(best.all.at(-1).heapMiB),
    heap_slope_mib_per_hour: r1(slope(pts('heapMiB'))),
    cpu_percent_avg: r1((100 * cpuS) / wallS),
  };
}

export function table(o) {
  const rows = Object.entries(o).filter(([, v]) => typeof v !== 'object');
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}
