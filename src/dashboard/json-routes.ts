/**
 * The dashboard's data as JSON under `<path>/api/` (bearer token or session): what the pages
 * show, for scripts and the CLI (`celeriac inspect`, `dlq`, `revoke`, `purge`, `events`), and
 * the same actions as the pages' forms. Same sources, same cost.
 * @module
 */
import type { Hono } from "hono";
import { toResultView } from "../backend/result-view.ts";
import type { BrokerLogEntry } from "../broker/broker.ts";
import { ConfigError } from "../errors.ts";
import { isReady } from "../states.ts";
import type { DashboardEnv, DashboardKit } from "./app.ts";
import { purgePending, replayDlq, revokeTask } from "./model/actions.ts";
import type { TaskRow } from "./model/source.ts";
import { readEnvelope } from "./model/tasks.ts";

/** A task row as JSON. */
function rowJson(r: TaskRow) {
  const newest = r.trace?.messages[r.trace.messages.length - 1];
  return {
    id: r.id, name: r.name, state: r.state, running: r.running, retries: r.retries,
    sentAt: r.trace?.envelope.sentAt ?? null, updatedAt: r.trace ? new Date(r.trace.lastAt).toISOString() : null,
    dateDone: r.meta?.date_done ?? null, messageId: newest?.messageId ?? null, brokerState: r.trace?.last.state ?? null,
    eta: newest?.envelope.eta ?? null,
    ...(r.progress ? { progress: r.progress } : {}),
  };
}

/** A broker log entry as an event: the message's state change, and the task it carries. */
function eventJson(e: BrokerLogEntry) {
  const envelope = readEnvelope(e.body);
  return {
    time: new Date(e.time).toISOString(), state: e.state, messageId: e.messageId,
    taskId: envelope?.id ?? null, task: envelope?.task ?? null, retries: envelope?.retries ?? null, url: e.url,
    ...(e.queueName ? { queue: e.queueName } : {}), ...(e.responseStatus ? { responseStatus: e.responseStatus } : {}),
    ...(e.error ? { error: e.error } : {}), ...(e.nextDeliveryTime ? { nextDeliveryTime: new Date(e.nextDeliveryTime).toISOString() } : {}),
  };
}

