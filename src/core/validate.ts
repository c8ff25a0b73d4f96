/**
 * Validation of published events at the edge: a body is one event or an
 * array of them. Every problem is reported with its path (`[1].metadata.query_id`)
 * and nothing of a batch with a problem is accepted.
 */
import * as v from 'valibot';
import type { NewEvent } from './event.ts';
import { checkJsonShape, MAX_METADATA_DEPTH } from './json-shape.ts';
import type { EventRegistry } from './registry.ts';
import { SEVERITIES, type Severity } from './schemas.ts';

export interface Problem {
  path: string;
  message: string;
}

export type Validated = { ok: true; events: NewEvent[] } | { ok: false; problems: Problem[] };

const ALLOWED_KEYS = new Set(['type', 'severity', 'message', 'metadata', 'timestamp']);
export const MAX_MESSAGE_LENGTH = 4096;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Metadata keys that valibot's object schemas leave out of their output (so
 * that no prototype is ever set from data). eventgate keeps them as the
 * plain data they are in the published JSON: own properties, stored and
 * delivered like any other key, and matched by `meta.<key>` filters.
 */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** Puts back the prototype-named keys of `input` that a schema's output left out, as own data properties. */
function keepPrototypeKeys(input: Record<string, unknown>, output: Record<string, unknown>): Record<string, unknown> {
  for (const key of PROTOTYPE_KEYS) {
    if (Object.hasOwn(input, key) && !Object.hasOwn(output, key)) {
      Object.defineProperty(output, key, { value: input[key], enumerable: true, writable: true, configurable: true });
    }
  }
  return output;
}

function issuePath(issue: v.BaseIssue<unknown>): string {
  let out = '';
  for (const item of issue.path ?? []) {
    const key = item.key;
    out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  }
  return out;
}

/**
 * Checks metadata against its type's schema; first its shape (plain JSON,
 * at most MAX_METADATA_DEPTH levels), so that nothing after, the schema or
 * the serialisation when it is stored, can overflow the stack.
 */
function validateMetadata(input: Record<string, unknown>, schema: v.GenericSchema, at: string, problems: Problem[]): Record<string, unknown> | undefined {
  const shape = checkJsonShape(input, MAX_METADATA_DEPTH);
  if (shape) {
    problems.push({ path: at + shape.path, message: shape.message });
    return undefined;
  }
  const result = v.safeParse(schema, input);
  if (result.success) return keepPrototypeKeys(input, result.output as Record<string, unknown>);
  for (const issue of result.issues) {
    const sub = issuePath(issue);
    const what = issue.input === undefined ? 'required' : `expected ${issue.expected ?? 'a valid value'}, got ${describe(issue.input)}`;
    problems.push({ path: at + sub, message: issue.type === 'object' || issue.input !== undefined ? what : 'required field is missing' });
  }
  return undefined;
}

/** Validates one event; `at` is its path prefix (`[3]` in a batch, empty alone). */
export function validateEvent(input: unknown, registry: EventRegistry, at: string, problems: Problem[], now: number): NewEvent | undefined {
  const p = (field: string) => (at && field ? `${at}.${field}` : at || field);
  const before = problems.length;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    problems.push({ path: at || '$', message: `expected an event object, got ${describe(input)}` });
    return undefined;
  }
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!ALLOWED_KEYS.has(key)) problems.push({ path: p(key), message: `unknown field (allowed: ${[...ALLOWED_KEYS].join(', ')})` });
  }
  const type = o.type;
  const schema = typeof type === 'string' ? registry.schema(type) : undefined;
  if (typeof type !== 'string') problems.push({ path: p('type'), message: `required string, got ${describe(type)}` });
  else if (!schema) problems.push({ path: p('type'), message: `unknown type "${type}" (known: ${registry.types.join(', ')})` });

  if (typeof o.message !== 'string') problems.push({ path: p('message'), message: `required string, got ${describe(o.message)}` });
  else if (o.message.length === 0) problems.push({ path: p('message'), message: 'must not be empty' });
  else if (o.message.length > MAX_MESSAGE_LENGTH) problems.push({ path: p('message'), message: `longer than ${MAX_MESSAGE_LENGTH} characters` });

  if (o.severity !== undefined && !SEVERITIES.includes(o.severity as Severity)) {
    problems.push({ path: p('severity'), message: `must be one of ${SEVERITIES.join(', ')}` });
  }
  if (o.timestamp !== undefined && !(typeof o.timestamp === 'number' && Number.isFinite(o.timestamp) && o.timestamp > 0)) {
    problems.push({ path: p('timestamp'), message: 'must be a positive number of Unix seconds' });
  }

  let metadata: Record<string, unknown> | undefined;
  if (typeof o.metadata !== 'object' || o.metadata === null || Array.isArray(o.metadata)) {
    problems.push({ path: p('metadata'), message: `required object, got ${describe(o.metadata)}` });
  } else if (schema) {
    metadata = validateMetadata(o.metadata as Record<string, unknown>, schema, p('metadata'), problems);
  }
  if (problems.length > before || !metadata) return undefined;
  return {
    timestamp: (o.timestamp as number | undefined) ?? now,
    type: type as string,
    severity: (o.severity as Severity | undefined) ?? registry.severity(type as string, metadata),
    message: o.message as string,
    metadata,
  };
}

/** Validates a parsed body: one event or a non-empty array of them. */
export function validateBody(body: unknown, registry: EventRegistry, now = Date.now() / 1000): Validated {
  const problems: Problem[] = [];
  if (Array.isArray(body)) {
    if (body.length === 0) return { ok: false, problems: [{ path: '$', message: 'empty batch' }] };
    const events: NewEvent[] = [];
    body.forEach((item, i) => {
      const e = validateEvent(item, registry, `[${i}]`, problems, now);
      if (e) events.push(e);
    });
    return problems.length ? { ok: false, problems } : { ok: true, events };
  }
  const e = validateEvent(body, registry, '', problems, now);
  return e && !problems.length ? { ok: true, events: [e] } : { ok: false, problems };
}
