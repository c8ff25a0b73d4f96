/**
 * Finds and loads the config file: `--config FILE`, else
 * `eventgate.config.mjs` or `eventgate.config.js` in the working directory
 * when present. The file is an ESM module whose default export is an
 * EventgateConfig (src/eventgate-config.ts). A file that is named but
 * missing, fails to load or exports something else stops the command,
 * naming the file.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EventgateConfig } from '../eventgate-config.ts';

export const DEFAULT_CONFIG_FILES = ['eventgate.config.mjs', 'eventgate.config.js'];

export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`eventgate: config file ${file}: ${message}`);
    this.name = 'ConfigFileError';
  }
}

export interface LoadedConfigFile {
  /** The path as the user would write it (relative to the working directory when inside it). */
  file: string;
  config: EventgateConfig;
}

const KEYS = new Set(['types', 'registry', 'config', 'logger']);

/** Loads `explicit`, or the default file in `cwd`; undefined when there is none. */
export async function loadConfigFile(explicit: string | undefined, cwd = process.cwd()): Promise<LoadedConfigFile | undefined> {
  const found = explicit ?? DEFAULT_CONFIG_FILES.find((f) => existsSync(path.join(cwd, f)));
  if (found === undefined) return undefined;
  const full = path.resolve(cwd, found);
  const shown = path.relative(cwd, full).startsWith('..') ? full : path.relative(cwd, full);
  if (!existsSync(full)) throw new ConfigFileError(shown, 'no such file');
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(full).href)) as { default?: unknown };
  } catch (err) {
    throw new ConfigFileError(shown, `failed to load: ${(err as Error).message}`);
  }
  const config = mod.default;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ConfigFileError(shown, 'must have a default export: an object such as { types, config }');
  }
  for (const key of Object.keys(config)) {
    if (!KEYS.has(key)) throw new ConfigFileError(shown, `unknown key "${key}" in the default export (allowed: ${[...KEYS].join(', ')})`);
  }
  return { file: shown, config: config as EventgateConfig };
}
