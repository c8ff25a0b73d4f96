/**
 * Runs the Python publisher's tests (test/python/test_publisher.py, stdlib
 * unittest, the machine's python3) against a real gateway started here.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { startGateway } from '../helpers/server.ts';

const TOKEN = 'python-publisher-test-token';

describe('Python publisher (clients/python)', () => {
  let gw: NodeServer;
  beforeAll(async () => {
    gw = await startGateway({ PUBLISH_TOKEN: TOKEN, HISTORY_SIZE: '10000' });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('passes its unittest suite against a real gateway', async () => {
    const child = spawn('python3', ['-m', 'unittest', '-v', 'test_publisher'], {
      cwd: new URL('.', import.meta.url).pathname,
      env: { ...process.env, EVENTGATE_URL: gw.url, PUBLISH_TOKEN: TOKEN, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toMatch(/^OK/m);
    expect(code, out).toBe(0);
  }, 120_000);
});
