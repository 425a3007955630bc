/**
 * The broker's HTTP surface: a Hono app serving `/v2/...`, with bearer (or `?qstash_token=`)
 * auth and `{"error": "..."}` bodies for every failure.
 * @module
 */

import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { discardBody } from "../../../util/discard-body.ts";
import { hasName } from "../../../errors.ts";
import type { BrokerEngine } from "../engine/engine.ts";
import type { RouteContext } from "./context.ts";

/** A route module. */
export type Routes = (ctx: RouteContext) => void;

/** Up to this many times `maxBodyBytes` of an unread body is read and dropped before answering; past it the connection closes. */
const DISCARD_FACTOR = 16;

/** A batch request may be this many times `maxBodyBytes` (each message in it at most `maxBodyBytes`). */
export const BATCH_BODY_FACTOR = 10;

/** The 413 message for a body over `maxBytes`. */
export function bodyTooLarge(what: string, maxBytes: number, size?: number): string {
  return `${what}${size === undefined ? "" : ` of ${size} bytes`} is larger than the broker's ${maxBytes}-byte limit: send large data by reference (a URL or a storage key), or start the broker with a larger limit ("celeriac broker --max-body-bytes 5mb", or maxBodyBytes).`;
}

/** Build the app; `token` is the bearer every request must carry. */
export function createBrokerApp(engine: BrokerEngine, token: string, routes: readonly Routes[], ready: Promise<void>): Hono {
  const app = new Hono();
  const max = engine.options.maxBodyBytes;
  // A request answered before its body was read (401, a bad header, 413) has the rest read and
  // dropped, so that a client still sending gets the answer instead of a closed connection.
  app.use("*", async (c, next) => {
    await next();
    await discardBody(c.req.raw, max * DISCARD_FACTOR);
  });
  app.use("/v2/*", async (c, next) => {
    await ready;
    const auth = c.req.header("authorization");
    const given = auth?.startsWith("Bearer ") ? auth.slice(7).trim() : new URL(c.req.url).searchParams.get("qstash_token");
    if (given !== token) {
      return c.json({ error: given ? "invalid token: use the broker's QSTASH_TOKEN" : "missing Authorization: Bearer <QSTASH_TOKEN> header (or ?qstash_token=)" }, 401);
    }
    await next();
  });
  const limit = (maxSize: number, what: string): MiddlewareHandler => {
    const tooLarge = (c: Context) => c.json({ error: bodyTooLarge(what, maxSize) }, 413);
    const counting = bodyLimit({ maxSize, onError: tooLarge });
    // A declared length is judged from the header alone, as bodyLimit would, but without touching
    // `body`: on @hono/node-server that builds a full Request (stream, abort signal) per publish.
    return async (c, next) => {
      if (c.req.method === "GET" || c.req.method === "HEAD") return next(); // no body to limit
      const declared = c.req.header("content-length");
      if (declared === undefined || c.req.header("transfer-encoding") !== undefined || !/^\d+$/.test(declared)) return counting(c, next);
      if (Number(declared) > maxSize) return tooLarge(c);
      await next();
    };
  };
  for (const path of ["/v2/publish/*", "/v2/enqueue/*", "/v2/schedules/*"]) app.use(path, limit(max, "the message body"));
  app.use("/v2/batch", limit(max * BATCH_BODY_FACTOR, "the batch request"));
  for (const r of routes) r({ app, engine });
  app.notFound((c) => c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path}` }, 404));
  app.onError((err, c) => {
    if (hasName(err, "BrokerError") && typeof (err as { status?: unknown }).status === "number") {
      return c.json({ error: err.message }, (err as unknown as { status: 400 }).status);
    }
    if (err instanceof SyntaxError) return c.json({ error: `malformed request: ${err.message}` }, 400);
    engine.options.onError(err);
    return c.json({ error: `internal broker error: ${err instanceof Error ? err.message : String(err)}` }, 500);
  });
  return app;
}
