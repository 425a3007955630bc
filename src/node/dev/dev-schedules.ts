/**
 * Schedules in `celeriac dev`: the dev server syncs the schedules exported by the functions
 * module into its own local broker's schedules API (the same `celeriac.<name>` schedules as on
 * QStash), so the broker fires them at the worker's `/schedules/<name>`, exactly the production
 * QStash path. Ticks missed while the dev server was stopped are not replayed.
 * @module
 */
import type { Broker } from "../../broker/broker.ts";
import type { Logger } from "../../util/logger.ts";
import { Registry } from "../../task/registry.ts";
import type { Schedule } from "../../schedule/schedule.ts";
import { collectSchedules } from "../../schedule/collect.ts";
import { syncSchedules } from "../../schedule/sync.ts";

/** The schedules beside the tasks given as a record (a module namespace); none for a registry or an array. (A path: see `loadFunctions`.) */
export async function devSchedules(tasks: unknown): Promise<Schedule[]> {
  if (tasks instanceof Registry || typeof tasks !== "object" || tasks === null) return [];
  return collectSchedules(tasks as Record<string, unknown> | Iterable<unknown>);
}

/** Create the schedules in the local broker (and delete stale `celeriac.*` ones) and log them. */
export async function syncDevSchedules(broker: Broker, schedules: readonly Schedule[], workerUrl: string, logger: Logger): Promise<void> {
  const report = await syncSchedules(broker, schedules, workerUrl);
  for (const s of schedules) {
    logger.info(`schedule ${s.name}: ${s.cron}${s.tz === "UTC" ? "" : ` (${s.tz})`} → ${s.taskName}, next ${new Date(s.clock.next(Date.now()) ?? 0).toISOString()}`);
  }
  if (report.changes.some((c) => c.action === "deleted")) logger.info(`schedules: deleted stale ${report.changes.filter((c) => c.action === "deleted").map((c) => c.scheduleId).join(", ")}`);
}
