/**
 * How `createWorker` takes schedules on: which schedules a worker has (the `schedules` option,
 * else the schedules exported beside the tasks of a module namespace), the overlap guard on the
 * registry, and the `POST /schedules/:name` trigger route plus the `ScheduleRunner`.
 * @module
 */
import type { Hono } from "hono";
import type { Broker } from "../broker/broker.ts";
import type { WorkerRuntime } from "../execution/runtime.ts";
import { Registry } from "../task/registry.ts";
import type { Verifier } from "../verify/verifier.ts";
import { guardOverlaps } from "./overlap.ts";
import { ScheduleRunner } from "../schedule/runner.ts";
import type { Schedule } from "../schedule/schedule.ts";
import { collectSchedules } from "../schedule/collect.ts";
import { triggerHandler } from "./schedule-route.ts";

/** How long an `overlap: "skip"` run holds its lock when the run has no time limit: 15 min 30 s. */
const OVERLAP_LOCK_MS = 930_000;

/** The worker's schedules: `explicit` when given, else those exported in a `tasks` module namespace. */
export function workerSchedules(explicit: Iterable<Schedule> | undefined, tasks: unknown): Schedule[] {
  if (explicit) return collectSchedules(explicit as Iterable<unknown>);
  if (!tasks || tasks instanceof Registry || Symbol.iterator in (tasks as object)) return [];
  return collectSchedules(tasks as Record<string, unknown>);
}

/** The registry with `overlap: "skip"` guards (reads the runtime when a run starts). */
export function guardRegistry(registry: Registry, schedules: readonly Schedule[], rt: () => WorkerRuntime): Registry {
  return guardOverlaps(registry, schedules, () => {
    const r = rt();
    return { backend: r.backend, now: r.now, resultExpiresMs: r.resultExpiresMs, defaultLockMs: OVERLAP_LOCK_MS, logger: r.logger };
  });
}

/** Mount `POST /schedules/:name` and return the runner (undefined without schedules). */
export function mountSchedules(
  app: Hono, rt: WorkerRuntime, schedules: readonly Schedule[],
  o: { broker: Broker; verifier: Verifier; publicUrl: string; maxBodyBytes: number },
): ScheduleRunner | undefined {
  if (!schedules.length) return undefined;
  for (const s of schedules) {
    if (!rt.registry.find(s.taskName)) rt.logger.warn(`schedule ${s.name}: task "${s.taskName}" is not registered with this worker; its runs go to the worker that has it, unguarded by overlap: "skip".`);
  }
  const runner = new ScheduleRunner(schedules, {
    broker: o.broker, backend: rt.backend, workerUrl: o.publicUrl, registry: rt.registry, now: rt.now, random: rt.random, logger: rt.logger,
  });
  app.post("/schedules/:name", triggerHandler({ runner, verifier: o.verifier, maxBodyBytes: o.maxBodyBytes }));
  return runner;
}
