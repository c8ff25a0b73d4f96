/**
 * The command has a flag for every setting of the configuration, and a flag
 * value is validated as its variable is: the list cannot drift from Config.
 * Every subcommand answers --help (and -h) with its usage, exit 0, as the
 * main help promises (`eventgate COMMAND --help`).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { flagEnv, SETTINGS } from '../../src/cli/args.ts';
import { loadConfig } from '../../src/runtimes/server-config.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Runs the command from the sources; resolves with its exit code and output, whatever the code. */
async function eventgate(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('eventgate flags', () => {
  it('cover every key of the configuration, each with its own variable and flag', () => {
    const config = loadConfig({});
    const keys = [...Object.keys(config).filter((k) => k !== 'auth'), ...Object.keys(config.auth).map((k) => `auth.${k}`)].sort();
    expect(SETTINGS.map((s) => s.key as string).sort()).toEqual(keys);
    expect(new Set(SETTINGS.map((s) => s.flag)).size).toBe(SETTINGS.length);
    expect(new Set(SETTINGS.map((s) => s.env)).size).toBe(SETTINGS.length);
  });

  it('hand their values to the same validation as the variables', () => {
    expect(loadConfig(flagEnv({ port: '9001', 'history-size': '77', demo: true, 'max-connections': '5' }))).toMatchObject({
      port: 9001,
      historySize: 77,
      demo: true,
      maxConnections: 5,
    });
    expect(() => loadConfig(flagEnv({ 'overflow-policy': 'explode' }))).toThrow(/OVERFLOW_POLICY/);
  });

  it('answer --help and -h for every subcommand with its usage on stdout, exit 0', async () => {
    const main = await eventgate('--help');
    expect(main).toMatchObject({ code: 0, stderr: '' });
    expect(main.stdout).toContain('eventgate COMMAND --help');
    const cases: [string[], string][] = [
      [['serve', '--help'], 'usage: eventgate [serve]'],
      [['publish', '-h'], 'usage: eventgate publish URL'],
      [['tail', '--help'], 'usage: eventgate tail URL'],
      [['tail', 'http://localhost:8000', '--types', 'error', '-h'], 'usage: eventgate tail URL'], // wherever it stands
    ];
    for (const [args, usage] of cases) {
      const r = await eventgate(...args);
      expect(r, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout.startsWith(usage), `${args.join(' ')}: ${r.stdout}`).toBe(true);
    }
  }, 90_000);
});
