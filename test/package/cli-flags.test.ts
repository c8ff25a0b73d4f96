/**
 * The command has a flag for every setting of the configuration, and a flag
 * value is validated as its variable is: the list cannot drift from Config.
 */
import { describe, expect, it } from 'vitest';
import { flagEnv, SETTINGS } from '../../src/cli/args.ts';
import { loadConfig } from '../../src/runtimes/server-config.ts';

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
});
