/**
 * Read a request body as text with a size limit, refusing oversized bodies before reading them
 * when `Content-Length` says so.
 * @module
 */

/** The body text, or an error saying it was too large. */
export async function readBody(req: Request, maxBytes: number): Promise<string | { error: string }> {
  const tooLarge = (n: number | string) => ({
    error: `Body of ${n} bytes is larger than the ${maxBytes}-byte limit. Send large data by reference (a URL or a storage key), or raise maxBodyBytes.`,
  });
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) return tooLarge(declared);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return tooLarge(`more than ${maxBytes}`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return new TextDecoder().decode(chunks[0]);
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}
