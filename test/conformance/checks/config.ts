/**
 * The gateway configuration every runtime runs the suite with: small limits
 * so that each one can be reached in a test. The checks rely on these values.
 */
export const CONFORMANCE_ENV = {
  HOST: '127.0.0.1',
  PUBLISH_TOKEN: 'conformance-token-0123',
  HISTORY_SIZE: '50',
  REPLAY_DEFAULT: '5',
  HEARTBEAT_MS: '300',
  SSE_RETRY_MS: '100',
  WS_PING_MS: '2500', // a paused client in the slow-consumer checks must outlive its flood (two missed pings)
  QUEUE_MAX_EVENTS: '100',
  QUEUE_MAX_BYTES: '1048576',
  OVERFLOW_GRACE_MS: '3000',
  MAX_BODY_BYTES: '262144',
  MAX_BATCH: '100',
  MAX_WS_MESSAGE_BYTES: '1024',
  ALLOWED_ORIGINS: 'https://dash.example.com',
  SHUTDOWN_TIMEOUT_MS: '3000',
  SHUTDOWN_RETRY_JITTER_MS: '1000',
  HEADERS_TIMEOUT_MS: '1000',
  BODY_TIMEOUT_MS: '2000',
} as const;

export const HISTORY_SIZE = Number(CONFORMANCE_ENV.HISTORY_SIZE);
export const MAX_BODY_BYTES = Number(CONFORMANCE_ENV.MAX_BODY_BYTES);
export const MAX_WS_MESSAGE_BYTES = Number(CONFORMANCE_ENV.MAX_WS_MESSAGE_BYTES);
export const QUEUE_MAX_EVENTS = Number(CONFORMANCE_ENV.QUEUE_MAX_EVENTS);
export const HEADERS_TIMEOUT_MS = Number(CONFORMANCE_ENV.HEADERS_TIMEOUT_MS);
export const BODY_TIMEOUT_MS = Number(CONFORMANCE_ENV.BODY_TIMEOUT_MS);
