/**
 * One normalized view of a stored result, shared by `AsyncResult`, the results API and the
 * dashboard: Celery's meta (snake_case, exception layout) becomes `{ state, result, error, info }`.
 * @module
 */
import type { ExceptionInfo, TaskMeta } from "./backend.ts";
import { EXCEPTION_STATES, PENDING, type State, SUCCESS } from "../states.ts";
import { fromCeleryTuple } from "../canvas/freeze.ts";

/** A stored error, readable. */
export interface ErrorView {
  type: string;
  message: string;
  stack?: string;
  data?: unknown;
}

/** The JSON shape of `GET /api/results/:id`. */
export interface ResultView {
  id: string;
  state: State;
  name?: string;
  /** The return value, when SUCCESS. */
  result?: unknown;
  /** The error, for FAILURE, RETRY and REVOKED. */
  error?: ErrorView;
  /** Progress meta for custom states (e.g. PROGRESS), the error for exception states. */
  info?: unknown;
  retries: number;
  dateDone: string | null;
  input?: unknown;
  /** The queue it was sent to. */
  queue?: string;
  /** The task that sent this one (a chain's previous step, or the task that called `ctx.send`). */
  parentId?: string;
  /** What this task sent (Celery's `children`): task ids, and group ids for groups. */
  children?: string[];
}

// Errors Python Celery knows by these names in `celery.exceptions`, so it re-raises its own classes.
const CELERY_EXCEPTIONS = new Set([
  "TaskRevokedError", "WorkerLostError", "TimeLimitExceeded", "SoftTimeLimitExceeded", "MaxRetriesExceededError", "Reject", "Retry", "Ignore",
]);

/** Turn an error into Celery's stored exception layout. */
export function toExceptionInfo(error: unknown): { info: ExceptionInfo; traceback: string | null } {
  if (error instanceof Error || (typeof error === "object" && error !== null && "message" in error)) {
    const e = error as Error & { data?: unknown; issues?: unknown };
    const type = e.name || "Error";
    const info: ExceptionInfo = { exc_type: type, exc_message: [String(e.message)], exc_module: CELERY_EXCEPTIONS.has(type) ? "celery.exceptions" : "celeriac" };
    const data = e.data ?? e.issues;
    if (data !== undefined) info.data = data;
    return { info, traceback: typeof e.stack === "string" ? e.stack : null };
  }
  return { info: { exc_type: "Error", exc_message: [String(error)], exc_module: "celeriac" }, traceback: null };
}

function isExceptionInfo(value: unknown): value is ExceptionInfo {
  return typeof value === "object" && value !== null && "exc_type" in value;
}

/** The view of a stored meta (or of nothing stored: PENDING). */
export function toResultView(id: string, meta: TaskMeta | null): ResultView {
  if (!meta) return { id, state: PENDING, retries: 0, dateDone: null };
  const view: ResultView = { id, state: meta.status, retries: meta.retries ?? 0, dateDone: meta.date_done };
  if (meta.name) view.name = meta.name;
  if (meta.input !== undefined) view.input = meta.input;
  if (meta.parent_id) view.parentId = meta.parent_id;
  const children = (meta.children ?? []).map((c) => {
    const ids = fromCeleryTuple(c);
    return ids && ("id" in ids ? ids.id : ids.groupId);
  }).filter((id): id is string => !!id);
  if (children.length) view.children = children;
  if (meta.queue) view.queue = meta.queue;
  if (meta.status === SUCCESS) {
    view.result = meta.result;
  } else if (EXCEPTION_STATES.has(meta.status) && isExceptionInfo(meta.result)) {
    const r = meta.result;
    view.error = {
      type: r.exc_type,
      message: r.exc_message.map(String).join(", "),
      ...(meta.traceback ? { stack: meta.traceback } : {}),
      ...(r.data !== undefined ? { data: r.data } : {}),
    };
    view.info = view.error;
  } else if (meta.result !== null && meta.result !== undefined) {
    view.info = meta.result;
  }
  return view;
}
