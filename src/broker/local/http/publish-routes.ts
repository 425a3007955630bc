/**
 * `POST /v2/publish/{destination}` and `POST /v2/enqueue/{queue}/{destination}`.
 * @module
 */

import { BrokerError } from "../../../errors.ts";
import { isValidName, parseDestination, rawTarget } from "../message/destination.ts";
import type { MessagePublished } from "../engine/engine.ts";
import { parsePublishConfig } from "../message/publish-config.ts";
import { publishTo } from "../engine/publish.ts";
import type { Context } from "hono";
import { type RouteContext, requestHeaders } from "./context.ts";

/** The answer: an object for a URL, an array for a URL group; 202 when deduplicated. */
export function publishResponse(c: Context, result: MessagePublished | MessagePublished[]): Response {
  const dedup = Array.isArray(result) ? result.length > 0 && result.every((r) => r.deduplicated) : result.deduplicated;
  return c.json(result, dedup ? 202 : 201);
}

export function publishRoutes({ app, engine }: RouteContext): void {
  app.post("/v2/publish/*", async (c) => {
    const target = rawTarget(c.req.url, "/v2/publish/");
    const destination = parseDestination(target.destination);
    const config = parsePublishConfig(requestHeaders(c), target.config);
    const body = new Uint8Array(await c.req.arrayBuffer());
    return publishResponse(c, await publishTo(engine, destination, config, body));
  });

  app.post("/v2/enqueue/*", async (c) => {
    const target = rawTarget(c.req.url, "/v2/enqueue/");
    const slash = target.destination.indexOf("/");
    const queueName = slash < 0 ? target.destination : target.destination.slice(0, slash);
    if (!isValidName(queueName)) {
      throw new BrokerError(`invalid queue name "${queueName}": use letters, digits, "-", "_" and "."`, { status: 400 });
    }
    const destination = parseDestination(slash < 0 ? "" : target.destination.slice(slash + 1));
    const config = parsePublishConfig(requestHeaders(c), target.config);
    const body = new Uint8Array(await c.req.arrayBuffer());
    await engine.gates.ensureQueue(queueName);
    return publishResponse(c, await publishTo(engine, destination, config, body, { queueName }));
  });
}
