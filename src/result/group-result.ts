/**
 * `GroupResult`: the results of a group, in call order (Celery's `GroupResult`). Saved when the
 * group is sent; `client.groupResult(id)` restores it by id.
 * @module
 */
import { isReady, SUCCESS } from "../states.ts";
import { ResultTimeoutError, SyncSubtaskError } from "../errors.ts";
import { currentTask } from "../current.ts";
import type { ResultView } from "../backend/result-view.ts";
import { AsyncResult, type GetOptions, type ResultSource } from "./async-result.ts";
import type { ResultIds } from "../canvas/freeze.ts";
import type { Group, OutOf } from "../canvas/signature.ts";

/** A group's member: a task's result, or a nested group's. */
export type MemberResult = AsyncResult<unknown> | GroupResult<unknown[]>;

/** The results of a group, in call order. */
export class GroupResult<T extends unknown[] = unknown[]> {
  readonly id: string;
  readonly results: MemberResult[];
  readonly #source: ResultSource;

  constructor(id: string, results: MemberResult[], source: ResultSource) {
    this.id = id;
    this.results = results;
    this.#source = source;
  }

  /** Every task id under this group (nested groups flattened), in order. */
  #taskIds(): string[] {
    return this.results.flatMap((r) => (r instanceof GroupResult ? r.#taskIds() : [r.id]));
  }

  async #views(): Promise<ResultView[]> {
    const ids = this.#taskIds();
    return this.#source.fetchMany ? await this.#source.fetchMany(ids) : await Promise.all(ids.map((id) => this.#source.fetch(id)));
  }

  /** How many member tasks have succeeded. */
  async completedCount(): Promise<number> {
    return (await this.#views()).filter((v) => v.state === SUCCESS).length;
  }

  /** True when every member task is READY (succeeded, failed or revoked). */
  async ready(): Promise<boolean> {
    return (await this.#views()).every((v) => isReady(v.state));
  }

  /** True when every member task succeeded. */
  async successful(): Promise<boolean> {
    return (await this.#views()).every((v) => v.state === SUCCESS);
  }

  /**
   * Wait for every member, then their results in call order; the first failure (in order) is
   * re-raised unless `propagate: false`. Polls all members in one read per round where the
   * source can (one MGET in direct mode).
   */
  async get(options: GetOptions = {}): Promise<T> {
    const running = currentTask();
    if (running && running.disableSyncSubtasks && options.disableSyncSubtasks !== false) throw new SyncSubtaskError();
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    let interval = options.intervalMs ?? 5;
    for (;;) {
      const views = await this.#views();
      if (views.every((v) => isReady(v.state))) {
        const settled = views.map((v) => new AsyncResult(v.id, { ...this.#source, fetch: async () => v }));
        let i = 0;
        const shape = (g: GroupResult<unknown[]>): Promise<unknown[]> =>
          Promise.all(g.results.map((r) => (r instanceof GroupResult ? shape(r) : settled[i++]!.get({ propagate: options.propagate, listen: false, disableSyncSubtasks: options.disableSyncSubtasks }))));
        return (await shape(this)) as T;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new ResultTimeoutError(this.id, options.timeoutMs ?? 0);
      await new Promise((r) => setTimeout(r, Math.min(interval, left)));
      interval = Math.min(interval * 1.5, 1000);
    }
  }

  /** Revoke every member task. */
  async revoke(): Promise<void> {
    await Promise.all(this.results.map((r) => r.revoke()));
  }
}

/** The result handle of a sent canvas: an `AsyncResult` for a call, chain or chord, a `GroupResult` for a group. */
export function toResult(ids: ResultIds, source: ResultSource, now?: () => number): MemberResult {
  if ("id" in ids) return new AsyncResult(ids.id, source, { now, sentAt: (now ?? Date.now)() });
  return new GroupResult(ids.groupId, ids.members.map((m) => toResult(m, source, now)), source);
}

/** What sending canvas `C` answers. */
export type CanvasResult<C> = C extends Group<any, infer O> ? GroupResult<O> : AsyncResult<OutOf<C>>;

/** The ids behind a result handle (the inverse of {@link toResult}). */
export function idsOf(result: MemberResult): ResultIds {
  return result instanceof GroupResult ? { groupId: result.id, members: result.results.map(idsOf) } : { id: result.id };
}
