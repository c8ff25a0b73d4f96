/**
 * Secrets out of log lines, whatever a caller passed: the value of an
 * `access_token` query parameter, of an Authorization header (`Bearer x`,
 * `Basic x`), and of any field whose name says it holds a secret (token,
 * authorization, password, secret, cookie) are replaced by `[redacted]`,
 * at any depth of a field's value.
 */
const REDACTED = '[redacted]';
const SECRET_KEY = /token|authorization|password|secret|cookie|api[_-]?key/i;

/** access_token=..., Bearer ..., Basic ..., and user:password@ in URLs. */
export function redactText(s: string): string {
  if (!/token|bearer|basic|@/i.test(s)) return s;
  return s
    .replace(/(access_token=)[^&\s"'#]*/gi, `$1${REDACTED}`)
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`)
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@\s/]+@/gi, `$1${REDACTED}@`);
}

function redactValue(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return redactText(v);
  if (depth > 4 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => redactValue(x, depth + 1));
  if (v instanceof Error) return redactText(v.message);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = SECRET_KEY.test(k) && x !== null && x !== undefined && typeof x !== 'boolean' ? REDACTED : redactValue(x, depth + 1);
  return out;
}

export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  return redactValue(fields, 0) as Record<string, unknown>;
}
