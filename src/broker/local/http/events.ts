/**
 * The delivery log: `GET /v2/events` (what the client calls, `{events}`) and `GET /v2/logs`
 * (openapi, `{logs}`), newest first; `cursor` is absent on the last page.
 * @module
 */

import { messageFilter } from "./filters.ts";
import { MESSAGE_ACTIVE, MESSAGE_ERROR, MESSAGE_IN_PROGRESS, MESSAGE_RETRY, type MessageState } from "../message/message.ts";
import { eventJson } from "./wire.ts";
import { queryInt, queryList, type RouteContext } from "./context.ts";
import type { BrokerEngine } from "../engine/engine.ts";

const IN_PROGRESS: MessageState[] = [MESSAGE_ACTIVE, MESSAGE_RETRY, MESSAGE_ERROR];

/** The page of log entries (LogEntry JSON) that a `/v2/events` query selects, and the cursor to the rest. */
export async function listEvents(engine: BrokerEngine, url: URL): Promise<{ entries: Record<string, unknown>[]; cursor?: string }> {
  const { filter } = messageFilter(url);
  const states = queryList(url, "state")?.flatMap((s) => (s === MESSAGE_IN_PROGRESS ? IN_PROGRESS : [s as MessageState]));
  const count = Math.min(1000, queryInt(url, "count") || 100);
  const cursor = url.searchParams.get("cursor");
  const before = cursor && /^\d+$/.test(cursor) ? Number(cursor) : undefined;
  const found = await engine.store.events.list({
    before,
    count: count + 1,
    filter: (e) => (!states || states.includes(e.state)) && filter(e.message, e.time),
  });
  const page = found.slice(0, count);
  const entries = await Promise.all(page.map(eventJson));
  return found.length > count ? { entries, cursor: String(page[page.length - 1].seq) } : { entries };
}

export function eventRoutes({ app, engine }: RouteContext): void {
  const list = (url: URL) => listEvents(engine, url);

  app.get("/v2/events", async (c) => {
    const { entries, cursor } = await list(new URL(c.req.url));
    return c.json(cursor ? { events: entries, cursor } : { events: entries });
  });

  app.get("/v2/logs", async (c) => {
    const { entries, cursor } = await list(new URL(c.req.url));
    return c.json(cursor ? { logs: entries, events: entries, cursor } : { logs: entries, events: entries });
  });
}
