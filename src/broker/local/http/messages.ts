/**
 * `GET /v2/messages/{id}`, `DELETE /v2/messages/{id}` and bulk `DELETE /v2/messages?…`.
 * Cancel answers JSON `{"cancelled": n}` (the client parses it).
 * @module
 */

import { BrokerError } from "../../../errors.ts";
import { messageFilter } from "./filters.ts";
import { messageJson } from "./wire.ts";
import type { RouteContext } from "./context.ts";

const notFound = (id: string): BrokerError => new BrokerError(`message ${id} not found: it was delivered, failed (see the DLQ) or never existed`, { status: 404 });

export function messageRoutes({ app, engine }: RouteContext): void {
  app.get("/v2/messages/:id", async (c) => {
    const id = c.req.param("id");
    const msg = await engine.findMessage(id);
    if (!msg) throw notFound(id);
    return c.json(await messageJson(msg));
  });

  app.delete("/v2/messages/:id", async (c) => {
    const id = c.req.param("id");
    if (!(await engine.cancel(id))) throw notFound(id);
    return c.json({ cancelled: 1 });
  });

  app.delete("/v2/messages", async (c) => {
    const url = new URL(c.req.url);
    const { filter } = messageFilter(url);
    let cancelled = 0;
    for (const msg of await engine.store.messages.list()) {
      if (filter(msg, msg.createdAt) && (await engine.cancel(msg.id))) cancelled++;
    }
    return c.json({ cancelled });
  });
}
