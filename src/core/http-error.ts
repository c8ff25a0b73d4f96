/**
 * Every refusal is a status code and a JSON body that names the field and
 * the problem: `{"error":"code","message":"...","field":"..."}`.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface ErrorBody {
  error: string;
  message: string;
  field?: string;
  problems?: { path: string; message: string }[];
}

export function jsonError(c: Context, status: ContentfulStatusCode, body: ErrorBody, headers?: Record<string, string>): Response {
  return c.json(body, status, headers);
}
