/** The conformance suite against `npm start`. */
import { conformanceFor } from './launch.ts';
import { runtimes } from './runtimes.ts';

conformanceFor(runtimes.node);
