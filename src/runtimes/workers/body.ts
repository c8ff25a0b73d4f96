/**
 * The Worker reads a request body before handing it to the hub, keeping at
 * most one byte past MAX_BODY_BYTES. The hub then never answers while the
 * client is still sending: on workerd, a body forwarded as a stream and left
 * unread by an early answer (413) is read again after that answer was sent,
 * which breaks the client's connection ("Can't read from request stream
 * after response has been sent") instead of delivering the 413; and a body
 * abandoned half-read breaks the next request on the same keep-alive
 * connection. So the rest of an oversized body is read and thrown away (up
 * to DISCARD_MAX), and the hub gets it cut at limit + 1 bytes: the same 413
 * as on every runtime. A slow upload also costs the Worker, not the hub.
 */

/** Past this, an oversized body is abandoned rather than read to its end. */
const DISCARD_MAX = 64 * 1024 * 1024;

export async function readCapped(body: ReadableStream<Uint8Array>, cap: number): Promise<Uint8Array<ArrayBuffer>> {
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let kept = 0;
  let seen = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    seen += value.byteLength;
    if (kept <= cap) {
      const part = value.byteLength > cap + 1 - kept ? value.subarray(0, cap + 1 - kept) : value;
      parts.push(part);
      kept += part.byteLength;
    }
    if (seen > DISCARD_MAX) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  const out = new Uint8Array(kept);
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.byteLength);
  return out;
}
