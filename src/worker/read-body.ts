/**
 * Read a request body as text with a size limit, refusing oversized bodies before reading them
 * when `Content-Length` says so.
 * @module
 */

const decoder = new TextDecoder();

function tooLarge(n: number | string, maxBytes: number): { error: string } {
  return { error: `Body of ${n} bytes is larger than the ${maxBytes}-byte limit. Send large data by reference (a URL or a storage key), or raise maxBodyBytes.` };
}

/** The body text, or an error saying it was too large. */
export async function readBody(req: Request, maxBytes: number): Promise<string | { error: string }> {
  const header = req.headers.get("content-length");
  const declared = header === null ? NaN : Number(header);
  if (declared > maxBytes) return tooLarge(declared, maxBytes);
  if (Number.isSafeInteger(declared) && declared >= 0) {
    // A declared length within the limit: read the body whole. Runtimes do this without building
    // a stream (@hono/node-server reads the socket directly), which is the broker deliveries'
    // common case. The length is checked again in case the header did not match the body.
    const bytes = new Uint8Array(await req.arrayBuffer());
    return bytes.byteLength > maxBytes ? tooLarge(bytes.byteLength, maxBytes) : decoder.decode(bytes);
  }
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
      return tooLarge(`more than ${maxBytes}`, maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return decoder.decode(chunks[0]);
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return decoder.decode(all);
}
