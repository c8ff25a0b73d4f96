#!/usr/bin/env node
// The cost of being scraped: one gateway, the same delivery load three times
// in one run (no scraper, a scraper reading /metrics every second, no
// scraper again), server CPU µs per delivery for each, and the ratio.
//
//   node load/metrics-overhead.mjs [--transport ws] [--subs 1000] [--rate 200] [--seconds 6]
import { parseArgs } from 'node:util';
import { runDelivery, summary } from './deliver.mjs';
import { gateway } from './lib/gateway.mjs';

const { values: a } = parseArgs({
  options: {
    transport: { type: 'string', default: 'ws' },
    subs: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '6' },
  },
});
const o = { transport: a.transport, subs: Number(a.subs), rate: Number(a.rate), seconds: Number(a.seconds) };
const gw = await gateway({ log: console.error });
try {
  const phases = [
    ['no scraper', 0],
    ['scrape /metrics every 1 s', 1000],
    ['no scraper, again', 0],
  ];
  const us = [];
  for (const [name, scrapeMs] of phases) {
    const r = await runDelivery({ ...o, scrapeMs }, gw, console.error);
    us.push(r.server.usPerDelivery);
    console.log(`${String(name).padEnd(28)} ${summary(r)}${scrapeMs ? ` | scrapes ${r.scrapes}` : ''}`);
  }
  const off = (us[0] + us[2]) / 2;
  console.log(`µs/deliv: off ${us[0].toFixed(2)} / ${us[2].toFixed(2)}, scraped ${us[1].toFixed(2)}: scraped / mean(off) = ${(us[1] / off).toFixed(3)}`);
} finally {
  await gw.stop();
}
