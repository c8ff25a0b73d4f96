/**
 * Tokens for tests, signed with jose as an issuer would: HMAC with a shared
 * secret, and ES256 keys served as a JWKS by a real local HTTP server whose
 * current key can be rotated mid-test.
 */
import http from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

export const SECRET = 'test-secret-that-is-long-enough-0123456789';
const secretKey = new TextEncoder().encode(SECRET);

export interface Claims {
  sub?: string;
  eventgate?: unknown;
  iss?: string;
  aud?: string;
  /** Seconds from now (negative: past). Default 3600. */
  expIn?: number | null;
  /** Seconds from now. */
  nbfIn?: number;
}

function build(c: Claims): SignJWT {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {};
  if (c.eventgate !== undefined) payload.eventgate = c.eventgate;
  const j = new SignJWT(payload).setIssuedAt(now);
  if (c.sub !== undefined) j.setSubject(c.sub);
  if (c.iss !== undefined) j.setIssuer(c.iss);
  if (c.aud !== undefined) j.setAudience(c.aud);
  if (c.expIn !== null) j.setExpirationTime(now + (c.expIn ?? 3600));
  if (c.nbfIn !== undefined) j.setNotBefore(now + c.nbfIn);
  return j;
}

/** An HS256 token signed with SECRET (or another secret). */
export function hs256(c: Claims = {}, secret = secretKey, alg = 'HS256'): Promise<string> {
  return build(c).setProtectedHeader({ alg }).sign(secret);
}

/** A token with `alg: none` (no signature): must be refused. */
export function unsigned(c: Claims = {}): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ exp: now + 3600, ...(c.eventgate ? { eventgate: c.eventgate } : {}) })}.`;
}

/** The same token with its payload changed (signature kept): must be refused. */
export function tampered(token: string, change: Record<string, unknown>): string {
  const [h, p, s] = token.split('.');
  const payload = { ...JSON.parse(Buffer.from(p!, 'base64url').toString()), ...change };
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
}

interface KeyEntry {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

/** A JWKS over HTTP with ES256 keys; `rotate()` makes a new current key and drops the old one from the set. */
export class JwksServer {
  url = '';
  fetches = 0;
  #keys: KeyEntry[] = [];
  #server = http.createServer((_req, res) => {
    this.fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: this.#keys.map((k) => k.jwk) }));
  });
  #n = 0;

  static async start(): Promise<JwksServer> {
    const s = new JwksServer();
    await s.rotate();
    await new Promise<void>((r) => s.#server.listen(0, '127.0.0.1', () => r()));
    s.url = `http://127.0.0.1:${(s.#server.address() as { port: number }).port}/.well-known/jwks.json`;
    return s;
  }

  /** A new current key; the set then holds only it (the old key is retired). */
  async rotate(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `k${++this.#n}-${Date.now().toString(36)}`;
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    this.#keys = [{ kid, privateKey, jwk }];
    return kid;
  }

  /** A key pair the server never publishes (same kid shape): its tokens name an unknown kid. */
  async stranger(): Promise<KeyEntry> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    return { kid: 'stranger', privateKey, jwk: await exportJWK(publicKey) };
  }

  /** An ES256 token signed with the current key (or `key`). */
  sign(c: Claims = {}, key: KeyEntry = this.#keys[0]!): Promise<string> {
    return build(c).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(key.privateKey);
  }

  get current(): KeyEntry {
    return this.#keys[0]!;
  }

  close(): Promise<void> {
    return new Promise((r) => this.#server.close(() => r()));
  }
}
