/**
 * The client judgement of core/peer.ts against a reference model, over
 * generated forwarding chains: random peers, trusted sets and hops, in both
 * header forms (X-Forwarded-For and RFC 7239 Forwarded, with ports, brackets
 * and quotes). Fixed seed; fast-check prints the seed and the failing case.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeClient, parseTrustProxy } from '../../src/core/peer.ts';

const SEED = Number(process.env.FC_SEED ?? 20261201);

/** A small pool, so that trusted, loopback and repeated addresses meet often. */
const POOL = ['127.0.0.1', '127.0.0.2', '10.0.0.1', '10.9.9.9', '203.0.113.9', '198.51.100.7', '::1', '2001:db8::17', 'fd00::5'];
const JUNK = ['unknown', '_hidden', 'not-an-ip', '1.2.3', ''];
const LOOPBACK = new Set(['127.0.0.1', '127.0.0.2', '::1']);

type Hop = { addr: string } | { junk: string };

/** The reference: the nearest untrusted hop, read from the right; junk means unknown. */
function model(peer: string | undefined, trusted: Set<string>, chains: { xff?: Hop[]; fwd?: Hop[] }) {
  const none = chains.xff === undefined && chains.fwd === undefined;
  if (none) return { address: peer, loopback: peer !== undefined && LOOPBACK.has(peer) };
  if (peer === undefined || !trusted.has(peer)) return { address: peer, loopback: false };
  const walk = (hops: Hop[]): string | undefined => {
    const rev = [...hops].reverse();
    for (const h of rev) {
      if ('junk' in h) return undefined;
      if (!trusted.has(h.addr)) return h.addr;
    }
    const first = hops[0];
    return first && 'addr' in first ? first.addr : undefined;
  };
  const a = chains.xff && walk(chains.xff);
  const b = chains.fwd && walk(chains.fwd);
  const address = chains.xff && chains.fwd ? (a === b ? a : undefined) : (a ?? b);
  return { address, loopback: address !== undefined && LOOPBACK.has(address) };
}

const hop = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...POOL).map((addr): Hop => ({ addr })) },
  { weight: 1, arbitrary: fc.constantFrom(...JUNK).map((junk): Hop => ({ junk })) },
);
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });

/** One hop as X-Forwarded-For writes it: `1.2.3.4`, `1.2.3.4:80`, `[::1]:80`, `::1`. */
const xffHop = (h: Hop, p: number | undefined) => {
  if ('junk' in h) return h.junk;
  if (p === undefined) return h.addr;
  return h.addr.includes(':') ? `[${h.addr}]:${p}` : `${h.addr}:${p}`;
};
/** One element as Forwarded writes it: `for=1.2.3.4;proto=http`, `for="[::1]:80"`. */
const fwdElement = (h: Hop, p: number | undefined, extra: boolean) => {
  const value = 'junk' in h ? h.junk : h.addr.includes(':') ? `"[${h.addr}]${p === undefined ? '' : `:${p}`}"` : p === undefined ? h.addr : `"${h.addr}:${p}"`;
  return extra ? `proto=http;for=${value};by="x;y"` : `for=${value}`;
};

describe('client judgement (peer.ts) against a model', () => {
  it('agrees on every generated chain, peer and trusted set', () => {
    fc.assert(
      fc.property(
        fc.option(fc.constantFrom(...POOL), { nil: undefined }),
        fc.subarray(POOL),
        fc.option(fc.array(fc.tuple(hop, port), { minLength: 1, maxLength: 5 }), { nil: undefined }),
        fc.option(fc.array(fc.tuple(hop, port, fc.boolean()), { minLength: 1, maxLength: 5 }), { nil: undefined }),
        fc.boolean(),
        (peer, trustedList, xff, fwd, mapped) => {
          const headers = new Headers();
          if (xff) headers.set('x-forwarded-for', xff.map(([h, p]) => xffHop(h, p)).join(', '));
          if (fwd) headers.set('forwarded', fwd.map(([h, p, e]) => fwdElement(h, p, e)).join(', '));
          const got = judgeClient(headers, peer === undefined ? undefined : peer.includes(':') || !mapped ? peer : `::ffff:${peer}`, parseTrustProxy(trustedList.join(',')));
          const want = model(peer, new Set(trustedList), { xff: xff?.map(([h]) => h), fwd: fwd?.map(([h]) => h) });
          expect({ address: got.address, loopback: got.loopback }).toEqual(want);
        },
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('matches CIDR ranges and the names loopback and private', () => {
    const t = parseTrustProxy('10.0.0.0/8, loopback, fd00::/8');
    const h = new Headers({ 'x-forwarded-for': '203.0.113.9, 10.200.1.1, 127.8.8.8, fd00::1' });
    expect(judgeClient(h, '::1', t)).toMatchObject({ address: '203.0.113.9', proxied: true, loopback: false });
    expect(judgeClient(new Headers({ 'x-forwarded-for': '172.16.5.5' }), '192.168.1.1', parseTrustProxy('private'))).toMatchObject({ address: '172.16.5.5', proxied: true });
    expect(() => parseTrustProxy('10.0.0.0/33')).toThrow(/10.0.0.0\/33/);
    expect(() => parseTrustProxy('010.0.0.1')).toThrow();
    expect(() => parseTrustProxy('nginx')).toThrow(/nginx/);
  });
});
