/**
 * Tenant isolation, generated: for many tokens (grants bound to tenant
 * "acme", with generated type and severity bounds), requested filters,
 * cursors and WebSocket filter ops (fast-check, fixed seed; the seed is
 * printed on failure), a subscriber on either transport receives exactly
 * what a reference model says: replayed and live events that match both its
 * request and its grant, and never an event of tenant "globex". A request
 * outside the grant is a 403 naming the field the model names.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway, TYPES } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { hs256, SECRET } from '../helpers/tokens.ts';
import { WsClient } from '../helpers/ws.ts';

const PUBLISH_TOKEN = 'isolation-publish-0123';
const SEVS = ['info', 'warning', 'error'] as const;
const RANK = { info: 0, warning: 1, error: 2 } as const;
type Sev = (typeof SEVS)[number];

interface F {
  types?: string[];
  severity?: Sev[];
  min_severity?: Sev;
  meta?: Record<string, string>;
}
interface Ev {
  id: string;
  type: string;
  severity: Sev;
  metadata: Record<string, unknown>;
}

/** The reference: an event matches a filter when every field given holds. */
const matches = (f: F, e: Ev) =>
  (!f.types || f.types.includes(e.type)) &&
  (!f.severity || f.severity.includes(e.severity)) &&
  (!f.min_severity || RANK[e.severity] >= RANK[f.min_severity]) &&
  Object.entries(f.meta ?? {}).every(([k, v]) => String(e.metadata[k]) === v);

/** The reference for refusals: the first field of the request outside the grant, in the gateway's order. */
function outside(req: F, grant: F): string | undefined {
  if (req.types && grant.types && req.types.some((t) => !grant.types!.includes(t))) return 'types';
  if (req.severity?.some((s) => (grant.severity && !grant.severity.includes(s)) || (grant.min_severity && RANK[s] < RANK[grant.min_severity]))) return 'severity';
  if (req.min_severity && grant.min_severity && RANK[req.min_severity] < RANK[grant.min_severity]) return 'min_severity';
  if (req.meta?.tenant !== undefined && req.meta.tenant !== grant.meta!.tenant) return 'meta.tenant';
  return undefined;
}

const sub = <T>(xs: readonly T[]) => fc.option(fc.subarray([...xs], { minLength: 1 }), { nil: undefined });
const filterArb = (withTenant: boolean): fc.Arbitrary<F> =>
  fc
    .record({
      types: sub(TYPES),
      severity: sub(SEVS),
      min_severity: fc.option(fc.constantFrom(...SEVS), { nil: undefined }),
      tenant: withTenant ? fc.constantFrom(undefined, 'acme', 'globex') : fc.constant(undefined),
      component: fc.constantFrom(undefined, 'router', 'cache'),
    })
    .map(({ tenant, component, ...r }) => {
      const f: F = {};
      if (r.types) f.types = r.types;
      if (r.severity) f.severity = r.severity;
      if (r.min_severity) f.min_severity = r.min_severity;
      const meta: Record<string, string> = {};
      if (tenant) meta.tenant = tenant;
      if (component) meta.component = component;
      if (Object.keys(meta).length) f.meta = meta;
      return f;
    });
const grantArb: fc.Arbitrary<F> = fc
  .record({ types: sub(TYPES), min_severity: fc.option(fc.constantFrom(...SEVS), { nil: undefined }) })
  .map((g) => ({ ...(g.types ? { types: g.types } : {}), ...(g.min_severity ? { min_severity: g.min_severity } : {}), meta: { tenant: 'acme' } }));
const eventArb = fc.record({
  type: fc.constantFrom(...TYPES),
  severity: fc.constantFrom(...SEVS),
  tenant: fc.constantFrom('acme', 'globex', undefined),
  component: fc.constantFrom('router', 'cache'),
});

const query = (f: F) => {
  const q = new URLSearchParams();
  if (f.types) q.set('types', f.types.join(','));
  if (f.severity) q.set('severity', f.severity.join(','));
  if (f.min_severity) q.set('min_severity', f.min_severity);
  for (const [k, v] of Object.entries(f.meta ?? {})) q.set(`meta.${k}`, v);
  return q.toString();
};
const opOf = (f: F) => ({
  op: 'filter',
  ...(f.types ? { types: f.types } : {}),
  ...(f.severity ? { severity: f.severity } : {}),
  ...(f.min_severity ? { min_severity: f.min_severity } : {}),
  ...(f.meta ? { meta: f.meta } : {}),
});

let gw: NodeServer;
const history: Ev[] = [];
async function publishAll(evs: { type: string; severity: Sev; tenant?: string; component: string }[]): Promise<Ev[]> {
  if (!evs.length) return [];
  const bodies = evs.map((e) => sampleEvent(e.type, { ...(e.tenant ? { tenant: e.tenant } : {}), component: e.component }, e.severity));
  const res = await publish(gw.url, bodies, { authorization: `Bearer ${PUBLISH_TOKEN}` });
  expect(res.status).toBe(202);
  const out = bodies.map((b, i) => ({ id: res.body.ids[i], type: b.type as string, severity: b.severity as Sev, metadata: b.metadata as Record<string, unknown> }));
  history.push(...out);
  return out;
}

/** An event that matches `f` (the fence that ends a run), or undefined when `f` can match nothing. */
function fenceFor(f: F) {
  const type = (f.types ?? [...TYPES])[0]!;
  const sevs = SEVS.filter((s) => (!f.severity || f.severity.includes(s)) && (!f.min_severity || RANK[s] >= RANK[f.min_severity]));
  if (!sevs.length) return undefined;
  const component = f.meta?.component ?? 'router';
  return { type, severity: sevs[sevs.length - 1]!, tenant: 'acme', component };
}
const both = (a: F, b: F) => (e: Ev) => matches(a, e) && matches(b, e);

