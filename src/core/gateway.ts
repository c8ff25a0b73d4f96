/**
 * createGateway: the bus, its backend, the Hono app and the typed emitters,
 * wired together. Runtime-agnostic: the runtime entry point hands in its
 * adapter and serves `app.fetch`.
 */
import type { Hono } from 'hono';
import type { Backend } from './store.ts';
import { consoleLogger, type Logger } from './logger.ts';
import { createApp } from './app.ts';
import { GatewayAuth } from './auth/gateway-auth.ts';
import { Bus } from './bus.ts';
import { defaultGatewayConfig, type GatewayConfig } from './config.ts';
import type { ShutdownControl } from './control.ts';
import { createEmitters, type Emitters } from './emitters.ts';
import { Telemetry } from './metrics/telemetry.ts';
import { GatewaySite, type ListenAddress } from './origin.ts';
import { defaultRegistry, type EventRegistry } from './registry.ts';
import { inProcessRuntime, type RuntimeAdapter } from './runtime.ts';

export interface GatewayOptions {
  /** Overrides of the defaults (see GatewayConfig; `loadGatewayConfig(env)` reads them from the environment). */
  config?: Partial<GatewayConfig>;
  /** Where events are stored (the store contract in ./store.ts); the composition root chooses it. */
  backend: Backend;
  /** Event types; default the six built-in ones. */
  registry?: EventRegistry;
  runtime?: RuntimeAdapter;
  logger?: Logger;
}

export interface Gateway {
  app: Hono;
  bus: Bus;
  emit: Emitters;
  config: GatewayConfig;
  registry: EventRegistry;
  /** Resolves once the backend is open. */
  ready: Promise<void>;
  /** Stops taking subscribers and tells current ones to go (SSE `shutdown` + jittered retry, WS 1001). Resolves when all are gone or after `timeoutMs`. */
  drain(timeoutMs?: number): Promise<void>;
  /** Drains, then closes the backend. */
  close(): Promise<void>;
  /**
   * Tells the gateway where it listens, once the server does: its own
   * origins for the origin check, and whether it listens on loopback alone
   * (which allows loopback origins and enforces the Host check). Called by
   * the server starters; an embedder serving `app.fetch` itself may call it.
   */
  listening(addresses: readonly ListenAddress[]): void;
}

/** The default timer for the SSE heartbeat: a plain interval that does not keep the process alive. */
function everyInterval(ms: number, tick: () => void): () => void {
  const t = setInterval(tick, ms);
  (t as { unref?: () => void }).unref?.();
  return () => clearInterval(t);
}

export function createGateway(options: GatewayOptions): Gateway {
  const config: GatewayConfig = { ...defaultGatewayConfig(), ...options.config };
  const log = options.logger ?? consoleLogger;
  const registry = options.registry ?? defaultRegistry();
  const runtime = options.runtime ?? inProcessRuntime;
  const backend = options.backend;
  const telemetry = new Telemetry({ log });
  const bus = new Bus(backend, {
    limits: { events: config.queueMaxEvents, bytes: config.queueMaxBytes },
    overflowGraceMs: config.overflowGraceMs,
    replayDefault: config.replayDefault,
    replayMax: config.historySize,
    onError: (err, where) => telemetry.busFailed(where, err),
    observer: telemetry,
  });
  const ready = bus.start();
  ready.catch((err) => log('error', 'backend failed to open', err));

  const state = { draining: false, emitFailures: 0 };
  const site = new GatewaySite(config.publicUrl);
  const startedAt = Date.now();

  const beat = () => bus.heartbeat();
  const stopHeartbeat = runtime.every ? runtime.every(config.heartbeatMs, beat) : everyInterval(config.heartbeatMs, beat);

  const emit = createEmitters(
    registry,
    async (e, key) => {
      await ready;
      // The key is the fingerprint too: every try of one emit carries the same event.
      const r = await bus.publishOnce([e], { key, fingerprint: key, ttlMs: config.idempotencyTtlMs });
      if (r.kind === 'conflict') throw new Error(`emit key ${key} was used for another event`);
      return r.kind === 'repeat' ? r.ids[0]! : r.value[0]!.event.id;
    },
    (err, type) => {
      state.emitFailures++;
      log('warn', `emit.${type} failed`, err);
    },
  );

  async function drain(timeoutMs = config.shutdownTimeoutMs): Promise<void> {
    state.draining = true;
    stopHeartbeat();
    bus.endAll(
      'shutdown',
      (): ShutdownControl => ({
        control: 'shutdown',
        retry_ms: config.sseRetryMs + Math.floor(Math.random() * config.shutdownJitterMs),
        message: 'the gateway is shutting down; reconnect with Last-Event-ID to resume',
      }),
    );
    const deadline = Date.now() + timeoutMs;
    while (bus.subscriberCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    for (const s of [...bus.subscribers()]) s.abort(new Error('shutdown timeout'));
  }

  let closed: Promise<void> | undefined;
  return {
    app: createApp({
      config,
      auth: new GatewayAuth(config.auth, () => registry.types),
      bus,
      registry,
      runtime,
      site,
      log,
      startedAt,
      ready,
      draining: () => state.draining,
      emitFailures: () => state.emitFailures,
      telemetry,
    }),
    bus,
    emit,
    config,
    registry,
    ready,
    drain,
    listening: (addresses) => site.listening(addresses),
    close: () =>
      (closed ??= (async () => {
        await drain();
        telemetry.flushLogs();
        await bus.close();
      })()),
  };
}
