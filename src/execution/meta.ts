/**
 * Builders of stored metas (Celery's layout) for each state an attempt can write.
 * @module
 */
import type { TaskMeta } from "../backend/backend.ts";
import type { Envelope } from "../task/envelope.ts";
import type { AnyTask } from "../task/task.ts";
import { isReady, type State } from "../states.ts";
import { toExceptionInfo } from "../backend/result-view.ts";

/** The common part of every meta of this message. */
export function baseMeta(env: Envelope, state: State, result: unknown, now: number, extra: Partial<TaskMeta> = {}): TaskMeta {
  return {
    task_id: env.id,
    status: state,
    result: result ?? null,
    traceback: null,
    children: [],
    date_done: isReady(state) ? new Date(now).toISOString() : null,
    name: env.task,
    input: env.argsrepr ?? env.input,
    retries: env.retries,
    parent_id: env.parentId,
    root_id: env.rootId,
    group_id: env.groupId,
    queue: env.queue ?? null,
    ...extra,
  };
}

/** A meta holding an error (FAILURE, RETRY, REVOKED). */
export function errorMeta(env: Envelope, state: State, error: unknown, now: number, extra: Partial<TaskMeta> = {}): TaskMeta {
  const { info, traceback } = toExceptionInfo(error);
  return { ...baseMeta(env, state, info, now, extra), traceback };
}

/** The envelope with what its sender left to the task filled in (call > task): `ignoreResult`, `queue`. */
export function withTaskDefaults(env: Envelope, task: AnyTask): Envelope {
  const o = task.options;
  return { ...env, ignoreResult: env.ignoreResult ?? o.ignoreResult, queue: env.queue ?? o.queue };
}

/** Whether this message stores its result, and whether it stores its errors (`storeErrorsEvenIfIgnored`). */
export function storesOf(env: Envelope, task: AnyTask): { result: boolean; errors: boolean } {
  const result = !(env.ignoreResult ?? task.options.ignoreResult);
  return { result, errors: result || task.options.storeErrorsEvenIfIgnored };
}
