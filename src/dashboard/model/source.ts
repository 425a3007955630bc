/**
 * Where every figure on the dashboard comes from: the broker's log, DLQ, queues and schedules
 * (QStash's APIs, which the local broker implements) and the stored results, read in one MGET
 * per page. Nothing is written per task: watching costs nothing while nobody watches.
 * @module
 */
import { toResultView } from "../../backend/result-view.ts";
import type { TaskMeta } from "../../backend/backend.ts";
import type { Broker, BrokerDlqEntry, BrokerLogEntry, BrokerPage, BrokerQueue, BrokerSchedule } from "../../broker/broker.ts";
import { ConfigError } from "../../errors.ts";
import type { WorkerExtensionContext } from "../../worker/create-worker.ts";
import type { Schedule } from "../../schedule/schedule.ts";
import { scheduledTaskId } from "../../schedule/fire.ts";
import { brokerScheduleId } from "../../schedule/sync.ts";
import { type Figures, figuresOf } from "./figures.ts";
import { type TaskAttempt, attemptsOf } from "./timeline.ts";
import { displayState, type EnvelopeFacts, isRunning, progressOf, readEnvelope, type TaskTrace, traceTasks } from "./tasks.ts";

/** One row of the task list. */
export interface TaskRow {
  id: string;
  name: string;
  state: string;
  running: boolean;
  retries: number;
  trace?: TaskTrace;
  meta: TaskMeta | null;
  progress?: { current: number; total: number };
}

/** A task's page. */
export interface TaskDetail extends TaskRow {
  envelope?: EnvelopeFacts;
  attempts: TaskAttempt[];
  children: TaskRow[];
  /** Its messages in the DLQ. */
  dlq: BrokerDlqEntry[];
}

/** A DLQ entry with the task it holds, if it holds one. */
export interface DlqRow {
  entry: BrokerDlqEntry;
  envelope?: EnvelopeFacts;
}

/** A schedule: in code, at the broker, or both. */
export interface ScheduleRow {
  name: string;
  schedule?: Schedule;
  broker?: BrokerSchedule;
  next?: number;
  /** The last tick at or before now (in code), or the broker's last firing. */
  last?: number;
  lastTaskId?: string;
  lastState?: string;
}

/** How the dashboard reads, and the limits it reads within. */
export interface SourceOptions {
  /** Log entries read for the task list (one broker call). */
  scanEntries: number;
  /** Log entries read for the figures (calls of up to 1000 each). */
  figuresEntries: number;
}

/** The error of a page that needs a broker call this broker lacks. */
const missing = (api: string) =>
  new ConfigError(`This broker has no ${api} API: the dashboard reads it from QStash (QStashBroker, QStashFetchBroker) or the local broker.`);

const entryKey = (e: BrokerLogEntry) => `${e.messageId} ${e.state} ${e.time}`;

export class DashboardSource {
  constructor(readonly ctx: WorkerExtensionContext, readonly options: SourceOptions) {}

  get broker(): Broker {
    return this.ctx.broker;
  }

  /** Stored results of `ids`, in order, in one MGET (the only Redis command a page costs). */
  async metas(ids: readonly string[]): Promise<(TaskMeta | null)[]> {
    const backend = this.ctx.rt.backend;
    if (!ids.length) return [];
    return backend.getMetas ? backend.getMetas(ids) : Promise.all(ids.map((id) => backend.getMeta(id)));
  }

