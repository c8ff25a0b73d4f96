// Embeds eventgate on Node from the installed package: createGateway + eventgate/node serve.
import { createGateway } from 'eventgate';
import { serve } from 'eventgate/node';

const server = await serve(createGateway(), { port: Number(process.argv[2] ?? 0), hostname: '127.0.0.1' });
console.log(JSON.stringify({ url: server.url }));
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