beforeAll(async () => {
  gw = await startGateway({ AUTH_JWT_SECRET: SECRET, PUBLISH_TOKEN, HISTORY_SIZE: '100000', WS_MESSAGE_RATE: '0' });
  await publishAll(fc.sample(eventArb, { numRuns: 80, seed: 7 }));
});
afterAll(() => gw.stop());

const SEED = Number(process.env.FC_SEED ?? 20261201);

describe('tenant isolation', () => {
  for (const transport of ['sse', 'ws'] as const) {
    it(`a tenant-acme token never receives another tenant's event, live or replayed (${transport})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          grantArb,
          filterArb(true),
          fc.oneof(fc.record({ cursorAt: fc.nat() }), fc.record({ replay: fc.nat({ max: 30 }) })),
          fc.array(filterArb(true), { maxLength: transport === 'ws' ? 4 : 0 }),
          fc.array(eventArb, { minLength: 1, maxLength: 12 }),
          async (grant, req, start, ops, live) => {
            const token = await hs256({ sub: 'tenant-acme', eventgate: { subscribe: grant } });
            const refusedField = outside(req, grant);
            const cursor = 'cursorAt' in start ? history[start.cursorAt % history.length]! : undefined;
            const q = `${query(req)}${cursor ? '' : `&replay=${(start as { replay: number }).replay}`}`;
            const base = [...history];
            let events: () => Ev[];
            let controls: (name: string) => any[];
            let close: () => void;
            let until: (p: () => boolean, what: string) => Promise<void>;
            let send: (m: unknown) => void = () => {
              throw new Error('filter ops are WebSocket only');
            };
            if (transport === 'sse') {
              const r = await SseReader.open(`${gw.url}/api/events/stream?${q}`, { authorization: `Bearer ${token}`, ...(cursor ? { 'last-event-id': cursor.id } : {}) });
              if (refusedField) {
                expect(r.status).toBe(403);
                await r.until((x) => x.closed);
                expect(JSON.parse(r.raw)).toMatchObject({ error: 'forbidden', field: refusedField });
                return;
              }
              expect(r.status).toBe(200);
              events = () => r.events;
              controls = (n) => r.named(n);
              close = () => r.close();
              until = (p, what) => r.until(p, 5000, what);
            } else {
              const url = `${gw.url.replace('http', 'ws')}/ws/events?${q}&access_token=${token}${cursor ? `&last_event_id=${cursor.id}` : ''}`;
              let c: WsClient;
              try {
                c = await WsClient.open(url);
              } catch (err: any) {
                expect(refusedField, `refused: ${err.body}`).toBeDefined();
                expect(err.status).toBe(403);
                expect(JSON.parse(err.body)).toMatchObject({ error: 'forbidden', field: refusedField });
                return;
              }
              expect(refusedField).toBeUndefined();
              events = () => c.events;
              controls = (n) => c.controls(n);
              close = () => c.close();
              until = (p, what) => c.until(p, 5000, what);
              send = (msg) => c.send(msg);
            }
            try {
              await until(() => controls('ready').length > 0, 'ready');
              // Replay: through the request and the grant both.
              const m = both(req, grant);
              const after = cursor ? base.slice(base.indexOf(cursor) + 1).filter(m) : base.filter(m).slice(-(start as { replay: number }).replay || base.length);
              const expectedReplay = cursor ? after : (start as { replay: number }).replay === 0 ? [] : after;
              expect(events().map((e) => e.id)).toEqual(expectedReplay.map((e) => e.id));
              // Filter ops: inside the grant they apply (ack); outside, an error and the filter stays.
              let current = req;
              for (const [i, op] of ops.entries()) {
                const refused = outside(op, grant);
                const acksBefore = controls('ack').length;
                const errorsBefore = controls('error').length;
                send(opOf(op));
                await until(() => controls('ack').length + controls('error').length > acksBefore + errorsBefore, `answer to op ${i}`);
                if (refused) {
                  expect(controls('error').at(-1)).toMatchObject({ error: 'forbidden', field: refused });
                } else {
                  expect(controls('ack').length).toBe(acksBefore + 1);
                  current = op;
                }
              }
              const fence = fenceFor({ ...current, ...mergeGrant(current, grant) });
              const sent = await publishAll(fence ? [...live, fence] : live);
              const want = sent.filter(both(current, grant));
              if (fence) await until(() => events().some((e) => e.id === sent.at(-1)!.id), 'fence');
              const got = events().slice(expectedReplay.length);
              expect(got.map((e) => e.id)).toEqual(want.map((e) => e.id));
              for (const e of events()) expect(e.metadata.tenant, `event ${e.id}`).toBe('acme');
            } finally {
              close();
            }
          },
        ),
        { seed: SEED, numRuns: 40, verbose: 1 },
      );
    }, 120_000);
  }
});

/** The grant's bounds as filter fields, for building a fence that satisfies both. */
function mergeGrant(req: F, grant: F): F {
  const types = req.types ? req.types.filter((t) => !grant.types || grant.types.includes(t)) : grant.types;
  const min = [req.min_severity, grant.min_severity].filter(Boolean).sort((a, b) => RANK[b!] - RANK[a!])[0];
  return { ...(types ? { types } : {}), ...(min ? { min_severity: min } : {}), meta: { ...req.meta, tenant: 'acme' } };
}
