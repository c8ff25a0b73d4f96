/**
 * `npm run start:deno`: the gateway on Deno, with the same environment
 * variables as `npm start` (see ../run.ts for the process life).
 */
import { runGateway } from '../run.ts';
import { startDenoServer } from './server.ts';

interface DenoProcess {
  env: { toObject(): Record<string, string> };
  args: string[];
  exit(code: number): never;
  addSignalListener(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void;
}
const Deno = (globalThis as unknown as { Deno: DenoProcess }).Deno;

await runGateway({ label: 'Deno', env: Deno.env.toObject(), args: Deno.args, exit: (code) => Deno.exit(code), onSignal: (s, h) => Deno.addSignalListener(s, h) }, startDenoServer);
