/**
 * What every runtime's `serve(gateway, options)` takes and gives back: where
 * to listen (and the server's limits), and a handle with the URL it listens
 * on and a `close()` that drains the gateway's subscribers (SSE `shutdown`,
 * WS 1001, bounded by SHUTDOWN_TIMEOUT_MS), stops the server and closes the
 * backend.
 */
import { loadServerConfig, type ServerConfig } from './server-config.ts';

export interface ServeOptions extends Partial<Pick<ServerConfig, 'headersTimeoutMs' | 'bodyTimeoutMs' | 'maxConnections'>> {
  /** Port to listen on; 0 picks a free one. Default 8000. */
  port?: number;
  /** Address to listen on. Default 0.0.0.0 (every interface). */
  hostname?: string;
}

export interface ServerHandle {
  /** `http://host:port`, with a wildcard address given as 127.0.0.1. */
  readonly url: string;
  readonly port: number;
  /** Drains, stops the server, closes the backend; the same promise however often it is called. */
  close(): Promise<void>;
}

/** The options with every default filled in (the defaults of the configuration table). */
export function serveSettings(o: ServeOptions): Required<ServeOptions> {
  const d = loadServerConfig({});
  return {
    port: o.port ?? d.port,
    hostname: o.hostname ?? d.host,
    headersTimeoutMs: o.headersTimeoutMs ?? d.headersTimeoutMs,
    bodyTimeoutMs: o.bodyTimeoutMs ?? d.bodyTimeoutMs,
    maxConnections: o.maxConnections ?? d.maxConnections,
  };
}

/** The URL a local client reaches the server at. */
export function listeningUrl(hostname: string, port: number): string {
  const host = hostname === '0.0.0.0' || hostname === '::' || hostname === '' ? '127.0.0.1' : hostname;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Runs `stop` once; every later call gets the same promise. */
export function once(stop: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= stop());
}
