/**
 * The registry of event types: each type's metadata schema. It starts with
 * the six built-in types; an embedding application registers its own.
 */
import * as v from 'valibot';
import { BUILTIN_SCHEMAS } from './schemas.ts';

export type MetadataSchema = v.GenericSchema<unknown, Record<string, unknown>>;

export class EventRegistry {
  readonly #schemas = new Map<string, MetadataSchema>();

  /** Registers (or replaces) a type. Type names are `[a-z][a-z0-9_]*`, at most 64 characters. */
  register(type: string, metadata: MetadataSchema): this {
    if (!/^[a-z][a-z0-9_]{0,63}$/.test(type)) {
      throw new Error(`eventgate: event type "${type}" must match [a-z][a-z0-9_]* (at most 64 characters)`);
    }
    this.#schemas.set(type, metadata);
    return this;
  }

  has(type: string): boolean {
    return this.#schemas.has(type);
  }

  schema(type: string): MetadataSchema | undefined {
    return this.#schemas.get(type);
  }

  get types(): string[] {
    return [...this.#schemas.keys()];
  }
}

/** A registry holding the six built-in types. */
export function defaultRegistry(): EventRegistry {
  const r = new EventRegistry();
  for (const [type, schema] of Object.entries(BUILTIN_SCHEMAS)) r.register(type, schema as MetadataSchema);
  return r;
}
