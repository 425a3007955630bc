/**
 * `AsyncResult`: a handle on a task's result, Celery's `AsyncResult` in async form.
 * @module
 */
import { ResultTimeoutError, SyncSubtaskError, TaskError } from "../errors.ts";
import { FAILURE, isReady, PROPAGATE_STATES, type State, SUCCESS } from "../states.ts";
import type { ResultView } from "../backend/result-view.ts";
import { currentTask } from "../current.ts";

/** Where an `AsyncResult` reads from: the backend (direct mode) or the worker's API (HTTP mode). */
export interface ResultSource {
  fetch(id: string): Promise<ResultView>;
  /** Optional: several views at once, in order (one MGET in direct mode over Redis); group results use it. */
  fetchMany?: ((ids: readonly string[]) => Promise<ResultView[]>) | undefined;
  /** Revoke; `messageId` lets the broker cancel a pending message too; `expiresAt` (epoch ms) is the latest the message may still start, which the tombstone outlives. */
  revoke(id: string, options?: { messageId?: string; expiresAt?: number }): Promise<void>;
  forget(id: string): Promise<void>;
  /** Optional: call `onView` when the task's READY view is stored (pub/sub); resolves with the function that stops, or undefined when it cannot listen. */
  watch?: ((id: string, onView: (view: ResultView) => void) => Promise<(() => void) | undefined>) | undefined;
}

/**
 * `get()` starts listening once it has waited this long. A quicker task is cheaper to poll for:
 * the reads of many waiting `get()`s share pipelines, where each listener is a stream of its own
 * (measured in bench/: listening from 10 ms cost a busy client ~10–20% more CPU per task).
 */
const LISTEN_AFTER_MS = 50;
/** While listening, `get()` still polls in case a message is lost: from this interval, growing ×1.5… */
const LISTENING_POLL_MS = 250;
/** …up to this one. */
const LISTENING_MAX_POLL_MS = 5000;

function noop(): void {}

/** Options of `get()`. */
export interface GetOptions {
  /** Give up after this many ms with `ResultTimeoutError`. Default: wait forever. */
  timeoutMs?: number | undefined;
  /**
   * First polling interval in ms (grows ×1.5 up to 1 s, so a quick task is seen within a few ms
   * and a long one costs about one read a second). A handle from a send less than 1 ms old waits
   * until it is 1 ms old before its first read (a message just sent has not run yet). Default 1.
   */
  intervalMs?: number | undefined;
  /** Re-raise a FAILURE/REVOKED as an error. Default true. */
  propagate?: boolean | undefined;
  /**
   * Once the task has taken more than 50 ms, listen for its result (Redis pub/sub, in direct mode
   * with a client that can subscribe) and wake up as soon as the worker stores it, instead of up
   * to a polling interval later; polling goes on, from 250 ms up to every 5 s, in case a message
   * is lost. Default true.
   */
  listen?: boolean | undefined;
  /** Allow `get()` inside a running task (deadlock risk). Default false. */
  disableSyncSubtasks?: boolean | undefined;
}

/** A handle on one task's result. */
export class AsyncResult<T = unknown> {
  readonly id: string;
  /** The broker's message id, when this handle came from a send. */
  readonly messageId: string | undefined;
  readonly #source: ResultSource;
  readonly #now: () => number;
  readonly #runsUntil: number | undefined;
  readonly #sentAt: number | undefined;

  constructor(id: string, source: ResultSource, options: { messageId?: string; now?: () => number; runsUntilMs?: number; sentAt?: number } = {}) {
    this.id = id;
    this.#source = source;
    this.messageId = options.messageId;
    this.#runsUntil = options.runsUntilMs;
    this.#now = options.now ?? Date.now;
    this.#sentAt = options.sentAt;
  }

  /** The full stored view (state, result or error, info, retries, dateDone). */
  view(): Promise<ResultView> {
    return this.#source.fetch(this.id);
  }

  /** The current state (PENDING when nothing is stored). */
  get state(): Promise<State> {
    return this.view().then((v) => v.state);
  }

  /** Progress meta for custom states, the result for SUCCESS, the error for exception states. */
  get info(): Promise<unknown> {
    return this.view().then((v) => (v.state === SUCCESS ? v.result : v.info));
  }

  async ready(): Promise<boolean> {
    return isReady(await this.state);
  }

  async successful(): Promise<boolean> {
    return (await this.state) === SUCCESS;
  }

  async failed(): Promise<boolean> {
    return (await this.state) === FAILURE;
  }

  /**
   * Wait for the result. Re-raises the task's error (same type name and message) when it
   * failed or was revoked, unless `propagate: false`.
   */
  async get(options: GetOptions = {}): Promise<T> {
    const running = currentTask();
    if (running && running.disableSyncSubtasks && options.disableSyncSubtasks !== false) throw new SyncSubtaskError();
    const started = this.#now();
    const deadline = options.timeoutMs === undefined ? Infinity : started + options.timeoutMs;
    const propagate = options.propagate ?? true;
    let interval = options.intervalMs ?? 1;
    let canListen = options.listen !== false && this.#source.watch !== undefined;
    let heard: ResultView | undefined;
    let wake = noop;
    let stop: (() => void) | undefined;
    // A message just sent has not run yet: no read that cannot find it.
    const young = this.#sentAt === undefined ? 0 : this.#sentAt + Math.min(interval, 1) - started;
    if (young > 0) await this.#sleep(Math.min(young, deadline - started));
    try {
      for (;;) {
        const view = heard ?? (await this.view());
        if (isReady(view.state)) return this.#settle(view, propagate);
        if (heard) continue;
        if (canListen && this.#now() - started >= LISTEN_AFTER_MS) {
          canListen = false;
          stop = await this.#source.watch!(this.id, (v) => {
            if (!isReady(v.state)) return;
            heard = v;
            wake();
          }).catch(() => undefined);
          if (stop) {
            // Read once more: the result may have been stored before the subscription.
            interval = Math.max(interval, LISTENING_POLL_MS);
            continue;
          }
        }
        const left = deadline - this.#now();
        if (left <= 0) throw new ResultTimeoutError(this.id, options.timeoutMs ?? 0);
        // Not listening yet: wake in time to start listening after LISTEN_AFTER_MS.
        const wait = canListen ? Math.min(interval, left, Math.max(0, started + LISTEN_AFTER_MS - this.#now())) : Math.min(interval, left);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          wake = () => (clearTimeout(timer), resolve());
        });
        interval = Math.min(interval * 1.5, stop ? LISTENING_MAX_POLL_MS : 1000);
      }
    } finally {
      stop?.();
    }
  }

  #sleep(ms: number): Promise<void> {
    return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
  }

  #settle(view: ResultView, propagate: boolean): T {
    if (view.state === SUCCESS) return view.result as T;
    if (propagate && PROPAGATE_STATES.has(view.state)) {
      const e = view.error ?? { type: view.state === FAILURE ? "Error" : "TaskRevokedError", message: `Task ${view.state}` };
      throw new TaskError(e.type, e.message, { taskId: this.id, stack: e.stack, data: e.data });
    }
    return view.info as T;
  }

  /** Delete the stored result. */
  forget(): Promise<void> {
    return this.#source.forget(this.id);
  }

  /** Revoke the task: it will not run (or is told to stop when it next touches the backend). */
  revoke(): Promise<void> {
    return this.#source.revoke(this.id, { messageId: this.messageId, expiresAt: this.#runsUntil });
  }
}
