/**
 * Publishing over HTTP, as any client does: no runtime behind it is assumed.
 */

/** Publishes through the HTTP API; returns status and parsed body. */
export async function publish(base: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const send = () =>
    fetch(`${base}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  // A pooled keep-alive socket to a server that was just restarted fails before
  // the request reaches anyone; a real client would retry, and so do we, once.
  const res = await send().catch((err) => {
    if ((err as { cause?: { code?: string } }).cause?.code === 'UND_ERR_SOCKET') return send();
    throw err;
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
