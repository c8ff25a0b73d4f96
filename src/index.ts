/**
 * eventgate: embed the gateway in your own server.
 *
 *   const gw = createGateway({ config: { historySize: 5000 } });
 *   gw.emit.queryRoute({ query_id: 'abc', complexity_score: 8.5, ... });
 *
 * This is a composition root: it wires the memory backend as the default
 * store, which the core itself never names.
 */
import { MemoryBackend } from './backends/memory.ts';
import { defaultGatewayConfig } from './core/config.ts';
import { createGateway as createCoreGateway, type Gateway, type GatewayOptions as CoreGatewayOptions } from './core/gateway.ts';
import type { Backend } from './core/store.ts';

export interface GatewayOptions extends Omit<CoreGatewayOptions, 'backend'> {
  /** Where events are stored; default in memory with `config.historySize`. */
  backend?: Backend;
}

/** Builds a gateway; without a backend, history is kept in memory. */
export function createGateway(options: GatewayOptions = {}): Gateway {
  const historySize = options.config?.historySize ?? defaultGatewayConfig().historySize;
  return createCoreGateway({ ...options, backend: options.backend ?? new MemoryBackend({ historySize }) });
}

export type { Gateway };
export type { Logger, LogLevel } from './core/logger.ts';
export { consoleLogger } from './core/logger.ts';
export { loadGatewayConfig, defaultGatewayConfig, ConfigError, type GatewayConfig } from './core/config.ts';
export { loadConfig, loadServerConfig, type Config, type ServerConfig } from './runtimes/server-config.ts';
export { EventRegistry, defaultRegistry, type MetadataSchema } from './core/registry.ts';
export * from './core/schemas.ts';
export type { SystemEvent, NewEvent } from './core/event.ts';
export type { Filter } from './core/filter.ts';
export type { Control } from './core/control.ts';
export type { Emitters, EmitOptions } from './core/emitters.ts';
export { inferSeverity } from './core/severity.ts';
export { BackendUnavailableError, type Backend, type HistoryWindow, type StreamBreak } from './core/store.ts';
export { MemoryBackend } from './backends/memory.ts';
export type { RuntimeAdapter } from './core/runtime.ts';
export { clientAddress, isLoopbackClient, parseTrustProxy, type PeerTrust, type TrustedProxies } from './core/peer.ts';
export type { ListenAddress } from './core/origin.ts';
