/**
 * eventgate: embed the gateway in your own server.
 *
 *   const gw = createGateway({ config: { historySize: 5000 } });
 *   gw.emit.queryRoute({ query_id: 'abc', complexity_score: 8.5, ... });
 */
export { createGateway, type Gateway, type GatewayOptions, type Logger } from './core/gateway.ts';
export { loadConfig, defaultConfig, ConfigError, type Config } from './core/config.ts';
export { EventRegistry, defaultRegistry, type MetadataSchema } from './core/registry.ts';
export * from './core/schemas.ts';
export type { SystemEvent, NewEvent } from './core/event.ts';
export type { Filter } from './core/filter.ts';
export type { Control } from './core/control.ts';
export type { Emitters, EmitOptions } from './core/emitters.ts';
export { inferSeverity } from './core/severity.ts';
export type { Backend } from './backends/backend.ts';
export { MemoryBackend } from './backends/memory.ts';
export type { RuntimeAdapter } from './core/runtime.ts';
