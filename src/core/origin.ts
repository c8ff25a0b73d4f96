/**
 * Browser origin checks, shared by the WebSocket upgrade and CORS on the
 * HTTP endpoints. Requests without an Origin header (curl, servers) pass:
 * the check protects browsers' users, not the endpoint.
 */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname.endsWith('.localhost');
}

export function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  const a = addr.replace(/^::ffff:/, '');
  return a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a);
}

/**
 * True when `origin` may use the gateway: no Origin, `*` listed, listed,
 * same origin as the request's Host, or a loopback origin.
 */
export function originAllowed(origin: string | undefined, requestUrl: string, hostHeader: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false;
  }
  if (isLoopbackHost(o.hostname)) return true;
  const host = hostHeader ?? new URL(requestUrl).host;
  return o.host === host;
}
