/**
 * `eventgate serve` (and `eventgate` alone): the gateway on Node. Each
 * setting comes from, in order of precedence: its flag, its environment
 * variable, the config file's `config`, the default. A bad flag value exits
 * 2 naming the flag; a bad variable or config file exits 1 naming it.
 */
import { ConfigError } from '../core/config.ts';
import { loadConfig, type Config } from '../runtimes/server-config.ts';
import { configRegistry } from '../eventgate-config.ts';
import { runGateway } from '../runtimes/run.ts';
import { startNodeServer } from '../runtimes/node/server.ts';
import { flagEnv, parseFlags, serveFlags, SETTINGS, settingOf, UsageError } from './args.ts';
import { loadConfigFile, type LoadedConfigFile } from './config-file.ts';

export const usage = `usage: eventgate [serve] [flags]

Starts the gateway. Every flag has an environment variable (shown); the flag wins.

  ${'-c, --config FILE'.padEnd(34)} ${''.padEnd(25)} an ESM module whose default export holds event types and
  ${''.padEnd(34)} ${''.padEnd(25)} settings (default: ./eventgate.config.mjs or .js when present)
${SETTINGS.map((s) => `  ${`--${s.flag}${s.value ? ` ${s.value}` : ''}`.padEnd(34)} ${s.env.padEnd(25)} ${s.help}`).join('\n')}
  ${'-h, --help'.padEnd(34)} ${''.padEnd(25)} this help`;

/** A config file's settings as environment strings, for loadConfig to validate like any other. */
function fileEnv(file: LoadedConfigFile | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  const values = (file?.config.config ?? {}) as Record<string, unknown>;
  const known = new Set(SETTINGS.map((s) => s.key.split('.')[0]!));
  for (const key of Object.keys(values)) {
    if (!known.has(key)) throw new ConfigError(`config.${key}`, `is not a setting of ${file!.file} (known: ${[...known].join(', ')})`);
  }
  for (const s of SETTINGS) {
    const [top, sub] = s.key.split('.') as [string, string | undefined];
    const v = sub === undefined ? values[top] : (values[top] as Record<string, unknown> | undefined)?.[sub];
    if (v === undefined || v === null) continue;
    env[s.env] = Array.isArray(v) ? v.join(',') : typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  }
  return env;
}

/** Validates the merged settings; names the flag, the variable or the config file key that is wrong. */
function validate(
  env: Record<string, string | undefined>,
  fromFlags: Record<string, string>,
  file: LoadedConfigFile | undefined,
  fromFile: Record<string, string>,
  shellEnv: Record<string, string | undefined>,
): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const setting = settingOf(err.variable);
    const detail = err.message.slice(`eventgate: ${err.variable} `.length);
    if (setting && err.variable in fromFlags) throw new UsageError(`--${setting.flag} ${detail}`);
    if (setting && file && err.variable in fromFile && shellEnv[err.variable] === undefined) {
      throw new ConfigError(err.variable, `(config.${setting.key} in ${file.file}) ${detail}`);
    }
    throw err;
  }
}

export async function run(argv: string[]): Promise<number | undefined> {
  const { values } = parseFlags(argv, serveFlags());
  if (values.help) {
    console.log(usage);
    return 0;
  }
  let file: LoadedConfigFile | undefined;
  let env: Record<string, string | undefined>;
  const fromFlags = flagEnv(values);
  try {
    file = await loadConfigFile(values.config as string | undefined);
    const fromFile = fileEnv(file);
    env = { ...fromFile, ...process.env, ...fromFlags };
    validate(env, fromFlags, file, fromFile, process.env);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    console.error((err as Error).message);
    return 1;
  }
  const registry = file ? configRegistry(file.config) : undefined;
  if (file) {
    const custom = Object.keys(file.config.types ?? {});
    console.log(`[eventgate] config ${file.file} loaded${custom.length ? `: types ${custom.join(', ')}` : ''}`);
  }
  await runGateway({ label: '', env, args: [], exit: (code) => process.exit(code), onSignal: (s, h) => void process.on(s, h) }, (c, o) =>
    startNodeServer(c, { registry, logger: file?.config.logger ?? o.logger }).catch((err: unknown) => {
      if (!(err instanceof ConfigError)) throw err;
      console.error(err.message); // REDIS_URL set without ioredis installed
      process.exit(1);
    }),
  );
}
