/**
 * eventgate/bun: serve a gateway on Bun.
 *
 *   import { createGateway } from 'eventgate';
 *   import { serve } from 'eventgate/bun';
 *   const server = await serve(createGateway(), { port: 8000 });   // server.url, server.close()
 */
export { serve, startBunServer } from './server.ts';
export type { ServeOptions, ServerHandle } from '../handle.ts';
