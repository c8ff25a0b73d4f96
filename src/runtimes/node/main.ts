/**
 * `npm start`: the gateway on Node (see ../run.ts for the process life).
 */
import { runGateway } from '../run.ts';
import { startNodeServer } from './server.ts';

await runGateway(
  { label: '', env: process.env, args: process.argv, exit: (code) => process.exit(code), onSignal: (s, h) => void process.on(s, h) },
  startNodeServer,
);
