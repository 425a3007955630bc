/**
 * Task states, their sets and their precedence, exactly as Celery defines them
 * (`celery/states.py`). The single home of every state string.
 * @module
 */

/** Waiting for execution, or unknown: any id without a stored result reads as PENDING. */
export const PENDING = "PENDING";
/** Received by a worker (not stored by celeriac, kept for Celery's precedence). */
export const RECEIVED = "RECEIVED";
/** Started by a worker (stored with `trackStarted`). */
export const STARTED = "STARTED";
/** Succeeded; the result is the return value. */
export const SUCCESS = "SUCCESS";
/** Failed for good; the result is the error. */
export const FAILURE = "FAILURE";
/** Revoked; never runs again. */
export const REVOKED = "REVOKED";
/** Rejected by the task (`Reject`); never stored. */
export const REJECTED = "REJECTED";
/** Waiting to be retried; the result is the error that caused it. */
export const RETRY = "RETRY";
/** Ignored by the task (`Ignore`); never stored. */
export const IGNORED = "IGNORED";

/** A built-in state name, or any custom state such as `"PROGRESS"`. */
export type State =
  | typeof PENDING
  | typeof RECEIVED
  | typeof STARTED
  | typeof SUCCESS
  | typeof FAILURE
  | typeof REVOKED
  | typeof REJECTED
  | typeof RETRY
  | typeof IGNORED
  | (string & {});

/** States after which a task will not change again. */
export const READY_STATES: ReadonlySet<string> = new Set([SUCCESS, FAILURE, REVOKED]);
/** States of a task that has not finished. */
export const UNREADY_STATES: ReadonlySet<string> = new Set([PENDING, RECEIVED, STARTED, REJECTED, RETRY]);
/** States whose result is an exception. */
export const EXCEPTION_STATES: ReadonlySet<string> = new Set([RETRY, FAILURE, REVOKED]);
/** States whose error `get()` re-raises. */
export const PROPAGATE_STATES: ReadonlySet<string> = new Set([FAILURE, REVOKED]);
/** Every built-in state a result can hold (REJECTED and IGNORED are never stored). */
export const ALL_STATES: ReadonlySet<string> = new Set([PENDING, RECEIVED, STARTED, SUCCESS, FAILURE, RETRY, REVOKED]);

// Lower index = higher precedence; `null` stands for any custom state.
const PRECEDENCE: readonly (string | null)[] = [SUCCESS, FAILURE, null, REVOKED, STARTED, RECEIVED, REJECTED, RETRY, PENDING];

/** Precedence index of a state (lower ranks higher); custom states rank just above REVOKED. */
export function precedence(state: string): number {
  const i = PRECEDENCE.indexOf(state);
  return i === -1 ? PRECEDENCE.indexOf(null) : i;
}

/** True when `a` ranks strictly above `b` (Celery's `state(a) > state(b)`). */
export function outranks(a: string, b: string): boolean {
  return precedence(a) < precedence(b);
}

/** True for SUCCESS, FAILURE and REVOKED. */
export const isReady = (state: string): boolean => READY_STATES.has(state);
