/**
 * Runs the Python publisher's tests (test/python/test_publisher.py, stdlib
 * unittest, the machine's python3) against a real gateway started here.
 */
import { execFileSync, spawn } from 'node:child_process';
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

  /** Runs `python -m unittest <module>` against the gateway; resolves with its exit code and output. */
  async function unittest(python: string, module: string): Promise<{ code: number | null; out: string }> {
    const child = spawn(python, ['-m', 'unittest', '-v', module], {
      cwd: new URL('.', import.meta.url).pathname,
      env: { ...process.env, EVENTGATE_URL: gw.url, PUBLISH_TOKEN: TOKEN, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, out };
  }

  it('passes its unittest suite against a real gateway', async () => {
    const { code, out } = await unittest('python3', 'test_publisher');
    expect(out).toMatch(/^OK/m);
    expect(code, out).toBe(0);
  }, 120_000);

  // Debian's python3 with python3-fastapi (installed by .ci/run); the machine's default python3 may be another one.
  const withFastapi = ['/usr/bin/python3', 'python3'].find((py) => {
    try {
      execFileSync(py, ['-c', 'import fastapi, httpx'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  it.runIf(withFastapi !== undefined || process.env.CI === 'true')(
    "the README's FastAPI example publishes through the app and flushes on shutdown",
    async () => {
      const { code, out } = await unittest(withFastapi ?? 'python3', 'test_readme_fastapi');
      expect(out).toMatch(/^OK/m);
      expect(code, out).toBe(0);
    },
    60_000,
  );
});
