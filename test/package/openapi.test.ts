/**
 * GET /api/openapi.json on a real gateway: a valid OpenAPI 3.1 document (by
 * a maintained validator of the specification's own schema) that describes
 * a custom type registered with its valibot schema, and whose publish
 * schema accepts what the gateway accepts.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../src/core/registry.ts';
import { loadConfig } from '../../src/runtimes/server-config.ts';
import { startNodeServer, type NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, quietLogger } from '../helpers/server.ts';

let gw: NodeServer;
beforeAll(async () => {
  const registry = defaultRegistry().register('deploy', v.looseObject({ service: v.string(), version: v.pipe(v.string(), v.minLength(1)), ok: v.boolean() }));
  gw = await startNodeServer(loadConfig({ HOST: '127.0.0.1', PORT: '0' }), { registry, logger: quietLogger });
});
afterAll(() => gw?.stop());

describe('GET /api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document that describes a registered custom type', async () => {
    const res = await fetch(`${gw.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = await res.json();
    const result = await new Validator().validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.schemas.DeployMetadata).toMatchObject({
      type: 'object',
      required: ['service', 'version', 'ok'],
      properties: { service: { type: 'string' }, version: { type: 'string', minLength: 1 }, ok: { type: 'boolean' } },
    });
    expect(doc.components.schemas.DeployEvent.properties.type).toEqual({ const: 'deploy' });
    expect(doc.components.schemas.NewEvent.oneOf).toContainEqual({ $ref: '#/components/schemas/DeployEvent' });
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/events', '/api/events/stream', '/ws/events', '/api/events/stats', '/health']));
    // The type it describes is the one the gateway takes.
    expect((await publish(gw.url, { type: 'deploy', message: 'api 2.1', metadata: { service: 'api', version: '2.1', ok: true } })).status).toBe(202);
  });
});
