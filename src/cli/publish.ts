/**
 * `eventgate publish URL`: the shell's way to publish. Reads events from
 * standard input, one JSON object per line or one JSON array, posts them to
 * URL's /api/events in batches of --batch, and prints each id on its own
 * line. A rejection stops it: the gateway's error body goes to stderr and
 * the exit code is 1 (events of earlier batches stay published; their ids
 * were printed). Bad input (a line that is not JSON) exits 1 before
 * anything of its batch is sent.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parseFlags, UsageError } from './args.ts';

export const usage = `usage: eventgate publish URL [flags] < events

Publishes events read from stdin (one JSON object per line, or one JSON array) to URL
(the gateway's address, e.g. http://localhost:8000), and prints their ids.

  --token TOKEN   bearer token (default: the PUBLISH_TOKEN variable)
  --batch N       events per request, 1-1000 (default 100)
  -h, --help      this help`;

const FLAGS = { token: { type: 'string' }, batch: { type: 'string' } } as const;

/** URL of the publish endpoint: `/api/events` under the given address, unless it is already there. */
export function publishUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`URL "${raw}" is not a URL like http://localhost:8000`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`URL "${raw}" must be http:// or https://`);
  const path = u.pathname.replace(/\/+$/, '');
  u.pathname = path.endsWith('/api/events') ? path : `${path}/api/events`;
  return u.href;
}

/** The events on `input`, in batches of `size`; a JSON array is one run of events. */
async function* batches(input: Readable, size: number): AsyncGenerator<unknown[]> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let batch: unknown[] = [];
  let lineNo = 0;
  let arrayText: string | undefined;
  for await (const line of lines) {
    lineNo++;
    if (arrayText !== undefined) {
      arrayText += `\n${line}`;
      continue;
    }
    const text = line.trim();
    if (text === '') continue;
    if (text.startsWith('[')) {
      if (batch.length) throw new Error(`stdin line ${lineNo}: a JSON array must be the whole input`);
      arrayText = line;
      continue;
    }
    try {
      batch.push(JSON.parse(text));
    } catch (err) {
      throw new Error(`stdin line ${lineNo} is not JSON: ${(err as Error).message}`);
    }
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (arrayText !== undefined) {
    let all: unknown;
    try {
      all = JSON.parse(arrayText);
    } catch (err) {
      throw new Error(`stdin is not a JSON array: ${(err as Error).message}`);
    }
    if (!Array.isArray(all)) throw new Error('stdin is not a JSON array');
    for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size);
    return;
  }
  if (batch.length) yield batch;
}

export async function run(argv: string[], input: Readable = process.stdin): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, 1);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!positionals[0]) throw new UsageError('publish needs the gateway URL: eventgate publish http://localhost:8000 < events.jsonl');
  const url = publishUrl(positionals[0]);
  const rawBatch = (values.batch as string | undefined) ?? '100';
  if (!/^\d+$/.test(rawBatch) || Number(rawBatch) < 1 || Number(rawBatch) > 1000) throw new UsageError(`--batch must be a whole number from 1 to 1000, got "${rawBatch}"`);
  const token = (values.token as string | undefined) ?? process.env.PUBLISH_TOKEN;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;

  let published = 0;
  try {
    for await (const batch of batches(input, Number(rawBatch))) {
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(batch) });
      } catch (err) {
        console.error(`eventgate: cannot reach ${url}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
        return 1;
      }
      const body = await res.text();
      if (res.status !== 202) {
        console.error(`eventgate: ${url} answered ${res.status} after ${published} events were published:`);
        console.error(body);
        return 1;
      }
      const ids = (JSON.parse(body) as { ids: string[] }).ids;
      process.stdout.write(ids.map((id) => `${id}\n`).join(''));
      published += ids.length;
    }
  } catch (err) {
    console.error(`eventgate: ${(err as Error).message}`);
    return 1;
  }
  return 0;
}
