/**
 * A real Prometheus (Debian's `prometheus`), on a free loopback port with a
 * temporary configuration and storage directory, scraping one target every
 * second; and `promtool check metrics` over an exposition text.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/process.ts';

export interface RunningPrometheus {
  url: string;
  /** The value of an instant query that yields one series, or undefined when it yields none. */
  value(query: string): Promise<number | undefined>;
  /** Waits until `query` yields `expected` (Prometheus scrapes every second), or throws with the last value. */
  until(query: string, expected: number, ms?: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(target: string, metricsPath = '/metrics'): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'eventgate-prom-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: eventgate',
      `    metrics_path: ${metricsPath}`,
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  let out = '';
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (
    !(await fetch(`${url}/-/ready`)
      .then((r) => r.ok)
      .catch(() => false))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`prometheus did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const value = async (query: string) => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
    if (body.status !== 'success') throw new Error(`prometheus query ${query}: ${JSON.stringify(body)}`);
    const r = body.data.result;
    if (r.length > 1) throw new Error(`prometheus query ${query} yields ${r.length} series`);
    return r.length ? Number(r[0]!.value[1]) : undefined;
  };
  return {
    url,
    value,
    async until(query, expected, ms = 30_000) {
      const end = Date.now() + ms;
      for (;;) {
        const last = await value(query);
        if (last === expected) return;
        if (Date.now() > end) throw new Error(`prometheus: ${query} is ${last}, expected ${expected}\n${out}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `promtool check metrics` over `text`: its exit code and what it printed (empty when it found nothing). */
export function promtoolCheck(text: string): { status: number | null; problems: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, problems: `${r.stdout}${r.stderr}`.trim() };
}
