/**
 * The Node process: config validation at start, the start line, and the
 * demo. Stats, health and the SIGTERM drain are held on every runtime by the
 * conformance suite (test/conformance/checks/operations.ts).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { spawnGateway } from '../helpers/process.ts';
import { SseReader } from '../helpers/sse.ts';

describe('operating', () => {
  it('refuses to start on a bad configuration value, naming the variable', async () => {
    for (const [name, value] of <[string, string][]>[
      ['PORT', 'eighty'],
      ['HISTORY_SIZE', '0'],
      ['OVERFLOW_POLICY', 'explode'],
      ['ALLOWED_ORIGINS', 'https://a.example/path'],
      ['HEARTBEAT_MS', '-5'],
    ]) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/runtimes/node/main.ts'], { env: { ...process.env, [name]: value }, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const code = await new Promise((r) => child.on('exit', r));
      expect(code, name).toBe(1);
      expect(err).toContain(name);
    }
  });

  it('says at start who may publish', async () => {
    const open = await spawnGateway({});
    expect(open.output()).toMatch(/only loopback clients/);
    open.child.kill('SIGINT');
    expect(await open.exited).toBe(0);
    const locked = await spawnGateway({ PUBLISH_TOKEN: 'long-enough-token' });
    expect(locked.output()).toMatch(/requires Authorization: Bearer/);
    locked.child.kill('SIGTERM');
    expect(await locked.exited).toBe(0);
  });

  it('npm run demo publishes a live mix of all six types', async () => {
    const p = await spawnGateway({ DEMO_RATE: '200' }, ['--demo']);
    const r = await SseReader.open(`${p.url}/api/events/stream?replay=0`);
    await r.until((x) => new Set(x.events.map((e) => e.type)).size === 6, 15_000, 'all six types');
    r.close();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});
