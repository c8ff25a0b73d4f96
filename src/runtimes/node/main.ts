/**
 * `npm start`: the eventgate command (src/cli/main.ts) run from the sources,
 * so `npm start -- --port 9000` takes the same flags as `npx eventgate`.
 */
import '../../cli/main.ts';
