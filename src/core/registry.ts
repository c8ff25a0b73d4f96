/**
 * The registry of event types: each type's metadata schema. It starts with
 * the six built-in types; an embedding application registers its own.
 */
import type * as v from 'valibot';
import { BUILTIN_SCHEMAS, SEVERITIES, type Severity } from './schemas.ts';
import { inferSeverity } from './severity.ts';

export type MetadataSchema = v.GenericSchema<unknown, Record<string, unknown>>;

/** The severity of an event of this type when its publisher gives none (its metadata already validated). */
export type SeverityRule = (metadata: Record<string, unknown>) => Severity;

export interface TypeOptions {
  /** Default: the built-in rules for the built-in types (severity.ts), `info` for others. */
  severity?: SeverityRule;
}

export class EventRegistry {
  readonly #schemas = new Map<string, MetadataSchema>();
  readonly #severity = new Map<string, SeverityRule>();

  /** Registers (or replaces) a type. Type names are `[a-z][a-z0-9_]*`, at most 64 characters. */
  register(type: string, metadata: MetadataSchema, options: TypeOptions = {}): this {
    if (!/^[a-z][a-z0-9_]{0,63}$/.test(type)) {
      throw new Error(`eventgate: event type "${type}" must match [a-z][a-z0-9_]* (at most 64 characters)`);
    }
    this.#schemas.set(type, metadata);
    if (options.severity) this.#severity.set(type, options.severity);
    else this.#severity.delete(type);
    return this;
  }

  /** The severity for an event published without one: the type's rule, else the built-in rules. */
  severity(type: string, metadata: Record<string, unknown>): Severity {
    const rule = this.#severity.get(type);
    if (!rule) return inferSeverity(type, metadata);
    const s = rule(metadata);
    if (!SEVERITIES.includes(s)) throw new Error(`eventgate: the severity rule of type "${type}" returned ${JSON.stringify(s)}, not one of ${SEVERITIES.join(', ')}`);
    return s;
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
