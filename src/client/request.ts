/**
 * What one connection sends: the subscription URL of its transport (the
 * filter, the cursor or else `replay`, the overflow policy, and the token as
 * `access_token` when the transport cannot send headers), the headers its
 * transport sends (the token as `Authorization: Bearer` when it can), and the
 * same request on the SSE endpoint for the refusal probe, a fetch, which
 * sends the token as a header outside a browser.
 */
import { subscriptionUrl } from './query.ts';
import type { Settings } from './settings.ts';
import type { Filter } from './types.ts';

export interface ConnectionRequest {
  url: string;
  /** Headers for the transport (sent where the class can send them). */
  headers: Record<string, string> | undefined;
  probe: { url: string; headers: Record<string, string> | undefined };
}

/** The headers with `Authorization: Bearer <token>` in place of any authorization header given. */
function withBearer(headers: Record<string, string> | undefined, token: string | undefined): Record<string, string> | undefined {
  if (token === undefined) return headers;
  const rest = Object.entries(headers ?? {}).filter(([k]) => k.toLowerCase() !== 'authorization');
  return { ...Object.fromEntries(rest), authorization: `Bearer ${token}` };
}

export function connectionRequest(s: Settings, filter: Filter, cursor: string | null, token: string | undefined): ConnectionRequest {
  const url = (kind: 'sse' | 'ws', inHeader: boolean) =>
    subscriptionUrl(s.base, kind, filter, {
      last_event_id: cursor ?? undefined,
      replay: cursor ? undefined : s.replay,
      on_overflow: s.overflowPolicy,
      access_token: inHeader ? undefined : token,
    });
  const inHeader = s.tokenHeader[s.kind];
  const transport = s.kind === 'ws' ? s.ws : s.sse;
  return {
    url: url(s.kind, inHeader),
    headers: inHeader ? withBearer(transport.headers, token) : transport.headers,
    probe: { url: url('sse', s.tokenHeader.probe), headers: s.tokenHeader.probe ? withBearer(s.headers, token) : s.headers },
  };
}
