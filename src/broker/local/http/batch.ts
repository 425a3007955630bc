/**
 * `POST /v2/batch`: a JSON array of `{destination, headers, body?, queue?}`; the answer has one
 * element per item (a nested array for a URL group, `{"error"}` for an item that failed).
 * @module
 */

import { BrokerError } from "../../../errors.ts";
import { isValidName, parseDestination } from "../message/destination.ts";
import type { MessagePublished } from "../engine/engine.ts";
import { HeaderMap, headerValue } from "../../../util/header-map.ts";
import { parsePublishConfig } from "../message/publish-config.ts";
import { publishTo } from "../engine/publish.ts";
import type { RouteContext } from "./context.ts";
import { bodyTooLarge } from "./app.ts";

interface BatchItem {
  destination?: unknown;
  headers?: unknown;
  body?: unknown;
  queue?: unknown;
}

const encoder = new TextEncoder();

/** A batch item's headers as `Headers` would read them (names lower-cased, values trimmed, repeats joined), without building one. */
function itemHeaders(raw: unknown): HeaderMap {
  const map = new HeaderMap();
  if (!raw || typeof raw !== "object") return map;
  for (const name in raw as Record<string, unknown>) {
    try {
      map.append(name, headerValue(name, String((raw as Record<string, unknown>)[name])));
    } catch (err) {
      throw new BrokerError(`invalid batch item: ${(err as Error).message}`, { status: 400 });
    }
  }
  return map;
}

export function batchRoutes({ app, engine }: RouteContext): void {
  app.post("/v2/batch", async (c) => {
    let items: unknown;
    try {
      items = await c.req.json();
    } catch {
      throw new BrokerError("invalid batch: the body must be a JSON array of {destination, headers, body, queue}", { status: 400 });
    }
    if (!Array.isArray(items)) throw new BrokerError("invalid batch: the body must be a JSON array", { status: 400 });
    const results: (MessagePublished | MessagePublished[] | { error: string })[] = [];
    for (const raw of items as BatchItem[]) {
      try {
        if (typeof raw !== "object" || raw === null || typeof raw.destination !== "string") {
          throw new BrokerError("invalid batch item: destination (a string) is required", { status: 400 });
        }
        const config = parsePublishConfig(itemHeaders(raw.headers));
        const body = typeof raw.body === "string" ? encoder.encode(raw.body) : new Uint8Array(0);
        if (body.byteLength > engine.options.maxBodyBytes) {
          throw new BrokerError(bodyTooLarge("the message body", engine.options.maxBodyBytes, body.byteLength), { status: 413 });
        }
        let queueName: string | undefined;
        if (raw.queue !== undefined && raw.queue !== null && raw.queue !== "") {
          if (typeof raw.queue !== "string" || !isValidName(raw.queue)) throw new BrokerError(`invalid queue name "${String(raw.queue)}"`, { status: 400 });
          queueName = raw.queue;
          await engine.gates.ensureQueue(queueName);
        }
        results.push(await publishTo(engine, parseDestination(raw.destination), config, body, queueName ? { queueName } : {}));
      } catch (err) {
        if (!(err instanceof BrokerError)) throw err;
        results.push({ error: err.message });
      }
    }
    return c.json(results, 201);
  });
}
