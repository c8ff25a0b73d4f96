/**
 * The Worker's environment as the string record loadConfig reads. wrangler
 * [vars] may hold numbers or booleans (`HISTORY_SIZE = 100`); bindings
 * (objects) are not configuration and are left out.
 */
export function envRecord(env: Record<string, unknown>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}
