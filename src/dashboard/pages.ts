/**
 * The dashboard's pages and forms. Each page renders whole, or only its live part when asked
 * with `?live=1` (what the page's script fetches to refresh it). Actions answer 303 back to a page.
 * @module
 */
import type { Context, Hono } from "hono";
import { html } from "hono/html";
import { ConfigError } from "../errors.ts";
import { describeTask } from "../worker/api.ts";
import { replayDlq, resendTask, revokeTask, sendFromForm } from "./model/actions.ts";
import type { DashboardEnv, DashboardKit } from "./app.ts";
import { exampleOf } from "./model/example.ts";
import { dlqRows, dlqView } from "./views/dlq-view.ts";
import { figuresBody, figuresView } from "./views/figures-view.ts";
import type { Html } from "./views/format.ts";
import { notice } from "./views/layout.ts";
import { queueRows, queuesView } from "./views/queues-view.ts";
import { scheduleRows, schedulesView } from "./views/schedules-view.ts";
import { type SendChoice, sendView } from "./views/send-view.ts";
import { taskBody, taskView } from "./views/task-view.ts";
import { FILTER_STATES, taskList, tasksView } from "./views/tasks-view.ts";

type C = Context<DashboardEnv>;

/** Notices an action leaves for the page it returns to (`?done=<key>`). */
const DONE: Record<string, string> = {
  revoked: "Revoked: the task will not run, and its pending message was cancelled.",
  sent: "Sent.",
  resent: "Sent again as a new task.",
  replayed: "Replayed: the message was published again as the task's next attempt.",
  retried: "Sent again by the broker.",
  deleted: "Deleted from the dead-letter queue.",
  gone: "That entry is gone: it was replayed or deleted already.",
};

/** The live URL of this request: the same page with `live=1`. */
function liveUrl(c: C): string {
  const url = new URL(c.req.url);
  url.searchParams.delete("done");
  url.searchParams.set("live", "1");
  return `${url.pathname}?${url.searchParams}`;
}

const isLive = (c: C) => c.req.query("live") !== undefined;

function doneNotice(c: C): Html | undefined {
  const text = DONE[c.req.query("done") ?? ""];
  return text ? notice("ok", text) : undefined;
}

/** A page whose data failed to load: the reason, in the page (a broker without the API, the broker unreachable). */
function failed(kit: DashboardKit, c: C, title: string, section: string, error: unknown) {
  const message = error instanceof Error ? error.message : String(error);
  if (isLive(c)) return c.text(message, error instanceof ConfigError ? 501 : 502);
  return kit.render(c, { title, section }, html`<section class="head"><h1>${title}</h1></section>${notice("error", message)}`, error instanceof ConfigError ? 501 : 502);
}

