/**
 * The README's Node consumer (eventgate/client on Node 20, with `ws` and
 * `eventsource` passed in the options), run as written in a process of its
 * own: the block is taken from the README, with only the package name
 * pointed at this repository's source and the URL at a test gateway; once as
 * written (WebSocket) and once with `transport: 'sse'`. It prints what its
 * filter lets through, and exits on SIGTERM by itself.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { readmeBlock } from '../helpers/readme.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLIENT = pathToFileURL(path.join(ROOT, 'src/client/eventgate-client.ts')).href;

let gw: NodeServer;
beforeAll(async () => {
  gw = await startGateway({ REPLAY_DEFAULT: '0' });
});
afterAll(() => gw.stop());

/** The README block, with the package name and the URL pointed at this test; `transport` swapped when given. */
function example(url: string, transport?: 'sse'): string {
  const block = readmeBlock('js', "from 'eventsource'");
  let code = block.replace("from 'eventgate/client'", `from '${CLIENT}'`).replace("'http://localhost:8000'", `'${url}'`);
  if (transport) code = code.replace("transport: 'ws'", `transport: '${transport}'`);
  for (const [what, changed] of [
    ['the package name', !code.includes("'eventgate/client'")],
    ['the URL', code.includes(url)],
    ['the transport', !transport || code.includes(`transport: '${transport}'`)],
  ] as const) {
    if (!changed) throw new Error(`the README's Node example no longer has ${what} where this test expects it:\n${block}`);
  }
  return code;
}

describe("the README's Node consumer", () => {
  for (const transport of [undefined, 'sse'] as const) {
    it(`follows the gateway through its filter over ${transport ?? 'ws (as written)'}, and exits on SIGTERM`, async () => {
      const env = { ...process.env };
      delete env.EVENTGATE_TOKEN;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', example(gw.url, transport)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        // Until it is subscribed, nothing it prints can be waited for: publish until the first line comes.
        const fence = sampleEvent('performance', { component: 'fence' }, 'warning');
        await expect
          .poll(
            async () => {
              if (child.exitCode !== null) throw new Error(`the example exited (${child.exitCode}):\n${err}`);
              if (!out) expect((await publish(gw.url, fence)).status).toBe(202);
              return out.length > 0;
            },
            { timeout: 20_000, interval: 250 },
          )
          .toBe(true);
        const res = await publish(gw.url, [
          sampleEvent('cache'), // not in its filter
          sampleEvent('performance', { component: 'router' }, 'info'), // below its severity
          sampleEvent('error', { component: 'router', error_message: 'no answer in 30s' }),
        ]);
        expect(res.status).toBe(202);
        const [, , id] = res.body.ids as string[];
        await expect.poll(() => out, { timeout: 10_000 }).toContain(`${id} error error:`);
        const lines = out.trim().split('\n');
        expect(
          lines.every((l) => / (warning|error) (error|performance): /.test(l)),
          out,
        ).toBe(true);
        expect(out).not.toContain(res.body.ids[0]);
        expect(out).not.toContain(res.body.ids[1]);
        expect(err).toBe('');
        child.kill('SIGTERM');
        expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))])).toBe(0);
      } finally {
        child.kill('SIGKILL');
      }
    }, 40_000);
  }
});
