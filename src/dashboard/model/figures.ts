/**
 * Per-task figures over a recent window (the last hour), computed from the broker's log alone:
 * throughput (deliveries acknowledged per minute), failures (messages that ended in the DLQ),
 * retries (retries the worker published, plus the broker's redeliveries) and their rate per
 * delivery, and latency (run time: delivery to answer; wait: sent to first delivery).
 * @module
 */
import type { BrokerLogEntry } from "../../broker/broker.ts";
import { readEnvelope } from "./tasks.ts";
import { MESSAGE_ACTIVE, MESSAGE_CREATED, MESSAGE_DELIVERED, MESSAGE_ERROR, MESSAGE_FAILED, MESSAGE_RETRY } from "../../broker/local/message/message.ts";

/** One minute of one task. */
export interface Bucket {
  acked: number;
  failed: number;
  retries: number;
  /** Median run time of the deliveries that ended in this minute, ms. */
  runP50?: number;
}

/** The figures of one task (or of all of them). */
export interface TaskFigures {
  name: string;
  /** Oldest first, one per `bucketMs`. */
  buckets: Bucket[];
  deliveries: number;
  acked: number;
  failed: number;
  retries: number;
  /** Retries per delivery, 0..1. */
  retryRate: number;
  runP50?: number;
  runP95?: number;
  waitP50?: number;
}

/** Figures of a window: per task, busiest first, and all tasks together. */
export interface Figures {
  from: number;
  to: number;
  bucketMs: number;
  all: TaskFigures;
  tasks: TaskFigures[];
  /** Entries read; `complete` is false when the window held more than were read. */
  entries: number;
  complete: boolean;
}

const TASK_PATH = /\/tasks\/([^/?#]+)/;

function nameOf(e: BrokerLogEntry): string | undefined {
  const m = TASK_PATH.exec(e.url);
  if (m) {
    try {
      return decodeURIComponent(m[1]);
    } catch {
      return m[1];
    }
  }
  return readEnvelope(e.body)?.task;
}

/** The `q` quantile (0..1) of `values` (sorted here), or undefined when empty. */
export function quantile(values: number[], q: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function empty(name: string, n: number): TaskFigures & { runs: number[]; waits: number[]; bucketRuns: number[][] } {
  return {
    name, deliveries: 0, acked: 0, failed: 0, retries: 0, retryRate: 0,
    buckets: Array.from({ length: n }, () => ({ acked: 0, failed: 0, retries: 0 })),
    runs: [], waits: [], bucketRuns: Array.from({ length: n }, () => []),
  };
}

/** Compute the figures of `[to - windowMs, to)` from log entries (any order). */
export function figuresOf(entries: readonly BrokerLogEntry[], to: number, options: { windowMs?: number; bucketMs?: number; complete?: boolean } = {}): Figures {
  const windowMs = options.windowMs ?? 3_600_000;
  const bucketMs = options.bucketMs ?? 60_000;
  const n = Math.ceil(windowMs / bucketMs);
  const from = to - n * bucketMs;
  const all = empty("all tasks", n);
  const byName = new Map<string, ReturnType<typeof empty>>();
  const sorted = [...entries].filter((e) => e.time >= from && e.time < to).sort((a, b) => a.time - b.time);
  const created = new Map<string, number>();
  const active = new Map<string, number>();
  for (const e of sorted) {
    const name = nameOf(e);
    if (!name) continue;
    let f = byName.get(name);
    if (!f) byName.set(name, (f = empty(name, n)));
    const b = Math.min(n - 1, Math.floor((e.time - from) / bucketMs));
    const count = (key: "acked" | "failed" | "retries") => {
      for (const x of [f!, all]) {
        x[key]++;
        x.buckets[b][key]++;
      }
    };
    switch (e.state) {
      case MESSAGE_CREATED:
        created.set(e.messageId, e.time);
        if ((readEnvelope(e.body)?.retries ?? 0) > 0) count("retries");
        break;
      case MESSAGE_ACTIVE: {
        f.deliveries++;
        all.deliveries++;
        const sent = created.get(e.messageId);
        if (sent !== undefined && !active.has(e.messageId)) for (const x of [f, all]) x.waits.push(e.time - sent);
        active.set(e.messageId, e.time);
        break;
      }
      case MESSAGE_DELIVERED:
      case MESSAGE_ERROR: {
        if (e.state === MESSAGE_DELIVERED) count("acked");
        const started = active.get(e.messageId);
        if (started !== undefined) {
          for (const x of [f, all]) {
            x.runs.push(e.time - started);
            x.bucketRuns[b].push(e.time - started);
          }
        }
        break;
      }
      case MESSAGE_RETRY:
        count("retries");
        break;
      case MESSAGE_FAILED:
        count("failed");
        break;
    }
  }
  const finish = (f: ReturnType<typeof empty>): TaskFigures => {
    const { runs, waits, bucketRuns, ...out } = f;
    out.retryRate = out.deliveries ? out.retries / out.deliveries : 0;
    out.runP50 = quantile(runs, 0.5);
    out.runP95 = quantile(runs, 0.95);
    out.waitP50 = quantile(waits, 0.5);
    bucketRuns.forEach((r, i) => (out.buckets[i].runP50 = quantile(r, 0.5)));
    return out;
  };
  const tasks = [...byName.values()].map(finish).sort((a, b) => b.deliveries - a.deliveries || a.name.localeCompare(b.name));
  return { from, to, bucketMs, all: finish(all), tasks, entries: sorted.length, complete: options.complete ?? true };
}