export function pageRoutes(app: Hono<DashboardEnv>, kit: DashboardKit): void {
  const { source, settings } = kit;
  const base = settings.path;
  const rt = source.ctx.rt;

  app.get("/tasks", async (c) => {
    const state = FILTER_STATES.includes(c.req.query("state") ?? "") ? c.req.query("state") : undefined;
    const name = rt.registry.find(c.req.query("name") ?? "") ? c.req.query("name") : undefined;
    const q = c.req.query("q")?.trim() || undefined;
    try {
      const list = await source.tasks({ name, states: state ? [state] : undefined, search: q, limit: 100, cursor: c.req.query("cursor") });
      if (q && !isLive(c) && (list.rows.length === 0 || list.rows.some((r) => r.id === q))) return c.redirect(`${base}/tasks/${encodeURIComponent(q)}`, 303);
      if (isLive(c)) return c.html(taskList(list.rows, base, kit.now(), { name }));
      return kit.render(c, { title: "Tasks", section: "tasks" }, tasksView({
        base, rows: list.rows, names: rt.registry.names(), now: kit.now(), scanned: list.scanned, filter: { state, name, q },
        cursor: list.cursor, liveUrl: liveUrl(c),
      }));
    } catch (error) {
      return failed(kit, c, "Tasks", "tasks", error);
    }
  });

  app.get("/tasks/:id", async (c) => {
    const id = c.req.param("id");
    try {
      const detail = await source.task(id);
      if (!detail) {
        if (isLive(c)) return c.text("not found", 404);
        return kit.render(c, { title: "Task not found", section: "tasks" }, html`<section class="head"><h1>Task not found</h1></section>${notice("error", html`Neither the broker's log nor the results know a task <code>${id}</code>. Results expire (1 day by default) and the log keeps recent entries only.`)}`, 404);
      }
      if (isLive(c)) return c.html(taskBody(detail, base, kit.now()));
      return kit.render(c, { title: `${detail.name} ${id}`, section: "tasks" }, taskView(detail, base, kit.now(), liveUrl(c), doneNotice(c)));
    } catch (error) {
      return failed(kit, c, "Task", "tasks", error);
    }
  });

  app.post("/tasks/:id/revoke", async (c) => {
    const id = c.req.param("id");
    const detail = await source.task(id);
    await revokeTask(source, id, detail?.trace);
    return c.redirect(`${base}/tasks/${encodeURIComponent(id)}?done=revoked`, 303);
  });

  app.post("/tasks/:id/resend", async (c) => {
    const detail = await source.task(c.req.param("id"));
    if (!detail?.trace) return c.json({ error: "The broker's log no longer holds this task's message, so its input is unknown." }, 404);
    const id = await resendTask(source, detail.trace);
    return c.redirect(`${base}/tasks/${encodeURIComponent(id)}?done=resent`, 303);
  });

  app.get("/dlq", async (c) => {
    try {
      const page = await source.dlq(c.req.query("cursor"));
      if (isLive(c)) return c.html(dlqRows(page.rows, base, kit.now()));
      return kit.render(c, { title: "Dead letters", section: "dlq" }, dlqView({ ...page, base, now: kit.now(), liveUrl: liveUrl(c), notice: doneNotice(c) }));
    } catch (error) {
      return failed(kit, c, "Dead letters", "dlq", error);
    }
  });

  app.post("/dlq/:dlqId/replay", async (c) => {
    if (!source.broker.listDlq || !source.broker.deleteDlq || !source.broker.retryDlq) return failed(kit, c, "Dead letters", "dlq", new ConfigError("This broker has no DLQ API."));
    const replayed = await replayDlq(source, c.req.param("dlqId"));
    if (!replayed) return c.redirect(`${base}/dlq?done=gone`, 303);
    if (replayed.taskId) return c.redirect(`${base}/tasks/${encodeURIComponent(replayed.taskId)}?done=replayed`, 303);
    return c.redirect(`${base}/dlq?done=retried`, 303);
  });

  app.post("/dlq/:dlqId/delete", async (c) => {
    if (!source.broker.deleteDlq) return failed(kit, c, "Dead letters", "dlq", new ConfigError("This broker has no DLQ API."));
    const deleted = await source.broker.deleteDlq(c.req.param("dlqId"));
    return c.redirect(`${base}/dlq?done=${deleted ? "deleted" : "gone"}`, 303);
  });

  app.get("/schedules", async (c) => {
    try {
      const rows = await source.schedules(kit.now());
      if (isLive(c)) return c.html(scheduleRows(rows, base, kit.now()));
      return kit.render(c, { title: "Schedules", section: "schedules" }, schedulesView({ rows, base, now: kit.now(), liveUrl: liveUrl(c) }));
    } catch (error) {
      return failed(kit, c, "Schedules", "schedules", error);
    }
  });

  app.get("/queues", async (c) => {
    try {
      const queues = await source.queues();
      if (isLive(c)) return c.html(queueRows(queues));
      return kit.render(c, { title: "Queues", section: "queues" }, queuesView({ queues, tasks: [...rt.registry], base, liveUrl: liveUrl(c) }));
    } catch (error) {
      return failed(kit, c, "Queues", "queues", error);
    }
  });

  app.get("/figures", async (c) => {
    try {
      const fig = await source.figures(kit.now());
      if (isLive(c)) return c.html(figuresBody(fig, base));
      return kit.render(c, { title: "Figures", section: "figures" }, figuresView(fig, base, liveUrl(c)));
    } catch (error) {
      return failed(kit, c, "Figures", "figures", error);
    }
  });

  const choices = (): SendChoice[] =>
    rt.registry.names().map((n) => {
      const d = describeTask(rt.registry.get(n));
      return { name: n, description: d.description, schema: d.input };
    });

  app.get("/send", (c) => {
    const all = choices();
    const selected = all.find((x) => x.name === c.req.query("task")) ?? all[0];
    const input = selected ? JSON.stringify(exampleOf(selected.schema), null, 2) : "";
    return kit.render(c, { title: "Send a task", section: "send" }, sendView({ base, choices: all, selected, input }));
  });

  app.post("/send", async (c) => {
    const form = await c.req.parseBody();
    const name = typeof form.task === "string" ? form.task : "";
    const input = typeof form.input === "string" ? form.input : "";
    const countdown = Number(form.countdown) > 0 ? Number(form.countdown) : undefined;
    const sent = await sendFromForm(source, name, input, countdown);
    if (sent.ok) return c.redirect(`${base}/tasks/${encodeURIComponent(sent.id)}?done=sent`, 303);
    const all = choices();
    return kit.render(c, { title: "Send a task", section: "send" }, sendView({ base, choices: all, selected: all.find((x) => x.name === name), input, error: sent.error, issues: sent.issues }), sent.status);
  });
}
