/**
 * Who sent a request: the client address the gateway judges, for the
 * loopback-only publish rule and for anything counted per address.
 *
 * Contract:
 * - The peer is the socket's remote address as the runtime reports it. A
 *   runtime that cannot report one gives `undefined`: the client is unknown,
 *   and an unknown client is never loopback.
 * - A request without `Forwarded` or `X-Forwarded-For` is judged by its peer.
 * - A request that carries either header from a peer not in TRUST_PROXY:
 *   the headers are not believed, the client is the peer, and it is never
 *   loopback (a proxy on the same host would otherwise make every client of
 *   the proxy a loopback client).
 * - From a peer in TRUST_PROXY: the forwarded addresses are read from the
 *   right (the nearest hop first), skipping trusted proxies; the first one
 *   that is not trusted is the client, and if all are trusted, the leftmost
 *   is. A hop that is not an IP address (`unknown`, an obfuscated name,
 *   junk) ends the walk with an unknown client.
 * - When both headers are present and they name different clients, the
 *   client is unknown.
 * Addresses are normalised: an IPv4-mapped IPv6 address is the IPv4 one.
 */
import type { Context } from 'hono';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** TRUST_PROXY, parsed: the proxies whose forwarding headers are believed. */
export interface TrustedProxies {
  readonly ranges: readonly (readonly [Address, number])[];
}

export const NO_TRUSTED_PROXIES: TrustedProxies = { ranges: [] };

/** What the gateway knows to judge a request's client: the runtime's peer address and TRUST_PROXY. */
export interface PeerTrust {
  /** The socket's remote address as the runtime reports it; undefined when it cannot. */
  remoteAddress(c: Context): string | undefined;
  trustProxy: TrustedProxies;
}

export interface Client {
  /** The client's address, normalised; undefined when it is unknown. */
  address: string | undefined;
  /** Whether the request carried `Forwarded` or `X-Forwarded-For`. */
  forwarded: boolean;
  /** Whether the peer is a trusted proxy (in TRUST_PROXY) that forwarded the request. */
  proxied: boolean;
  /** Whether the client counts as loopback (see the contract above). */
  loopback: boolean;
}

const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** Parses one IP address in its plain form (four-part decimal IPv4, or IPv6); undefined for anything else. */
export function parseAddress(text: string): Address | undefined {
  const s = text.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return ipaddr.IPv4.parse(s);
  if (!s.includes(':') || !ipaddr.IPv6.isValid(s)) return undefined;
  const v6 = ipaddr.IPv6.parse(s);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/**
 * Parses TRUST_PROXY: a comma-separated list of addresses, CIDR ranges
 * (`10.0.0.0/8`, `fd00::/8`) and the names `loopback` and `private`.
 * Throws an Error naming the bad entry.
 */
export function parseTrustProxy(list: string | undefined): TrustedProxies {
  const ranges: (readonly [Address, number])[] = [];
  for (const raw of (list ?? '').split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    for (const item of NAMED_RANGES[entry.toLowerCase()] ?? [entry]) {
      const [addr, bits, extra] = item.split('/');
      const a = parseAddress(addr!);
      const max = a?.kind() === 'ipv4' ? 32 : 128;
      const n = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
      if (!a || extra !== undefined || !(n >= 0 && n <= max)) {
        throw new Error(`holds "${entry}", which is not an IP address, a CIDR range (10.0.0.0/8), loopback or private`);
      }
      ranges.push([a, n]);
    }
  }
  return { ranges };
}

export function isTrusted(addr: Address, trusted: TrustedProxies): boolean {
  return trusted.ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
}

/** The address in one forwarded hop: `1.2.3.4`, `1.2.3.4:80`, `[::1]:80`, `::1`, as XFF and `for=` write them. */
function hopAddress(hop: string): Address | undefined {
  let s = hop.trim();
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0 || (end + 1 < s.length && !/^:\d+$/.test(s.slice(end + 1)))) return undefined;
    s = s.slice(1, end);
  } else if (/^[\d.]+:\d+$/.test(s)) s = s.slice(0, s.indexOf(':'));
  return parseAddress(s);
}

/** The `for=` value of each element of a `Forwarded` header (RFC 7239), in order; '' where an element has none. */
function forwardedFor(value: string): string[] {
  const out: string[] = [];
  let param = '';
  let found = '';
  let inQuotes = false;
  const endParam = () => {
    const eq = param.indexOf('=');
    if (eq > 0 && param.slice(0, eq).trim().toLowerCase() === 'for') {
      const v = param.slice(eq + 1).trim();
      found = v.length > 1 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
    }
    param = '';
  };
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (inQuotes) {
      if (ch === '\\') param += value[++i] ?? '';
      else {
        if (ch === '"') inQuotes = false;
        param += ch;
      }
    } else if (ch === '"') (inQuotes = true), (param += ch);
    else if (ch === ';') endParam();
    else if (ch === ',') endParam(), out.push(found), (found = '');
    else param += ch;
  }
  endParam();
  out.push(found);
  return out;
}

/** Walks a forwarded chain (leftmost = the original client) from the right, skipping trusted proxies. */
function walk(hops: readonly string[], trusted: TrustedProxies): Address | undefined {
  let last: Address | undefined;
  for (let i = hops.length - 1; i >= 0; i--) {
    const a = hopAddress(hops[i]!);
    if (!a) return undefined;
    if (!isTrusted(a, trusted)) return a;
    last = a;
  }
  return last;
}

/** Judges a request's client from its headers and the runtime's peer address (the contract above). */
export function judgeClient(headers: { get(name: string): string | null }, peer: string | undefined, trusted: TrustedProxies): Client {
  const xff = headers.get('x-forwarded-for');
  const fwd = headers.get('forwarded');
  const p = peer === undefined ? undefined : parseAddress(peer);
  if (xff === null && fwd === null) return { address: p?.toString(), forwarded: false, proxied: false, loopback: p?.range() === 'loopback' };
  if (!p || !isTrusted(p, trusted)) return { address: p?.toString(), forwarded: true, proxied: false, loopback: false };
  const fromXff = xff === null ? undefined : walk(xff.split(','), trusted)?.toString();
  const fromFwd = fwd === null ? undefined : walk(forwardedFor(fwd), trusted)?.toString();
  const address = xff !== null && fwd !== null && fromXff !== fromFwd ? undefined : (fromXff ?? fromFwd);
  return { address, forwarded: true, proxied: true, loopback: address !== undefined && parseAddress(address)!.range() === 'loopback' };
}

/** The client's address as the gateway judges it (see the contract above); undefined when unknown. */
export function clientAddress(c: Context, peers: PeerTrust): string | undefined {
  return judgeClient(c.req.raw.headers, peers.remoteAddress(c), peers.trustProxy).address;
}

/** True when the client is on loopback and no untrusted hop stands between (see the contract above). */
export function isLoopbackClient(c: Context, peers: PeerTrust): boolean {
  return judgeClient(c.req.raw.headers, peers.remoteAddress(c), peers.trustProxy).loopback;
}
