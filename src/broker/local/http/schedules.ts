/**
 * Schedules: create (`Upstash-Cron`, optional `Upstash-Schedule-Id` replacing an existing one),
 * get, list, delete, pause and resume (PATCH, as the client sends, or POST, as openapi says).
 * @module
 */

import { BrokerError } from "../../../errors.ts";
import { headerMap } from "../message/canonical.ts";
import { parseCron } from "../message/cron.ts";
import { isValidName, parseDestination, rawTarget } from "../message/destination.ts";
import { parsePublishConfig } from "../message/publish-config.ts";
import type { ScheduleRecord } from "../message/records.ts";
import type { BrokerScheduleFirer } from "../engine/schedule-firer.ts";
import { putBody } from "./wire.ts";
import { type RouteContext, requestHeaders } from "./context.ts";

/** The Schedule object the client parses. */
export function scheduleJson(s: ScheduleRecord): Record<string, unknown> {
  const c = s.config;
  const out: Record<string, unknown> = { scheduleId: s.scheduleId, cron: s.cron, createdAt: s.createdAt, destination: s.destination, method: c.method };
  if (Object.keys(c.headers).length) out.header = headerMap(c.headers);
  putBody(out, "body", s.body);
  out.retries = c.retries ?? 3;
  if (c.delayMs) out.delay = Math.round(c.delayMs / 1000);
  if (c.callback) out.callback = c.callback;
  if (c.failureCallback) out.failureCallback = c.failureCallback;
  if (s.callerIp) out.callerIp = out.callerIP = s.callerIp;
  out.isPaused = s.isPaused;
  if (c.queueName) out.queueName = c.queueName;
  if (c.flowControl) {
    out.flowControlKey = c.flowControl.key;
    if (c.flowControl.parallelism !== undefined) out.parallelism = c.flowControl.parallelism;
    if (c.flowControl.rate !== undefined) out.rate = c.flowControl.rate;
    out.period = c.flowControl.periodSec ?? 1;
  }
  if (c.retryDelay) out.retryDelayExpression = c.retryDelay;
  if (c.labels?.length) {
    out.label = c.labels[0];
    out.labels = c.labels;
  }
  if (c.timeoutMs !== undefined) out.timeout = Math.round(c.timeoutMs / 1000);
  if (s.lastScheduleTime !== undefined) out.lastScheduleTime = s.lastScheduleTime;
  if (s.nextScheduleTime !== undefined) out.nextScheduleTime = s.nextScheduleTime;
  if (s.lastScheduleStates && Object.keys(s.lastScheduleStates).length) out.lastScheduleStates = s.lastScheduleStates;
  return out;
}

export function scheduleRoutes({ app, engine }: RouteContext, runner: BrokerScheduleFirer): void {
  const find = async (id: string): Promise<ScheduleRecord> => {
    const s = await engine.store.schedules.get(id);
    if (!s) throw new BrokerError(`schedule "${id}" not found`, { status: 404 });
    return s;
  };

  app.post("/v2/schedules/*", async (c, next) => {
    const target = rawTarget(c.req.url, "/v2/schedules/");
    // /v2/schedules/{id}/pause|resume (POST per openapi) is not a create.
    if (/^[A-Za-z0-9._-]+\/(pause|resume)$/.test(target.destination)) return next();
    const config = parsePublishConfig(requestHeaders(c), target.config);
    if (!config.cron) throw new BrokerError("missing Upstash-Cron header: a schedule needs a cron expression like */5 * * * *", { status: 400 });
    parseCron(config.cron);
    if (config.scheduleId !== undefined && !isValidName(config.scheduleId)) {
      throw new BrokerError(`invalid Upstash-Schedule-Id "${config.scheduleId}": use letters, digits, "-", "_" and "."`, { status: 400 });
    }
    if (config.queueName !== undefined && !isValidName(config.queueName)) {
      throw new BrokerError(`invalid Upstash-Queue-Name "${config.queueName}"`, { status: 400 });
    }
    const destination = parseDestination(target.destination);
    const body = new Uint8Array(await c.req.arrayBuffer());
    const { cron, scheduleId: customId, ...stored } = config;
    const scheduleId = customId ?? engine.ids.scheduleId();
    const record: ScheduleRecord = {
      scheduleId,
      cron,
      destination: destination.kind === "url" ? destination.url : destination.name,
      createdAt: engine.now(),
      isPaused: false,
      config: stored,
      body,
      nextScheduleTime: runner.firstTrigger(cron),
    };
    await engine.store.schedules.put(record);
    await engine.store.schedules.setStates(scheduleId, {});
    runner.changed();
    return c.json({ scheduleId }, 201);
  });

  app.get("/v2/schedules", async (c) => c.json((await engine.store.schedules.list()).map(scheduleJson)));
  app.get("/v2/schedules/:id", async (c) => c.json(scheduleJson(await find(c.req.param("id")))));
  app.delete("/v2/schedules/:id", async (c) => {
    if (!(await engine.store.schedules.remove(c.req.param("id")))) throw new BrokerError(`schedule "${c.req.param("id")}" not found`, { status: 404 });
    runner.changed();
    return c.text("");
  });

  for (const action of ["pause", "resume"] as const) {
    const handler = async (c: { req: { param(n: string): string }; text(t: string): Response }) => {
      const s = await find(c.req.param("id"));
      const paused = action === "pause";
      if (s.isPaused !== paused) {
        await engine.store.schedules.put({ ...s, isPaused: paused, nextScheduleTime: paused ? s.nextScheduleTime : runner.firstTrigger(s.cron) });
        runner.changed();
      }
      return c.text("");
    };
    app.patch(`/v2/schedules/:id/${action}`, handler);
    app.post(`/v2/schedules/:id/${action}`, handler);
  }
}
