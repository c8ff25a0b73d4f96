/** The conformance suite against `npm run start:bun`. */
import { conformanceFor } from './launch.ts';
import { runtimes } from './runtimes.ts';

conformanceFor(runtimes.bun);
