/**
 * `npm run start:bun`: the gateway on Bun, with the same environment
 * variables as `npm start` (see ../run.ts for the process life).
 */
import { runGateway } from '../run.ts';
import { startBunServer } from './server.ts';

await runGateway({ label: 'Bun', env: process.env, args: process.argv, exit: (code) => process.exit(code), onSignal: (s, h) => void process.on(s, h) }, startBunServer);
