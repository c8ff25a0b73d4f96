/**
 * The lease of one component's hook, kept for the component's life: created
 * on the first render (doing nothing yet), and told each new set of options
 * once the render that brought them is committed.
 */
import { useEffect, useMemo, useRef } from 'react';
import { Lease } from './lease.ts';
import { specOf, type EventsOptions } from './options.ts';

export function useLease(options: EventsOptions, limit: number): Lease {
  const fresh = specOf(options);
  // The same spec for as long as the key is the same (options written in the render are new objects each time).
  const spec = useMemo(() => fresh, [fresh.key]);
  const ref = useRef<Lease | null>(null);
  ref.current ??= new Lease(spec, limit);
  const lease = ref.current;
  useEffect(() => lease.update(spec, limit), [lease, spec, limit]);
  return lease;
}
