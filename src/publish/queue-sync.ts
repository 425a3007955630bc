/**
 * Make the broker's queues match the queues declared in code (`queue()`), as `celeriac queues
 * sync` and `celeriac dev` do: each declared queue is created, or its parallelism and pause state
 * set; queues the code does not declare are listed and left alone (they may belong to another
 * app, and deleting a queue drops its waiting messages).
 * @module
 */
import type { Broker } from "../broker/broker.ts";
import { ConfigError } from "../errors.ts";
import { isQueue, type Queue } from "../task/queue.ts";
import { isTask } from "../task/registry.ts";

/**
 * The queues among `source` (a module namespace, an array or a registry): exported `queue()`s
 * and the `queue()`s tasks name. Two different declarations of one name are refused.
 */
export function collectQueues(source: Iterable<unknown> | Record<string, unknown>): Queue[] {
  const values = Symbol.iterator in (source as object) ? [...(source as Iterable<unknown>)] : Object.values(source);
  const byName = new Map<string, Queue>();
  for (const v of values) {
    const q = isQueue(v) ? v : isTask(v) ? v.declaredQueue : undefined;
    if (!q) continue;
    const seen = byName.get(q.name);
    if (seen && (seen.parallelism !== q.parallelism || seen.paused !== q.paused)) {
      throw new ConfigError(`Two different declarations of queue "${q.name}" (parallelism ${seen.parallelism} and ${q.parallelism}); declare it once and share it.`);
    }
    byName.set(q.name, q);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** One line of the diff. */
export interface QueueChange {
  name: string;
  action: "created" | "updated" | "unchanged";
  parallelism: number;
  paused: boolean;
  /** For `updated`: what differed, e.g. `parallelism 1 → 4`. */
  changes?: string[];
}

/** What `syncQueues` did (or would do with `dryRun`). */
export interface QueueSyncReport {
  changes: QueueChange[];
  /** Broker queues no declaration names: left alone. */
  undeclared: string[];
}

/** Create or update the broker queues of `queues`. */
export async function syncQueues(broker: Broker, queues: readonly Queue[], options: { dryRun?: boolean } = {}): Promise<QueueSyncReport> {
  if (!broker.upsertQueue || !broker.listQueues) throw new ConfigError("This broker has no queues API: queues need QStash or the local broker.");
  const existing = new Map((await broker.listQueues()).map((q) => [q.name, q]));
  const changes: QueueChange[] = [];
  for (const q of queues) {
    const have = existing.get(q.name);
    existing.delete(q.name);
    const diff: string[] = [];
    if (have && have.parallelism !== q.parallelism) diff.push(`parallelism ${have.parallelism} → ${q.parallelism}`);
    if (have && have.paused !== q.paused) diff.push(q.paused ? "paused" : "resumed");
    const action = !have ? "created" : diff.length ? "updated" : "unchanged";
    if (action !== "unchanged" && !options.dryRun) await broker.upsertQueue({ name: q.name, parallelism: q.parallelism, paused: q.paused });
    changes.push({ name: q.name, action, parallelism: q.parallelism, paused: q.paused, ...(diff.length ? { changes: diff } : {}) });
  }
  return { changes, undeclared: [...existing.keys()].filter((n) => !n.startsWith("celeriac.")).sort() };
}

/** The diff as text, one line per queue, then a summary line. */
export function formatQueueSyncReport(report: QueueSyncReport, dryRun = false): string {
  const sign = { created: "+", updated: "~", unchanged: "=" } as const;
  const lines = report.changes.map((c) => `${sign[c.action]} ${c.action.padEnd(9)} ${c.name}  (parallelism ${c.parallelism}${c.paused ? ", paused" : ""})${c.changes ? `: ${c.changes.join("; ")}` : ""}`);
  for (const name of report.undeclared) lines.push(`! left alone ${name}: not declared in the code`);
  const count = (a: QueueChange["action"]) => report.changes.filter((c) => c.action === a).length;
  return `${lines.join("\n")}${lines.length ? "\n" : ""}${dryRun ? "would have " : ""}created ${count("created")}, updated ${count("updated")}, unchanged ${count("unchanged")}\n`;
}
