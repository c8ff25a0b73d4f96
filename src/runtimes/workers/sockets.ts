/**
 * WebSocket subscribers of the hub Durable Object, through the hibernation
 * API. The upgrade accepts the server end with `ctx.acceptWebSocket`, so the
 * runtime keeps the connection while the object sleeps; each socket's
 * filter, overflow policy and cursor live in its attachment
 * (serializeAttachment), so that after the object wakes every socket found
 * in `ctx.getWebSockets()` gets its subscriber back, resumed from the cursor
 * it had reached. Messages and closes arrive through the object's
 * webSocketMessage/webSocketClose handlers and go to the same session
 * (src/core/routes/ws.ts) the upgrade created.
 */
import { createWSMessageEvent, defineWebSocketHelper, WSContext, type UpgradeWebSocket, type WSEvents } from 'hono/ws';
import type { DurableObjectState, WebSocket as CfWebSocket } from '@cloudflare/workers-types/latest';
import type { SubscriptionAccess } from '../../core/auth/access-state.ts';
import type { Filter } from '../../core/filter.ts';
import type { OverflowPolicy } from '../../core/subscriber.ts';
import type { SubscriptionSpec } from '../../core/subscription.ts';
import type { WsBatch } from '../../core/ws-batch.ts';

/** What survives hibernation, per socket (the runtime caps it at 2 KiB). */
interface Attachment {
  id: string;
  filter: Filter | null;
  policy: OverflowPolicy;
  /** The cursor this socket has been brought up to: resume after it. */
  cursor: string | null;
  /** The token's subscribe bound and expiry (unix s), so that a rebuilt session keeps its grant. */
  access?: { bound: Filter | null; exp: number | null };
}

const keptAccess = (a: SubscriptionAccess | undefined): Attachment['access'] => (a ? { bound: a.bound ?? null, exp: a.exp ?? null } : undefined);

interface Session {
  events: WSEvents;
  ctx: WSContext<CfWebSocket>;
  att: Attachment;
  /** Rebuilt after a wake: the client already had its `ready`, so the new one is not sent. */
  quietReady: boolean;
}

type OpenSession = (spec: SubscriptionSpec) => WSEvents;
type Pair = new () => { 0: CfWebSocket; 1: CfWebSocket };

const CLOSE_RESTART = 1012;

export class HibernatingSockets {
  readonly #state: DurableObjectState;
  readonly #sessions = new Map<string, Session>();
  readonly #byCtx = new WeakMap<WSContext, Session>();
  #open: OpenSession | undefined;

  constructor(state: DurableObjectState) {
    this.#state = state;
  }

  /** WsCapabilities.sessions: the app's session factory, kept to rebuild sessions after a wake. */
  sessions(open: OpenSession): void {
    this.#open = open;
  }

  /** The runtime's upgradeWebSocket: Hono's helper over `ctx.acceptWebSocket`. */
  readonly upgradeWebSocket: UpgradeWebSocket = defineWebSocketHelper(async (c, events) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return;
    const spec = c.get('spec') as SubscriptionSpec;
    const pair = new (globalThis as unknown as { WebSocketPair: Pair }).WebSocketPair();
    const server = pair[1];
    const id = crypto.randomUUID();
    this.#state.acceptWebSocket(server, [id]);
    this.#start(server, { id, filter: spec.filter, policy: spec.policy, cursor: spec.cursor, access: keptAccess(spec.access) }, events, false);
    return new Response(null, { status: 101, webSocket: pair[0] } as ResponseInit);
  }) as UpgradeWebSocket;

  get size(): number {
    return this.#sessions.size;
  }

  #start(ws: CfWebSocket, att: Attachment, events: WSEvents, quietReady: boolean): Session {
    const ctx = new WSContext<CfWebSocket>({
      raw: ws,
      send: (data) => ws.send(data as string),
      close: (code, reason) => {
        try {
          ws.close(code, reason);
        } catch {
          /* already closed */
        }
      },
      get readyState() {
        return ws.readyState as 0 | 1 | 2 | 3;
      },
    });
    const session: Session = { events, ctx, att, quietReady };
    this.#sessions.set(att.id, session);
    this.#byCtx.set(ctx, session);
    this.#save(ws, att);
    events.onOpen?.(new Event('open'), ctx);
    return session;
  }

  #save(ws: CfWebSocket, att: Attachment): void {
    try {
      ws.serializeAttachment(att);
    } catch {
      // Too large to keep (a very long filter): after a wake this socket is asked to reconnect.
      ws.serializeAttachment({ ...att, filter: null });
    }
  }

  /** After a wake: gives every socket the runtime kept its subscriber back. */
  rehydrate(): void {
    for (const ws of this.#state.getWebSockets()) this.#session(ws);
  }

  #session(ws: CfWebSocket): Session | undefined {
    const id = this.#state.getTags(ws)[0];
    const known = id === undefined ? undefined : this.#sessions.get(id);
    if (known) return known;
    const att = ws.deserializeAttachment() as Attachment | null;
    if (!att?.filter || !this.#open) {
      const resume = att?.cursor ? `; reconnect with last_event_id=${att.cursor}` : '; reconnect';
      try {
        ws.close(CLOSE_RESTART, `subscription state was lost${resume}`.slice(0, 123));
      } catch {
        /* already closed */
      }
      return undefined;
    }
    // Resume where this socket stood; without a cursor it had nothing to replay after.
    const a = att.access;
    const access: SubscriptionAccess | undefined = a ? { bound: a.bound ?? undefined, exp: a.exp ?? undefined, requested: att.filter } : undefined;
    const spec: SubscriptionSpec = { filter: att.filter, policy: att.policy, cursor: att.cursor, replay: 0, ...(access ? { access } : {}) };
    return this.#start(ws, att, this.#open(spec), true);
  }

  message(ws: CfWebSocket, data: string | ArrayBuffer): void {
    const s = this.#session(ws);
    s?.events.onMessage?.(createWSMessageEvent(data), s.ctx);
  }

  closed(ws: CfWebSocket, code: number, reason: string, wasClean: boolean): void {
    const s = this.#session(ws);
    if (!s) return;
    this.#sessions.delete(s.att.id);
    s.events.onClose?.(new CloseEvent('close', { code, reason, wasClean }), s.ctx);
  }

  errored(ws: CfWebSocket): void {
    const s = this.#session(ws);
    if (!s) return;
    this.#sessions.delete(s.att.id);
    s.events.onError?.(new Event('error'), s.ctx);
  }

  /**
   * Sends a run of messages and moves the socket's cursor and filter to
   * where the batch says the client stands. There is no backpressure signal
   * on Workers (no bufferedAmount): what is sent is the runtime's to buffer,
   * and the subscriber queue's mark bounds only what the gateway itself holds.
   */
  sendBatch(ctx: WSContext, batch: WsBatch): void {
    const s = this.#byCtx.get(ctx);
    const ws = ctx.raw as CfWebSocket;
    if (ws.readyState !== 1) return;
    const texts = batch.texts;
    // A session rebuilt after a wake: its client already had its `ready`.
    const skip = s?.quietReady && batch.readyAt >= 0 ? batch.readyAt : -1;
    if (skip >= 0) s!.quietReady = false;
    for (let i = 0; i < texts.length; i++) if (i !== skip) ws.send(texts[i]!);
    if (!s || (batch.cursor === null && batch.filter === undefined)) return;
    if (batch.cursor !== null) s.att.cursor = batch.cursor;
    if (batch.filter !== undefined) s.att.filter = batch.filter;
    if (batch.access !== undefined) s.att.access = keptAccess(batch.access);
    this.#save(ws, s.att);
  }
}