export function jsonRoutes(app: Hono<DashboardEnv>, kit: DashboardKit): void {
  const { source } = kit;
  const fail = (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) });
  const status = (error: unknown) => (error instanceof ConfigError ? 501 : 502);

  app.get("/api/tasks", async (c) => {
    try {
      const states = c.req.queries("state");
      const limit = Math.min(500, Number(c.req.query("limit")) || 100);
      const list = await source.tasks({ name: c.req.query("name"), states, search: c.req.query("q"), limit, cursor: c.req.query("cursor") });
      return c.json({ tasks: list.rows.map(rowJson), scanned: list.scanned, ...(list.cursor ? { cursor: list.cursor } : {}) });
    } catch (error) {
      return c.json(fail(error), 502);
    }
  });

  app.get("/api/tasks/:id", async (c) => {
    const d = await source.task(c.req.param("id")).catch((error: unknown) => error as Error);
    if (d instanceof Error) return c.json(fail(d), 502);
    if (!d) return c.json({ error: `No task ${c.req.param("id")} in the broker's log or the results.` }, 404);
    const view = d.meta ? toResultView(d.id, d.meta) : undefined;
    return c.json({
      ...rowJson(d),
      input: d.envelope ? d.envelope.argsrepr ?? d.envelope.input : d.meta?.input,
      parentId: d.envelope?.parentId ?? d.meta?.parent_id ?? null,
      ...(view && "result" in view ? { result: view.result } : {}),
      ...(view?.error ? { error: view.error } : view?.info !== undefined ? { info: view.info } : {}),
      attempts: d.attempts,
      children: d.children.map(rowJson),
      dlq: d.dlq.map((e) => e.dlqId),
    });
  });

  app.post("/api/tasks/:id/revoke", async (c) => {
    const id = c.req.param("id");
    try {
      const detail = await source.task(id);
      const cancelled = await revokeTask(source, id, detail?.trace);
      return c.json({ ...toResultView(id, await source.ctx.rt.backend.getMeta(id)), cancelledMessageId: cancelled ?? null });
    } catch (error) {
      return c.json(fail(error), status(error));
    }
  });

  // Tasks waiting at the broker for their eta, countdown or next retry (Celery's `inspect scheduled`).
  app.get("/api/waiting", async (c) => {
    try {
      const now = kit.now();
      const list = await source.tasks({ limit: 500 });
      const waiting = list.rows.filter((r) => !r.running && !isReady(r.state) && Date.parse(rowJson(r).eta ?? "") > now);
      return c.json({ tasks: waiting.map(rowJson), scanned: list.scanned });
    } catch (error) {
      return c.json(fail(error), status(error));
    }
  });

  app.get("/api/events", async (c) => {
    try {
      const fromDate = Number(c.req.query("fromDate"));
      const cursor = c.req.query("cursor");
      const page = await source.events({ count: Math.min(1000, Math.max(1, Number(c.req.query("count")) || 100)), ...(fromDate > 0 ? { fromDate } : {}), ...(cursor ? { cursor } : {}) });
      return c.json({ events: page.items.map(eventJson), ...(page.cursor ? { cursor: page.cursor } : {}) });
    } catch (error) {
      return c.json(fail(error), status(error));
    }
  });

  app.post("/api/purge", async (c) => {
    try {
      const purged = await purgePending(source, { queue: c.req.query("queue") || undefined, maxEntries: kit.settings.figuresEntries });
      return c.json(purged);
    } catch (error) {
      return c.json(fail(error), status(error));
    }
  });

  app.post("/api/dlq/:dlqId/retry", async (c) => {
    const dlqId = c.req.param("dlqId");
    try {
      if (!source.broker.listDlq || !source.broker.deleteDlq || !source.broker.retryDlq) throw new ConfigError("This broker has no DLQ API.");
      const replayed = await replayDlq(source, dlqId);
      if (!replayed) return c.json({ error: `No DLQ entry ${dlqId}: it was retried or deleted already.` }, 404);
      return c.json({ dlqId, taskId: replayed.taskId ?? null, messageId: replayed.messageId ?? null });
    } catch (error) {
      return c.json(fail(error), status(error));
    }
  });

  app.delete("/api/dlq/:dlqId", async (c) => {
    const dlqId = c.req.param("dlqId");
    try {
      if (!source.broker.deleteDlq) throw new ConfigError("This broker has no DLQ API.");
      if (!(await source.broker.deleteDlq(dlqId))) return c.json({ error: `No DLQ entry ${dlqId}: it was retried or deleted already.` }, 404);
      return c.json({ dlqId, deleted: true });
    } catch (error) {
      return c.json(fail(error), status(error));
    }
  });

  app.get("/api/dlq", async (c) => {
    try {
      const page = await source.dlq(c.req.query("cursor"));
      return c.json({ messages: page.rows.map(({ entry, envelope }) => ({ ...entry, task: envelope ? { id: envelope.id, name: envelope.task, retries: envelope.retries } : null })), ...(page.cursor ? { cursor: page.cursor } : {}) });
    } catch (error) {
      return c.json(fail(error), 502);
    }
  });

  app.get("/api/schedules", async (c) => {
    try {
      const rows = await source.schedules(kit.now());
      return c.json({
        schedules: rows.map((r) => ({
          name: r.name, task: r.schedule?.taskName ?? null, cron: r.schedule?.cron ?? r.broker?.cron ?? null, tz: r.schedule?.tz ?? null,
          overlap: r.schedule?.overlap ?? null, misfire: r.schedule?.misfire ?? null, paused: r.broker?.isPaused ?? false,
          next: r.next ? new Date(r.next).toISOString() : null, last: r.last ? new Date(r.last).toISOString() : null,
          lastTaskId: r.lastTaskId ?? null, lastState: r.lastState ?? null, brokerScheduleId: r.broker?.scheduleId ?? null,
        })),
      });
    } catch (error) {
      return c.json(fail(error), 502);
    }
  });

  app.get("/api/queues", async (c) => {
    try {
      return c.json({ queues: await source.queues() });
    } catch (error) {
      return c.json(fail(error), 502);
    }
  });

  app.get("/api/figures", async (c) => {
    try {
      return c.json(await source.figures(kit.now()));
    } catch (error) {
      return c.json(fail(error), 502);
    }
  });
}
