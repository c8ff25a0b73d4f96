/**
 * eventgate/deno: serve a gateway on Deno (with a package.json and
 * node_modules, or `npm:eventgate`).
 *
 *   import { createGateway } from 'eventgate';
 *   import { serve } from 'eventgate/deno';
 *   const server = await serve(createGateway(), { port: 8000 });   // server.url, server.close()
 */
export { serve, startDenoServer } from './server.ts';
export type { ServeOptions, ServerHandle } from '../handle.ts';
