/**
 * Browser origin checks, shared by SSE, the WebSocket upgrade, stats and
 * publishing (CORS on the HTTP endpoints), and the Host check that stops
 * DNS rebinding. The gateway's own origins come from its configuration and
 * from where it listens, never from the request's Host header.
 *
 * Contract of `originAllowed`:
 * - No Origin header (curl, servers): allowed; the check protects browsers'
 *   users, not the endpoint. A present but empty Origin is refused (unless
 *   ALLOWED_ORIGINS is `*`), the same on every transport.
 * - Allowed: an origin listed in ALLOWED_ORIGINS (or any, with `*`); one of
 *   the gateway's own origins (PUBLIC_URL's, and those it listens on); and
 *   a loopback origin (localhost, *.localhost, 127.x, [::1], any port) only
 *   while the gateway listens on loopback addresses only and no
 *   ALLOWED_ORIGINS is set.
 *
 * Contract of `hostAllowed`: a gateway that listens on loopback only answers
 * only requests whose Host names a loopback host or PUBLIC_URL's host, or
 * that come through a trusted proxy. A browser tricked by DNS rebinding
 * sends the attacker's name in Host, and no Origin on a same-origin GET.
 */

/** Where the server starter listens: a bound address (`0.0.0.0`, `::1`, a name) and its port. */
export interface ListenAddress {
  hostname: string;
  port: number;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '', '[::]']);
const LOOPBACK_ALIASES = ['127.0.0.1', 'localhost', '[::1]'];

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h.endsWith('.localhost');
}

/** `http://host:port` in its serialised origin form (default port dropped, IPv6 bracketed); undefined when malformed. */
function originOf(hostname: string, port: number): string | undefined {
  const host = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
  try {
    return new URL(`http://${host}:${port}`).origin;
  } catch {
    return undefined;
  }
}

/** A URL's origin; undefined when it does not parse. */
export function parseOrigin(text: string): string | undefined {
  try {
    const u = new URL(text);
    return u.origin === 'null' ? undefined : u.origin;
  } catch {
    return undefined;
  }
}

/**
 * The gateway's own site: PUBLIC_URL, and the addresses the server starter
 * reports once it listens (`listening`). Until then, and on runtimes that
 * never report (Workers), only PUBLIC_URL is the gateway's own origin and the
 * gateway does not count as listening on loopback.
 */
export class GatewaySite {
  readonly publicOrigin: string | undefined;
  #self = new Set<string>();
  #loopbackOnly = false;

  constructor(publicUrl: string | undefined) {
    this.publicOrigin = publicUrl === undefined ? undefined : parseOrigin(publicUrl);
    if (this.publicOrigin) this.#self.add(this.publicOrigin);
  }

  /**
   * Called by the server starter once it listens, with every address it is
   * bound to. A wildcard address (0.0.0.0, ::) counts as listening on the
   * network, and its own origins are its loopback ones.
   */
  listening(addresses: readonly ListenAddress[]): void {
    const self = new Set<string>(this.publicOrigin ? [this.publicOrigin] : []);
    let loopbackOnly = addresses.length > 0;
    for (const a of addresses) {
      const wildcard = WILDCARDS.has(a.hostname);
      if (wildcard || !isLoopbackHost(a.hostname)) loopbackOnly = false;
      const names = wildcard || isLoopbackHost(a.hostname) ? [...LOOPBACK_ALIASES, ...(wildcard ? [] : [a.hostname])] : [a.hostname];
      for (const n of names) {
        const o = originOf(n, a.port);
        if (o) self.add(o);
      }
    }
    this.#self = self;
    this.#loopbackOnly = loopbackOnly;
  }

  /** The gateway's own origins. */
  get origins(): ReadonlySet<string> {
    return this.#self;
  }

  /** Whether every address the gateway listens on is loopback (false until the starter reports). */
  get loopbackOnly(): boolean {
    return this.#loopbackOnly;
  }

  /** True when `origin` (the Origin header, undefined when absent) may use the gateway; see the contract above. */
  originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
    if (origin === undefined) return true;
    if (allowed.includes('*') || allowed.includes(origin)) return true;
    const o = parseOrigin(origin);
    if (!o) return false;
    if (allowed.includes(o) || this.#self.has(o)) return true;
    return allowed.length === 0 && this.#loopbackOnly && isLoopbackHost(new URL(o).hostname);
  }

  /** True when a request with this Host header may be answered; `proxied`: it came from a trusted proxy. */
  hostAllowed(host: string | undefined, proxied: boolean): boolean {
    if (!this.#loopbackOnly || proxied || host === undefined) return true;
    if (!/^[^\s/?#@\\]+$/.test(host)) return false;
    let hostname: string;
    try {
      hostname = new URL(`http://${host}`).hostname;
    } catch {
      return false;
    }
    if (isLoopbackHost(hostname)) return true;
    return this.publicOrigin !== undefined && new URL(this.publicOrigin).host === host.toLowerCase();
  }
}