  async #logs(query: Parameters<NonNullable<Broker["listLogs"]>>[0]) {
    if (!this.broker.listLogs) throw missing("log (events)");
    return this.broker.listLogs(query);
  }

  #row(trace: TaskTrace | undefined, id: string, meta: TaskMeta | null): TaskRow {
    const retries = Math.max(trace ? trace.messages[trace.messages.length - 1].envelope.retries : 0, meta?.retries ?? 0);
    const progress = progressOf(meta);
    return {
      id, name: trace?.name ?? meta?.name ?? "", state: displayState(trace, meta), running: isRunning(trace), retries, trace, meta,
      ...(progress ? { progress } : {}),
    };
  }

  /** The recent tasks (newest first), optionally of one task name and in some states. */
  async tasks(o: { name?: string; states?: readonly string[]; search?: string; limit: number; cursor?: string }): Promise<{ rows: TaskRow[]; cursor?: string; scanned: number }> {
    const url = o.name ? this.ctx.rt.publisher.destination(o.name) : undefined;
    const page = await this.#logs({ count: this.options.scanEntries, ...(url ? { url } : {}), ...(o.cursor ? { cursor: o.cursor } : {}) });
    let traces = traceTasks(page.items);
    if (o.search) traces = traces.filter((t) => t.id.startsWith(o.search!));
    // States need the results: read them for every task in the window (one MGET), then filter.
    const candidates = o.states?.length ? traces.slice(0, 500) : traces.slice(0, o.limit);
    const metas = await this.metas(candidates.map((t) => t.id));
    let rows = candidates.map((t, i) => this.#row(t, t.id, metas[i]));
    if (o.states?.length) rows = rows.filter((r) => o.states!.includes(r.state));
    return { rows: rows.slice(0, o.limit), scanned: page.items.length, ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  /** Everything about one task, or undefined when neither the log nor the results know it. */
  async task(id: string): Promise<TaskDetail | undefined> {
    // The publisher labels each message with its task id: the log filters by it at the broker.
    const [own, recent] = await Promise.all([this.#logs({ label: id, count: 1000 }), this.#logs({ count: this.options.scanEntries })]);
    const seen = new Set(own.items.map(entryKey));
    const traces = traceTasks([...own.items, ...recent.items.filter((e) => !seen.has(entryKey(e)))]);
    const trace = traces.find((t) => t.id === id);
    const children = traces.filter((t) => t.id !== id && t.envelope.parentId === id);
    const [meta, ...childMetas] = await this.metas([id, ...children.map((c) => c.id)]);
    if (!trace && !meta) return undefined;
    // Children the stored meta names (Celery's `children`) that the log window no longer shows: one more MGET.
    const logged = new Set(children.map((c) => c.id));
    const stored = (toResultView(id, meta).children ?? []).filter((c) => !logged.has(c));
    const storedMetas = stored.length ? await this.metas(stored) : [];
    const dlq = this.broker.listDlq ? (await this.broker.listDlq({ label: id })).items.filter((e) => readEnvelope(e.body)?.id === id) : [];
    return {
      ...this.#row(trace, id, meta),
      envelope: trace?.envelope,
      attempts: trace ? attemptsOf(trace, meta) : [],
      children: [...children.map((c, i) => this.#row(c, c.id, childMetas[i])), ...stored.map((c, i) => this.#row(undefined, c, storedMetas[i]))],
      dlq,
    };
  }

  /** A page of the DLQ. */
  async dlq(cursor?: string): Promise<{ rows: DlqRow[]; cursor?: string }> {
    if (!this.broker.listDlq) throw missing("DLQ");
    const page = await this.broker.listDlq({ count: 100, ...(cursor ? { cursor } : {}) });
    return { rows: page.items.map((entry) => ({ entry, envelope: readEnvelope(entry.body) })), ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  /** The worker's schedules and the broker's, with next and last runs and the last run's state. */
  async schedules(now: number): Promise<ScheduleRow[]> {
    const inCode = this.ctx.schedules?.list() ?? [];
    const atBroker = this.broker.listSchedules ? await this.broker.listSchedules() : [];
    const rows: ScheduleRow[] = inCode.map((s) => {
      const broker = atBroker.find((b) => b.scheduleId === brokerScheduleId(s));
      // The broker knows when it last fired; without one (Workers crons), the last tick is the candidate.
      const last = broker ? (broker.lastScheduleTime === undefined ? undefined : s.clock.nearest(broker.lastScheduleTime, 5000)) : s.clock.previous(now);
      return { name: s.name, schedule: s, broker, next: broker?.isPaused ? undefined : s.clock.next(now), last };
    });
    for (const b of atBroker) {
      if (!rows.some((r) => r.broker === b)) rows.push({ name: b.scheduleId, broker: b, next: b.nextScheduleTime, last: b.lastScheduleTime });
    }
    await Promise.all(rows.map(async (r) => {
      if (r.schedule && r.last !== undefined) r.lastTaskId = await scheduledTaskId(r.schedule.name, r.last);
    }));
    const withIds = rows.filter((r) => r.lastTaskId);
    const metas = await this.metas(withIds.map((r) => r.lastTaskId!));
    withIds.forEach((r, i) => (r.lastState = metas[i]?.status));
    return rows;
  }

  async queues(): Promise<BrokerQueue[]> {
    if (!this.broker.listQueues) throw missing("queue");
    return (await this.broker.listQueues()).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The figures of the last hour, from at most `figuresEntries` log entries. */
  async figures(now: number): Promise<Figures> {
    const window = await this.logWindow({ maxEntries: this.options.figuresEntries, fromDate: now - 3_600_000 });
    return figuresOf(window.items, now, { complete: window.complete });
  }

  /** The newest log entries (since `fromDate`), in calls of up to 1000, at most `maxEntries`; `complete` when the log held no more. */
  async logWindow(o: { maxEntries: number; fromDate?: number }): Promise<{ items: BrokerLogEntry[]; complete: boolean }> {
    const items: BrokerLogEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#logs({ count: Math.min(1000, o.maxEntries - items.length), ...(o.fromDate !== undefined ? { fromDate: o.fromDate } : {}), ...(cursor ? { cursor } : {}) });
      items.push(...page.items);
      cursor = page.cursor;
    } while (cursor && items.length < o.maxEntries);
    return { items, complete: !cursor };
  }

  /** One page of the broker's log (its events), newest first. */
  events(query: { count: number; fromDate?: number; cursor?: string }): Promise<BrokerPage<BrokerLogEntry>> {
    return this.#logs(query);
  }
}
