/**
 * Compile-time checks of the client's hand-written types (`npm run
 * typecheck` covers this file; it is never run). Each @ts-expect-error line
 * must stay an error.
 */
import { EventgateClient, type BuiltinEvents, type GatewayEvent } from '../../src/client/eventgate-client.ts';

export function typeChecks(): void {
  const c = new EventgateClient({ transport: 'ws', filter: { types: ['cgrag', 'error'], min_severity: 'warning', meta: { query_id: 'q1' } } });
  c.on('cgrag', (e, info) => {
    const n: number = e.metadata.chunks_retrieved;
    const hit: boolean = e.metadata.cache_hit;
    const replayed: boolean = info.replayed;
    void [n, hit, replayed];
    // @ts-expect-error cgrag metadata has no error_message
    const wrong: string = e.metadata.error_message;
    void wrong;
  });
  c.on('error', (e) => {
    const s: string | null = e.metadata.stack_trace;
    void s;
  });
  c.on('*', (e) => {
    if (e.type === 'model_state') {
      const port: number | null = e.metadata.port;
      void port;
    }
  });
  // @ts-expect-error not an event type
  c.on('nope', () => {});
  // @ts-expect-error not a severity
  void c.setFilter({ severity: ['fatal'] });
  c.onGap((g) => void (g.reason satisfies 'expired' | 'unknown_epoch' | 'invalid' | 'ahead'));
  c.onState((state, d) => void [state satisfies 'idle' | 'connecting' | 'replaying' | 'live' | 'reconnecting' | 'closed', d.delayMs]);
  c.onDropped((d) => void (d.count satisfies number));
  c.onOverflow((o) => void (o.last_event_id satisfies string | null));

  // Tokens: a string, or a function returning one, a Promise of one, or undefined (none).
  void new EventgateClient({ token: 'eyJ...' });
  void new EventgateClient({ token: () => sessionStorage.getItem('t') ?? undefined });
  void new EventgateClient({ token: () => fetch('/token').then((r) => r.text()) });
  void new EventgateClient({ token: async () => 'eyJ...' });
  // @ts-expect-error a token is text
  void new EventgateClient({ token: () => 42 });
  // @ts-expect-error a token is text
  void new EventgateClient({ token: async () => ({ token: 'eyJ...' }) });

  // Custom types: extend the map.
  interface DeployMetadata {
    service: string;
    version: string;
  }
  const custom = new EventgateClient<BuiltinEvents & { deploy: DeployMetadata }>({ filter: { types: ['deploy'] } });
  custom.on('deploy', (e: GatewayEvent<'deploy', DeployMetadata>) => void e.metadata.version.toUpperCase());
}
