/**
 * The DLQ: list (filters, cursor), get, delete one (404 when gone) or many, retry.
 * A cursor is present only when more entries remain.
 * @module
 */

import { BrokerError } from "../../../errors.ts";
import { messageFilter } from "./filters.ts";
import { applyOverrides, configOfMessage } from "../message/message-config.ts";
import type { DlqEntry } from "../message/message.ts";
import { parsePublishConfig } from "../message/publish-config.ts";
import { dlqJson } from "./wire.ts";
import { queryInt, queryList, type RouteContext } from "./context.ts";
import type { BrokerEngine } from "../engine/engine.ts";

const cursorOf = (e: DlqEntry): string => `${e.failedAt}.${e.dlqId}`;
const before = (a: DlqEntry, b: DlqEntry): number => a.failedAt - b.failedAt || (a.dlqId < b.dlqId ? -1 : a.dlqId > b.dlqId ? 1 : 0);

/** The page of DLQ entries a `/v2/dlq` query selects, and the cursor to the rest. */
export async function selectDlq(engine: BrokerEngine, url: URL, maxCount: number): Promise<{ page: DlqEntry[]; cursor?: string }> {
  const all = (await engine.store.dlq.list()).sort(before);
  const ids = queryList(url, "dlqIds") ?? queryList(url, "dlqId");
  const statuses = queryList(url, "responseStatus")?.map(Number);
  const { filter } = messageFilter(url);
  const cursorText = url.searchParams.get("cursor");
  const cursor = cursorText ? parseCursor(cursorText) : undefined;
  const count = Math.min(maxCount, queryInt(url, "count") || maxCount);
  const matching = all.filter(
    (e) =>
      (!ids || ids.includes(e.dlqId)) &&
      (!statuses || statuses.includes(e.message.lastResponse?.status ?? -1)) &&
      filter(e.message, e.failedAt) &&
      (!cursor || before(e, cursor) > 0),
  );
  const page = matching.slice(0, count);
  return matching.length > count ? { page, cursor: cursorOf(page[page.length - 1]) } : { page };
}

function parseCursor(cursor: string): DlqEntry {
  const dot = cursor.indexOf(".");
  return { failedAt: Number(cursor.slice(0, dot)), dlqId: cursor.slice(dot + 1) } as DlqEntry;
}

/**
 * Publish each entry again as a new message (same body, headers and settings, `Upstash-*`
 * overrides from `headers` applied) and take it out of the DLQ; entries gone meanwhile are skipped.
 */
export async function retryDlqEntries(engine: BrokerEngine, entries: DlqEntry[], headers: Headers): Promise<{ messageId: string }[]> {
  const overrides = parsePublishConfig(headers);
  const responses: { messageId: string }[] = [];
  for (const e of entries) {
    const m = e.message;
    const config = applyOverrides(configOfMessage(m), headers, overrides);
    const msg = engine.createMessage(m.url, config, m.body, {
      queueName: m.queueName,
      topicName: m.topicName,
      endpointName: m.endpointName,
      scheduleId: m.scheduleId,
      callerIp: m.callerIp,
    });
    if (!(await engine.store.dlq.remove(e.dlqId))) continue;
    await engine.enqueue(msg);
    responses.push({ messageId: msg.id });
  }
  return responses;
}

export function dlqRoutes(ctx: RouteContext): void {
  const { app, engine } = ctx;

  app.get("/v2/dlq", async (c) => {
    const { page, cursor } = await selectDlq(engine, new URL(c.req.url), 100);
    const messages = await Promise.all(page.map(dlqJson));
    return c.json(cursor ? { messages, cursor } : { messages });
  });

  app.get("/v2/dlq/:id", async (c) => {
    const entry = await engine.store.dlq.get(c.req.param("id"));
    if (!entry) throw new BrokerError(`DLQ message ${c.req.param("id")} not found`, { status: 404 });
    return c.json(await dlqJson(entry));
  });

  app.delete("/v2/dlq/:id", async (c) => {
    if (!(await engine.store.dlq.remove(c.req.param("id")))) {
      throw new BrokerError(`DLQ message ${c.req.param("id")} not found: it was deleted or retried already`, { status: 404 });
    }
    return c.json({ deleted: 1 });
  });

  app.delete("/v2/dlq", async (c) => {
    const { page, cursor } = await selectDlq(engine, new URL(c.req.url), 1000);
    let deleted = 0;
    for (const e of page) if (await engine.store.dlq.remove(e.dlqId)) deleted++;
    return c.json(cursor ? { deleted, cursor } : { deleted });
  });

  const retry = (entries: DlqEntry[], headers: Headers) => retryDlqEntries(engine, entries, headers);

  app.post("/v2/dlq/retry", async (c) => {
    const { page, cursor } = await selectDlq(engine, new URL(c.req.url), 1000);
    const responses = await retry(page, c.req.raw.headers);
    return c.json(cursor ? { responses, cursor } : { responses });
  });

  app.post("/v2/dlq/retry/:id", async (c) => {
    const entry = await engine.store.dlq.get(c.req.param("id"));
    if (!entry) throw new BrokerError(`DLQ message ${c.req.param("id")} not found`, { status: 404 });
    const [response] = await retry([entry], c.req.raw.headers);
    if (!response) throw new BrokerError(`DLQ message ${c.req.param("id")} not found`, { status: 404 });
    return c.json(response);
  });
}
