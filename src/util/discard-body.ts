/**
 * Reading and dropping what is left of a request body. A server that answers before reading the
 * body (401, 413, a bad header) and leaves it unread gets its connection closed under the client
 * by @hono/node-server, which then sees "other side closed" instead of the answer; reading the
 * rest (bounded, nothing kept) lets the answer arrive. Runtime-neutral (Web streams only).
 * @module
 */

/** Read and drop the unread rest of `request`'s body, up to `maxBytes`; past that, cancel it. Never throws. */
export async function discardBody(request: Request, maxBytes: number): Promise<void> {
  // `bodyUsed` and `method` first: on @hono/node-server, touching `body` builds a full Request
  // (stream, abort signal) even for a body already read, a fifth of a delivery's CPU.
  if (request.bodyUsed || request.method === "GET" || request.method === "HEAD" || !request.body) return;
  try {
    const reader = request.body.getReader();
    let read = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
      if (read > maxBytes) return void (await reader.cancel());
    }
  } catch {
    // locked or already read by a limit check, or the client went away: nothing left to drop
  }
}
