/**
 * The worker side of `overlap: "skip"`: when a scheduled run starts, it takes the schedule's
 * lock (`schedule:<name>`, one `acquireLock`), held for the run and released when the attempt
 * ends (one `releaseLock`), expiring after `lockTimeout` if the worker dies. A run that finds the
 * lock held does not run: it is stored REVOKED ("skipped") and acknowledged.
 *
 * The check happens at execution, so it holds whichever engine published the run. It applies
 * to messages whose `schedule` names a skip schedule of this task; the same task sent by hand
 * runs unguarded. A retry of a scheduled run takes the lock again, so it is skipped if the next
 * tick is running meanwhile.
 * @module
 */
import type { Backend, TaskMeta } from "../backend/backend.ts";
import { hasName, TaskRevokedError } from "../errors.ts";
import { toExceptionInfo } from "../backend/result-view.ts";
import type { TaskContext } from "../task/context.ts";
import type { Logger } from "../util/logger.ts";
import { REVOKED } from "../states.ts";
import { Registry } from "../task/registry.ts";
import type { AnyTask } from "../task/task.ts";
import type { Schedule } from "../schedule/schedule.ts";

/** What the guard needs from the worker, read when a run starts. */
export interface GuardDeps {
  backend: Backend;
  now: () => number;
  resultExpiresMs: number;
  /** Lock TTL for tasks without a time limit (the worker's default lease). */
  defaultLockMs: number;
  logger: Logger;
}

/** The margin added to a task's time limit to make the lock TTL. */
const LOCK_MARGIN_MS = 30_000;

/** The lock key of a schedule. */
export function scheduleLockKey(s: Schedule): string {
  return `schedule:${s.name}`;
}

/** How long a run's lock lives if never released. */
export function lockTtlMs(s: Schedule, task: AnyTask, defaultLockMs: number): number {
  if (s.lockTimeoutMs !== undefined) return s.lockTimeoutMs;
  const limit = task.options.timeLimitMs;
  return limit !== undefined ? limit + LOCK_MARGIN_MS : defaultLockMs;
}

/** A registry whose tasks targeted by `skip` schedules take the schedule lock on scheduled runs. */
export function guardOverlaps(registry: Registry, schedules: readonly Schedule[], deps: () => GuardDeps): Registry {
  const skip = schedules.filter((s) => s.overlap === "skip");
  if (!skip.length) return registry;
  const guarded = new Registry();
  for (const task of registry) {
    const mine = new Map(skip.filter((s) => s.taskName === task.name).map((s) => [s.name, s]));
    guarded.add(mine.size ? withGuard(task, mine, deps) : task);
  }
  return guarded;
}

function withGuard(task: AnyTask, schedules: Map<string, Schedule>, deps: () => GuardDeps): AnyTask {
  const inner = task.handler;
  const handler = async (input: unknown, ctx: TaskContext<unknown>) => {
    const s = ctx.request.schedule ? schedules.get(ctx.request.schedule.name) : undefined;
    if (s) {
      const d = deps();
      const ttlMs = lockTtlMs(s, task, d.defaultLockMs);
      try {
        await ctx.lock(scheduleLockKey(s), { timeout: `${ttlMs}ms` });
      } catch (error) {
        if (!hasName(error, "LockNotAcquiredError")) throw error;
        throw await skipped(d, task, ctx, s);
      }
    }
    return await inner(input, ctx);
  };
  return { ...task, handler };
}

async function skipped(d: GuardDeps, task: AnyTask, ctx: TaskContext<unknown>, s: Schedule): Promise<TaskRevokedError> {
  const r = ctx.request;
  const error = new TaskRevokedError(
    `Skipped: the previous run of schedule "${s.name}" still holds its lock (overlap: "skip"); tick ${r.schedule?.tick} did not run.`,
  );
  d.logger.info(`${task.name}[${r.id}]: ${error.message}`);
  if (!task.options.ignoreResult) {
    const meta: TaskMeta = {
      task_id: r.id, status: REVOKED, result: toExceptionInfo(error).info, traceback: null, children: [],
      date_done: new Date(d.now()).toISOString(), name: task.name, input: r.argsrepr ?? ctx.input, retries: r.retries,
      parent_id: r.parentId, root_id: r.rootId, group_id: r.groupId,
    };
    await d.backend.storeMeta(meta, d.resultExpiresMs);
  }
  return error;
}
