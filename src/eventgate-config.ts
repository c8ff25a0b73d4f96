/**
 * What an `eventgate.config.mjs` (or any `--config FILE`) exports as its
 * default: the options of createGateway a team sets without writing a
 * server. Custom event types with their valibot schemas and severity
 * rules, and configuration (camelCase keys of the configuration table;
 * the environment and the command's flags override them).
 *
 *   import * as v from 'valibot';
 *   import { defineConfig } from 'eventgate';
 *   export default defineConfig({
 *     types: {
 *       deploy: {
 *         metadata: v.looseObject({ service: v.string(), ok: v.boolean() }),
 *         severity: (m) => (m.ok ? 'info' : 'error'),
 *       },
 *     },
 *     config: { historySize: 50000 },
 *   });
 */
import type { Config } from './runtimes/server-config.ts';
import type { Logger } from './core/logger.ts';
import { defaultRegistry, type EventRegistry, type MetadataSchema, type SeverityRule } from './core/registry.ts';

export interface EventTypeDefinition {
  /** A valibot schema of the event's metadata. */
  metadata: MetadataSchema;
  /** The severity when a publisher gives none; default `info`. */
  severity?: SeverityRule;
}

export interface EventgateConfig {
  /** Event types added to the six built-in ones (a schema alone, or a schema with its severity rule). */
  types?: Record<string, MetadataSchema | EventTypeDefinition>;
  /** A registry of your own instead (then `types` are added to it). */
  registry?: EventRegistry;
  /** Configuration; the environment and flags override each key. */
  config?: Partial<Config>;
  logger?: Logger;
}

/** Types the default export of a config file; returns it unchanged. */
export function defineConfig(config: EventgateConfig): EventgateConfig {
  return config;
}

function isDefinition(x: MetadataSchema | EventTypeDefinition): x is EventTypeDefinition {
  return typeof x === 'object' && x !== null && 'metadata' in x && !('~run' in x);
}

/** The registry a config describes: its own or the built-in one, plus its `types`. */
export function configRegistry(c: EventgateConfig): EventRegistry {
  const registry = c.registry ?? defaultRegistry();
  for (const [name, t] of Object.entries(c.types ?? {})) {
    if (isDefinition(t)) registry.register(name, t.metadata, { severity: t.severity });
    else registry.register(name, t);
  }
  return registry;
}
