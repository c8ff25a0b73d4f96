/**
 * One subscription's access as plain data: the bound its token grants, when
 * the token expires, the filter asked for, and the client-address slot it
 * holds. It rides in the SubscriptionSpec and, on Workers, in the socket's
 * attachment over hibernation; LiveAccess (access.ts) acts on it.
 */
import type { Filter } from '../filter.ts';

export interface SubscriptionAccess {
  /** The token's `eventgate.subscribe` bound; undefined: none. */
  bound: Filter | undefined;
  /** Token expiry, unix seconds; undefined: no token or no `exp`. */
  exp: number | undefined;
  /** The filter the client asked for, before the bound was applied. */
  requested: Filter;
  /** Gives back the client-address slot (MAX_SUBSCRIBERS_PER_IP); absent when none is held. */
  release?: () => void;
}
