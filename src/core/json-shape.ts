/**
 * Checks that a value is plain JSON that can be stored and sent as it is:
 * nested at most `maxDepth` levels, made only of null, booleans, finite
 * numbers, strings, arrays and plain objects (an `undefined` member is
 * left out, as JSON.stringify does). It walks with its own stack, so a value
 * nested 100,000 levels deep is refused with its path instead of
 * overflowing the call stack, and a cyclic value is refused as too deep.
 */

/** Levels of nesting allowed in an event's metadata: the metadata object itself is level 1. */
export const MAX_METADATA_DEPTH = 32;

/** Longest key shown in a problem's path; longer ones are cut with an ellipsis. */
const PATH_KEY_CHARS = 64;

export interface ShapeProblem {
  /** Where, below the checked value (`.a.b[3]`). */
  path: string;
  message: string;
}

function segment(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  return `.${key.length > PATH_KEY_CHARS ? `${key.slice(0, PATH_KEY_CHARS)}…` : key}`;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The first problem found in `value`, or undefined when it is plain JSON within `maxDepth` levels. */
export function checkJsonShape(value: unknown, maxDepth: number): ShapeProblem | undefined {
  // Each entry: a value, its depth (1 for `value` itself), and its path.
  const stack: [unknown, number, string][] = [[value, 1, '']];
  while (stack.length) {
    const [v, depth, path] = stack.pop()!;
    switch (typeof v) {
      case 'string':
      case 'boolean':
      case 'undefined':
        continue;
      case 'number':
        if (!Number.isFinite(v)) return { path, message: `${v} is not a JSON number` };
        continue;
      case 'object':
        break;
      default:
        return { path, message: `a ${typeof v} is not a JSON value` };
    }
    if (v === null) continue;
    if (depth > maxDepth) return { path, message: `nested deeper than ${maxDepth} levels` };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], depth + 1, path + segment(i)]);
    } else if (isPlainObject(v)) {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) stack.push([(v as Record<string, unknown>)[keys[i]!], depth + 1, path + segment(keys[i]!)]);
    } else {
      return { path, message: `a ${(v as object).constructor?.name ?? 'non-plain'} object is not a JSON value` };
    }
  }
  return undefined;
}
