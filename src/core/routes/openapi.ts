/**
 * GET /api/openapi.json: an OpenAPI 3.1 description of the HTTP API
 * (publish, the subscribe endpoints and their parameters, stats, health),
 * built from the registry at the first request and kept, so that every
 * registered type, custom ones included, appears with its metadata schema
 * (valibot's own converter, @valibot/to-json-schema, JSON Schema 2020-12 as
 * OpenAPI 3.1 uses). A schema the converter cannot express (a transform, a
 * custom check) is described as far as it can be, not refused.
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import type { Hono } from 'hono';
import type { EventRegistry } from '../registry.ts';
import { SEVERITIES } from '../schemas.ts';
import { MAX_MESSAGE_LENGTH } from '../validate.ts';

/** What the OpenAPI route needs. */
export interface OpenApiDeps {
  registry: Pick<EventRegistry, 'types' | 'schema'>;
  maxBatch: number;
}

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const refusal = (description: string) => ({ description, content: json(ref('Error')) });

/** A type name as a component name: `query_route` → `QueryRoute`. */
function componentName(type: string): string {
  return type.replace(/(^|_)([a-z0-9])/g, (_m, _s, ch: string) => ch.toUpperCase());
}

function metadataSchema(registry: OpenApiDeps['registry'], type: string): Json {
  const schema = registry.schema(type);
  if (!schema) return { type: 'object' };
  const out = toJsonSchema(schema, { target: 'draft-2020-12', errorMode: 'ignore' }) as Json;
  delete out.$schema;
  return out;
}

const FILTER_PARAMETERS = [
  { name: 'types', in: 'query', description: 'only these types, comma-separated', schema: { type: 'string' } },
  { name: 'severity', in: 'query', description: 'only these severities, comma-separated', schema: { type: 'string' } },
  { name: 'min_severity', in: 'query', description: 'this severity and above', schema: { enum: [...SEVERITIES] } },
  { name: 'last_event_id', in: 'query', description: 'resume after this cursor', schema: { type: 'string' } },
  { name: 'replay', in: 'query', description: 'without a cursor, replay the N most recent matching events first', schema: { type: 'integer', minimum: 0 } },
  { name: 'on_overflow', in: 'query', description: 'what happens when this subscriber falls behind', schema: { enum: ['disconnect', 'drop'] } },
  {
    name: 'meta',
    in: 'query',
    style: 'deepObject',
    explode: true,
    description: 'exact match on metadata fields: meta.<field>=<value>',
    schema: { type: 'object', additionalProperties: { type: 'string' } },
  },
];

/** The OpenAPI 3.1 document for the types registered now. */
export function openApiDocument(deps: OpenApiDeps): Json {
  const schemas: Json = {};
  const published: Json[] = [];
  for (const type of deps.registry.types) {
    const name = componentName(type);
    schemas[`${name}Metadata`] = metadataSchema(deps.registry, type);
    schemas[`${name}Event`] = {
      type: 'object',
      required: ['type', 'message', 'metadata'],
      additionalProperties: false,
      properties: {
        type: { const: type },
        message: { type: 'string', minLength: 1, maxLength: MAX_MESSAGE_LENGTH },
        severity: ref('Severity'),
        timestamp: { type: 'number', exclusiveMinimum: 0, description: 'Unix seconds; default: when it is received' },
        metadata: ref(`${name}Metadata`),
      },
    };
    published.push(ref(`${name}Event`));
  }
  schemas.Severity = { enum: [...SEVERITIES], description: 'inferred from the metadata when not given' };
  schemas.NewEvent = { oneOf: published, discriminator: { propertyName: 'type' } };
  schemas.Event = {
    type: 'object',
    description: 'an event as subscribers receive it (SSE data, or a WebSocket text message)',
    required: ['id', 'timestamp', 'type', 'severity', 'message', 'metadata'],
    properties: {
      id: { type: 'string', description: 'the cursor, <epoch>-<offset>; opaque' },
      timestamp: { type: 'number' },
      type: { enum: [...deps.registry.types] },
      severity: { enum: [...SEVERITIES] },
      message: { type: 'string' },
      metadata: { type: 'object' },
    },
  };
  schemas.Error = {
    type: 'object',
    required: ['error', 'message'],
    properties: {
      error: { type: 'string' },
      field: { type: 'string' },
      message: { type: 'string' },
      problems: { type: 'array', items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } } },
    },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'eventgate', version: '1', description: 'Typed system events fanned out, filtered and resumable, over SSE and WebSocket.' },
    paths: {
      '/api/events': {
        post: {
          summary: 'publish one event or a batch (all or nothing)',
          security: [{}, { bearer: [] }],
          requestBody: { required: true, content: json({ oneOf: [ref('NewEvent'), { type: 'array', minItems: 1, maxItems: deps.maxBatch, items: ref('NewEvent') }] }) },
          responses: {
            '202': {
              description: 'published; ids in the order of the events',
              content: json({ type: 'object', required: ['ids'], properties: { ids: { type: 'array', items: { type: 'string' } } } }),
            },
            '400': refusal('the body is not JSON'),
            '401': refusal('PUBLISH_TOKEN is set and the bearer token is missing or wrong'),
            '403': refusal('no token is configured and the client is not on loopback'),
            '413': refusal('the body or the batch is too large'),
            '415': refusal('the body is not application/json'),
            '422': refusal('the events break the schema; problems lists each, with its path'),
            '503': refusal('the store cannot take the events, or the gateway is draining'),
          },
        },
      },
      '/api/events/stream': {
        get: {
          summary: 'subscribe over Server-Sent Events',
          parameters: [
            ...FILTER_PARAMETERS,
            { name: 'Last-Event-ID', in: 'header', description: 'resume after this cursor (EventSource sends it on reconnect)', schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description: 'the stream: `id:` + `data:` per event (schema Event), named control events (gap, ready, dropped, overflow, shutdown)',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            '400': refusal('a bad subscription parameter'),
            '403': refusal('a browser origin that is not allowed'),
            '503': refusal('draining, or at MAX_SUBSCRIBERS'),
          },
        },
      },
      '/ws/events': {
        get: {
          summary: 'subscribe over WebSocket: one JSON text message per event (schema Event) or control message',
          parameters: FILTER_PARAMETERS,
          responses: {
            '101': { description: 'switching to WebSocket' },
            '400': refusal('a bad subscription parameter'),
            '403': refusal('a browser origin that is not allowed'),
            '426': refusal('not a WebSocket upgrade'),
          },
        },
      },
      '/api/events/stats': {
        get: {
          summary: 'totals, and per subscriber its filter, queue and lag',
          parameters: [{ name: 'limit', in: 'query', description: 'at most this many subscribers listed (default 1000)', schema: { type: 'integer', minimum: 0 } }],
          responses: { '200': { description: 'the statistics', content: json({ type: 'object' }) }, '400': refusal('a bad limit') },
        },
      },
      '/health': {
        get: {
          summary: 'whether the gateway can serve',
          responses: {
            '200': { description: 'serving', content: json({ type: 'object', properties: { status: { const: 'ok' }, backend: { type: 'object' } } }) },
            '503': { description: 'draining or the store is unreachable', content: json({ type: 'object' }) },
          },
        },
      },
      '/api/openapi.json': { get: { summary: 'this document', responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } } },
    },
    components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'PUBLISH_TOKEN' } } },
  };
}

export function openApiRoutes(app: Hono<any>, deps: OpenApiDeps): void {
  let doc: Json | undefined;
  app.get('/api/openapi.json', (c) => c.json((doc ??= openApiDocument(deps))));
}
