/**
 * eventgate/node: serve a gateway on Node, on its own server or inside one.
 *
 *   import { createGateway } from 'eventgate';
 *   import { serve, attach } from 'eventgate/node';
 *   const server = await serve(createGateway(), { port: 8000 });   // server.url, server.close()
 *   attach(expressServer, createGateway(), { prefix: '/events' });   // inside an existing http.Server
 */
export { serve, startNodeServer, type NodeHandle, type NodeServer } from './server.ts';
export { attach, type AttachOptions, type Attached } from './attach.ts';
export type { ServeOptions, ServerHandle } from '../handle.ts';
