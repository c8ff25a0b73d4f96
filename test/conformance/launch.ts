/**
 * Starts a runtime as a real process, the way a user does (`npm run …`), on
 * a free port with the conformance configuration; waits for it to answer;
 * and stops it with SIGTERM.
 */
import { spawn } from 'node:child_process';
import { describe, expect } from 'vitest';
import { freePort } from '../helpers/process.ts';
import { CONFORMANCE_ENV } from './checks/config.ts';
import { itNeeds, type Target } from './checks/target.ts';
import { conformance } from './suite.ts';
import type { RuntimeEntry } from './runtimes.ts';

export async function launch(rt: RuntimeEntry, extraEnv: Record<string, string> = {}): Promise<Target & { cleanup(): Promise<void> }> {
  const port = await freePort();
  const env: Record<string, string> = { ...CONFORMANCE_ENV, ...extraEnv, PORT: String(port), ...rt.env };
  const [cmd, ...args] = rt.command(port, env, await freePort());
  let out = '';
  // Its own process group, so that cleanup can reach whatever it started.
  const child = spawn(cmd!, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (rt.startTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${rt.name} exited with ${child.exitCode} before serving:\n${out}`);
    const ok = await fetch(`${url}${rt.readyPath ?? '/health'}`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`${rt.name} did not answer ${rt.readyPath ?? '/health'} within ${rt.startTimeoutMs ?? 30_000} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  let terminated: Promise<number | null> | undefined;
  return {
    runtime: rt.name,
    url,
    publishToken: env.PUBLISH_TOKEN!,
    limits: rt.limits,
    output: () => out,
    terminate: () => {
      // The signal goes to the npm process only, as a supervisor's would: npm must hand it on.
      terminated ??= (child.kill('SIGTERM'), exited);
      return terminated;
    },
    async cleanup() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
        if (code === 'timeout') process.kill(-child.pid!, 'SIGKILL');
      }
      // Nothing of its process group may outlive the run.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* all gone */
      }
    },
  };
}

/** Starts the runtime with a bad value for `variable`; resolves with its exit code (null if still running after 30 s) and output. */
async function startBadly(rt: RuntimeEntry, variable: string, value: string): Promise<{ code: number | null; out: string }> {
  const port = await freePort();
  const env: Record<string, string> = { ...CONFORMANCE_ENV, PORT: String(port), [variable]: value, ...rt.env };
  const [cmd, ...args] = rt.command(port, env, await freePort());
  const child = spawn(cmd!, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      resolve(null);
    }, 30_000);
    child.on('exit', (c) => (clearTimeout(t), resolve(c)));
  });
  return { code, out };
}

/** The whole suite for one runtime entry, and the checks of how its process starts. */
export function conformanceFor(rt: RuntimeEntry): void {
  conformance(rt.name, rt.limits, (env) => launch(rt, env));
  describe(`conformance: ${rt.name}, configuration`, () => {
    itNeeds(
      rt.limits,
      'exit_on_bad_config',
      'refuses to start on a bad configuration value, exits 1 and names the variable',
      async () => {
        for (const [variable, value] of [
          ['HISTORY_SIZE', '0'],
          ['OVERFLOW_POLICY', 'explode'],
          ['ALLOWED_ORIGINS', 'https://a.example/path'],
          ['TRUST_PROXY', '10.0.0.0/33'],
          ['PUBLIC_URL', 'events.example.com'],
        ]) {
          const { code, out } = await startBadly(rt, variable!, value!);
          expect(code, `${variable}=${value}\n${out}`).toBe(1);
          expect(out).toContain(variable);
        }
      },
      120_000,
    );
  });
}
