/**
 * What the dashboard shows and does, on the real stack (local broker over HTTP, the official
 * QStash client as the worker's broker, results in real Redis through the bridge): the task list
 * from the broker's log, filters and search, a task's timeline, progress, traceback, parent and
 * children, revoke, send again, the send form's errors, DLQ replay, schedules, queues, figures.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chain, signature } from "../../src/canvas/index.ts";
import { syncSchedules } from "../../src/schedule/sync.ts";
import { QStashBroker } from "../../src/broker/qstash.ts";
import { requireRedis } from "../backend/redis-env.ts";
import { waitFor } from "../support/wait.ts";
import { type DashboardStack, echoSchedule, startDashboardStack } from "./dashboard-stack.ts";

const redisUp = await requireRedis();

describe("dashboard on the real stack", () => {
  let s: DashboardStack;
  let cookie: string;
  const api = async (path: string) => {
    const res = await s.get(`/api${path}`, cookie);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { tasks?: Record<string, unknown>[] } };
  };
  const page = async (path: string) => (await s.get(path, cookie)).text();
  const stateOf = async (id: string) => (await api(`/tasks/${id}`)).body.state;

  beforeAll(async () => {
    s = await startDashboardStack({ backend: redisUp ? "redis" : "memory" });
    cookie = await s.signIn();
  });
  afterAll(async () => {
    await s?.close();
  });

  it("lists recent tasks from the broker's log with their stored state, filters by name and state, and finds one by id", async () => {
    const echo = await s.client.send("dash_echo", { text: "hello", n: 1 });
    await echo.get({ timeoutMs: 10_000 });
    const progress = await s.client.send("dash_progress", { steps: 1 });
    await progress.get({ timeoutMs: 10_000 });
    const all = (await api("/tasks")).body.tasks!;
    expect(all.find((t) => t.id === echo.id)).toMatchObject({ name: "dash_echo", state: "SUCCESS", retries: 0, brokerState: "DELIVERED" });
    expect(all.find((t) => t.id === progress.id)).toMatchObject({ name: "dash_progress", state: "SUCCESS", retries: 1 });
    const echoes = (await api("/tasks?name=dash_echo")).body.tasks!;
    expect(echoes.length).toBeGreaterThan(0);
    expect(echoes.every((t) => t.name === "dash_echo")).toBe(true);
    expect((await api("/tasks?state=SUCCESS")).body.tasks!.every((t) => t.state === "SUCCESS")).toBe(true);
    expect((await api("/tasks?state=FAILURE")).body.tasks!.some((t) => t.id === echo.id)).toBe(false);
    const list = await page("/tasks?name=dash_echo");
    expect(list).toContain(`data-id="${echo.id}"`);
    expect(list).not.toContain(`data-id="${progress.id}"`);
    const found = await s.get(`/tasks?q=${echo.id}`, cookie);
    expect(found.status).toBe(303);
    expect(found.headers.get("location")).toBe(`/dashboard/tasks/${echo.id}`);
    const prefix = await page(`/tasks?q=${echo.id.slice(0, 8)}`);
    expect(prefix).toContain(`data-id="${echo.id}"`);
  });

  it("shows a task's attempts: the first retried by the worker, the retry acknowledged, with its progress and result", async () => {
    const r = await s.client.send("dash_progress", { steps: 2 });
    await r.get({ timeoutMs: 10_000 });
    const { body } = await api(`/tasks/${r.id}`);
    expect(body).toMatchObject({ state: "SUCCESS", retries: 1, result: { steps: 2 }, input: { steps: 2 } });
    const attempts = body.attempts as { retries: number; outcome: string; steps: { kind: string }[] }[];
    expect(attempts.map((a) => [a.retries, a.outcome])).toEqual([[0, "retried"], [1, "acked"]]);
    expect(attempts[0].steps.map((x) => x.kind)).toEqual(["sent", "delivered", "retried"]);
    expect(attempts[1].steps.map((x) => x.kind)).toEqual(["queued", "delivered", "acked"]);
    const html = await page(`/tasks/${r.id}`);
    expect(html).toContain("First attempt");
    expect(html).toContain("Retry 1");
    expect(html).toContain("Acknowledged: SUCCESS");
  });

  it("shows a failure's exception and traceback, lists it in the DLQ, and a replay runs it again to SUCCESS", async () => {
    s.knobs.failing = true;
    const r = await s.client.send("dash_replayable", { order: "o-42" });
    await waitFor(async () => (await stateOf(r.id)) === "FAILURE", { what: "FAILURE" });
    const detail = await page(`/tasks/${r.id}`);
    expect(detail).toContain("<b>TypeError</b>: card declined for o-42");
    expect(detail).toMatch(/<pre class="code traceback">TypeError: card declined for o-42\n\s+at /);
    expect(detail).toContain("Failed: moved to the dead-letter queue");
    expect(detail).toContain("Replay from the DLQ");
    const dlq = (await api("/dlq")).body.messages as { dlqId: string; task: { id: string } | null; responseStatus: number }[];
    const entry = dlq.find((m) => m.task?.id === r.id)!;
    expect(entry.responseStatus).toBe(489);
    expect(await page("/dlq")).toContain(`data-dlq="${entry.dlqId}"`);

    s.knobs.failing = false;
    const replay = await s.post(`/dlq/${encodeURIComponent(entry.dlqId)}/replay`, cookie);
    expect(replay.status).toBe(303);
    expect(replay.headers.get("location")).toBe(`/dashboard/tasks/${r.id}?done=replayed`);
    await waitFor(async () => (await stateOf(r.id)) === "SUCCESS", { what: "the replayed task to succeed" });
    const after = (await api(`/tasks/${r.id}`)).body;
    expect(after).toMatchObject({ result: { charged: "o-42" }, retries: 1, dlq: [] });
    expect((after.attempts as { outcome: string }[]).map((a) => a.outcome)).toEqual(["failed", "acked"]);
    expect(((await api("/dlq")).body.messages as { dlqId: string }[]).some((m) => m.dlqId === entry.dlqId)).toBe(false);
    // A second click finds the entry gone.
    expect((await s.post(`/dlq/${encodeURIComponent(entry.dlqId)}/replay`, cookie)).headers.get("location")).toBe("/dashboard/dlq?done=gone");
  });

  it("revokes a pending task: REVOKED stored and its broker message cancelled", async () => {
    const r = await s.client.send("dash_echo", { text: "later", n: 1 }, { countdown: 600 });
    await waitFor(async () => (await stateOf(r.id)) === "PENDING");
    expect(await page(`/tasks/${r.id}`)).toContain(`action="/dashboard/tasks/${r.id}/revoke"`);
    const res = await s.post(`/tasks/${r.id}/revoke`, cookie);
    expect(res.headers.get("location")).toBe(`/dashboard/tasks/${r.id}?done=revoked`);
    const body = (await api(`/tasks/${r.id}`)).body;
    expect(body).toMatchObject({ state: "REVOKED", brokerState: "CANCELED" });
    expect(await page(`/tasks/${r.id}`)).not.toContain("/revoke\"");
  });

  it("sends a task again with the same input, as a new task", async () => {
    const first = await s.client.send("dash_echo", { text: "again", n: 2 });
    await first.get({ timeoutMs: 10_000 });
    const res = await s.post(`/tasks/${first.id}/resend`, cookie);
    const id = /\/tasks\/([^?]+)\?done=resent$/.exec(res.headers.get("location") ?? "")?.[1];
    expect(id).toBeDefined();
    expect(id).not.toBe(first.id);
    expect(await s.client.result(id!).get({ timeoutMs: 10_000 })).toBe("again");
    expect((await api(`/tasks/${id}`)).body.input).toEqual({ text: "again", n: 2 });
  });

  it("prefills the send form from the JSON Schema, and shows bad JSON and every schema issue whole, keeping the input", async () => {
    const form = await page("/send?task=dash_echo");
    expect(form).toContain(`<textarea id="input" name="input" rows="10" spellcheck="false">{\n  &quot;text&quot;: &quot;&quot;,\n  &quot;n&quot;: 0\n}</textarea>`);
    const progress = await page("/send?task=dash_progress");
    expect(progress).toContain("&quot;steps&quot;: 3");
    const bad = await s.post("/send", cookie, { task: "dash_echo", input: '{"text": "x",' });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain("The input is not valid JSON; nothing was sent.");
    expect(badHtml).toContain("{&quot;text&quot;: &quot;x&quot;,</textarea>");
    const invalid = await s.post("/send", cookie, { task: "dash_echo", input: '{"text": 5, "n": -1}' });
    expect(invalid.status).toBe(422);
    const issues = await invalid.text();
    expect(issues).toContain("does not match task &quot;dash_echo&quot;&#39;s schema");
    expect(issues).toMatch(/<li><code>text<\/code>: [^<]*expected string[^<]*<\/li>/i);
    expect(issues).toMatch(/<li><code>n<\/code>: [^<]*&gt;=0<\/li>/i);
    const ok = await s.post("/send", cookie, { task: "dash_echo", input: '{"text": "sent from the form", "n": 3}' });
    expect(ok.status).toBe(303);
    const id = /\/tasks\/([^?]+)\?done=sent$/.exec(ok.headers.get("location") ?? "")![1];
    expect(await s.client.result(id).get({ timeoutMs: 10_000 })).toBe("sent from the form");
  });

  it("shows parent and children", async () => {
    const parent = await s.client.send("dash_parent", { children: 2 });
    await parent.get({ timeoutMs: 10_000 });
    const body = await waitFor(async () => {
      const b = (await api(`/tasks/${parent.id}`)).body;
      return (b.children as unknown[]).length === 2 && b;
    });
    const children = body.children as { id: string; name: string }[];
    expect(children.map((c) => c.name)).toEqual(["dash_echo", "dash_echo"]);
    expect((await api(`/tasks/${children[0].id}`)).body.parentId).toBe(parent.id);
    expect(await page(`/tasks/${children[0].id}`)).toContain(`href="/dashboard/tasks/${parent.id}"`);
  });

  it("shows a chain's previous step as the parent and the next as a child", async () => {
    const step = (n: number) => signature("dash_echo", { text: `step ${n}`, n }, { immutable: true });
    const last = await s.client.send(chain(step(0), step(1)));
    await last.get({ timeoutMs: 10_000 });
    const parentId = (await last.view()).parentId!;
    expect(parentId).toBeTruthy();
    const body = await waitFor(async () => {
      const b = (await api(`/tasks/${parentId}`)).body;
      return (b.children as unknown[]).length === 1 && b;
    });
    expect((body.children as { id: string }[])[0].id).toBe(last.id);
    expect(await page(`/tasks/${last.id}`)).toContain(`href="/dashboard/tasks/${parentId}"`);
  });

  it("shows a schedule's cron, time zone, next run and overlap policy, in code and at the broker", async () => {
    const now = Date.now();
    const before = (await api("/schedules")).body.schedules as Record<string, unknown>[];
    expect(before).toEqual([expect.objectContaining({ name: "dash_echo_every_10m", cron: "*/10 * * * *", tz: "Europe/Berlin", overlap: "skip", brokerScheduleId: null })]);
    await syncSchedules(new QStashBroker({ token: s.broker.token, baseUrl: s.brokerUrl }), [echoSchedule], s.workerUrl);
    const after = ((await api("/schedules")).body.schedules as Record<string, unknown>[])[0];
    expect(after).toMatchObject({ brokerScheduleId: "celeriac.dash_echo_every_10m", paused: false });
    const next = Date.parse(after.next as string);
    expect(next).toBe(echoSchedule.clock.next(now));
    expect(next - now).toBeLessThanOrEqual(600_000);
    const html = await page("/schedules");
    expect(html).toContain('data-schedule="dash_echo_every_10m"');
    expect(html).toContain(`<time datetime="${new Date(next).toISOString()}"`);
    expect(html).toContain("Europe/Berlin");
  });

  it("shows queues with their lag", async () => {
    const { messageId } = await new QStashBroker({ token: s.broker.token, baseUrl: s.brokerUrl }).publish({ url: `${s.workerUrl}/tasks/dash_echo`, body: "{}", queue: "dash-q", delaySec: 600 });
    const queues = (await api("/queues")).body.queues as Record<string, unknown>[];
    expect(queues.find((q) => q.name === "dash-q")).toMatchObject({ name: "dash-q", parallelism: 1, lag: 1, paused: false });
    expect(await page("/queues")).toContain("dash-q");
    await s.broker.direct.cancel(messageId);
  });

  it("computes the last hour's figures per task from the broker's log: throughput, failures, retries, latency", async () => {
    const fig = (await api("/figures")).body as { all: Record<string, number>; tasks: Record<string, unknown>[]; complete: boolean };
    expect(fig.complete).toBe(true);
    const byName = Object.fromEntries(fig.tasks.map((t) => [t.name, t]));
    expect(byName.dash_echo).toMatchObject({ failed: 0 });
    expect((byName.dash_echo as { acked: number }).acked).toBeGreaterThan(3);
    expect((byName.dash_replayable as { failed: number }).failed).toBe(1);
    expect((byName.dash_progress as { retries: number }).retries).toBe(2);
    expect((byName.dash_progress as { retryRate: number }).retryRate).toBe(0.5);
    expect((byName.dash_echo as { runP50: number }).runP50).toBeGreaterThanOrEqual(0);
    const html = await page("/figures");
    expect(html).toContain('<svg class="chart bars"');
    expect(html).toContain("dash_replayable");
  });

  it("answers 404 for an id nobody knows, and the live parts refresh without the page shell", async () => {
    expect((await s.get("/tasks/nobody-knows-this", cookie)).status).toBe(404);
    const live = await page("/tasks?live=1");
    expect(live.trimStart().startsWith('<p class="counts">')).toBe(true);
    expect(live).toContain("<tbody><tr data-id=");
    expect(live).not.toContain("<html");
  });
});
