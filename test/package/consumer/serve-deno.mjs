// Embeds eventgate on Deno from the installed package (node_modules, no network).
import { createGateway } from 'eventgate';
import { serve } from 'eventgate/deno';

const server = await serve(createGateway(), { port: Number(Deno.args[0] ?? 0), hostname: '127.0.0.1' });
console.log(JSON.stringify({ url: server.url }));
Deno.addSignalListener('SIGTERM', () => void server.close().then(() => Deno.exit(0)));
