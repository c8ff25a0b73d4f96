/** The conformance suite against `npm run start:deno`. */
import { conformanceFor } from './launch.ts';
import { runtimes } from './runtimes.ts';

conformanceFor(runtimes.deno);
