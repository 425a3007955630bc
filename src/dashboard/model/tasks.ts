/**
 * Tasks out of the broker's log: each log entry carries its message's body, the task envelope,
 * so the entries group by task id without any index. A task's retries are separate messages with
 * the same id (`retries` + 1 each); broker redeliveries are new deliveries of one message. The
 * state shown is the stored result's when there is one (Celery's states), else the broker's.
 * @module
 */
import type { TaskMeta } from "../../backend/backend.ts";
import type { BrokerLogEntry } from "../../broker/broker.ts";
import { ALL_STATES, FAILURE, isReady, PENDING, RETRY, REVOKED, STARTED } from "../../states.ts";
import { MESSAGE_ACTIVE, MESSAGE_CANCELED, MESSAGE_CANCEL_REQUESTED, MESSAGE_CREATED, MESSAGE_DELIVERED, MESSAGE_ERROR, MESSAGE_FAILED, MESSAGE_RETRY } from "../../broker/local/message/message.ts";

/** The envelope fields the dashboard reads (a lenient read: no validation). */
export interface EnvelopeFacts {
  id: string;
  task: string;
  input: unknown;
  retries: number;
  argsrepr: string | null;
  parentId: string | null;
  rootId: string | null;
  sentAt: string | null;
  eta: string | null;
  expires: string | null;
  schedule: { name: string; tick: string } | null;
  /** The queue it was sent to (null: the task's own). */
  queue: string | null;
}

/** The task envelope in a message body, or undefined when the body is not one. */
export function readEnvelope(body: string | undefined): EnvelopeFacts | undefined {
  if (!body || body[0] !== "{") return undefined;
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (e.v !== 1 || typeof e.id !== "string" || typeof e.task !== "string") return undefined;
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  const schedule = e.schedule as EnvelopeFacts["schedule"];
  return {
    id: e.id,
    task: e.task,
    input: e.input,
    retries: typeof e.retries === "number" ? e.retries : 0,
    argsrepr: str(e.argsrepr),
    parentId: str(e.parentId),
    rootId: str(e.rootId),
    sentAt: str(e.sentAt),
    eta: str(e.eta),
    expires: str(e.expires),
    schedule: schedule && typeof schedule.name === "string" ? schedule : null,
    queue: str(e.queue),
  };
}

/** One broker message of a task (its first send, or one retry), with its log entries oldest first. */
export interface TaskMessage {
  messageId: string;
  envelope: EnvelopeFacts;
  entries: BrokerLogEntry[];
}

/** A task as the log shows it. */
export interface TaskTrace {
  id: string;
  name: string;
  /** The first message's envelope (input, parent, sent time). */
  envelope: EnvelopeFacts;
  /** Oldest first. */
  messages: TaskMessage[];
  /** The newest log entry's time. */
  lastAt: number;
  /** The newest message's newest entry. */
  last: BrokerLogEntry;
}

/** Group log entries (any order) by task id; tasks newest first. Entries that are not task messages are left out. */
export function traceTasks(entries: readonly BrokerLogEntry[]): TaskTrace[] {
  const byTask = new Map<string, Map<string, TaskMessage>>();
  for (const entry of entries) {
    const envelope = readEnvelope(entry.body);
    if (!envelope) continue;
    let messages = byTask.get(envelope.id);
    if (!messages) byTask.set(envelope.id, (messages = new Map()));
    let message = messages.get(entry.messageId);
    if (!message) messages.set(entry.messageId, (message = { messageId: entry.messageId, envelope, entries: [] }));
    message.entries.push(entry);
  }
  const traces: TaskTrace[] = [];
  for (const [id, byMessage] of byTask) {
    const messages = [...byMessage.values()];
    for (const m of messages) m.entries.sort(byTime);
    messages.sort((a, b) => a.envelope.retries - b.envelope.retries || a.entries[0].time - b.entries[0].time);
    const newest = messages[messages.length - 1];
    const last = newest.entries[newest.entries.length - 1];
    const lastAt = Math.max(...messages.map((m) => m.entries[m.entries.length - 1].time));
    traces.push({ id, name: messages[0].envelope.task, envelope: messages[0].envelope, messages, lastAt, last });
  }
  return traces.sort((a, b) => b.lastAt - a.lastAt);
}

const byTime = (a: BrokerLogEntry, b: BrokerLogEntry) => a.time - b.time || ORDER.indexOf(a.state) - ORDER.indexOf(b.state);
/** The order of states within one instant (a manual clock logs several at the same ms). */
const ORDER = [MESSAGE_CREATED, MESSAGE_ACTIVE, MESSAGE_ERROR, MESSAGE_RETRY, MESSAGE_CANCEL_REQUESTED, MESSAGE_DELIVERED, MESSAGE_FAILED, MESSAGE_CANCELED];

/** What the broker alone says about a task: its newest message's newest state, in Celery's words. */
export function brokerState(last: BrokerLogEntry): string {
  switch (last.state) {
    case MESSAGE_ACTIVE:
      return STARTED;
    case MESSAGE_ERROR:
    case MESSAGE_RETRY:
      return RETRY;
    case MESSAGE_FAILED:
      return FAILURE;
    case MESSAGE_CANCELED:
    case MESSAGE_CANCEL_REQUESTED:
      return REVOKED;
    case MESSAGE_DELIVERED:
      return MESSAGE_DELIVERED;
    default:
      return PENDING;
  }
}

/**
 * The state to show: the stored result's (Celery's state, custom ones such as PROGRESS included),
 * else the broker's. A retry published after a stored FAILURE (a replay) shows as the broker's.
 */
export function displayState(trace: TaskTrace | undefined, meta: TaskMeta | null): string {
  if (!trace) return meta?.status ?? PENDING;
  if (!meta) return brokerState(trace.last);
  const newest = trace.messages[trace.messages.length - 1].envelope.retries;
  if (meta.status === FAILURE && newest > (meta.retries ?? 0) && ![MESSAGE_FAILED, MESSAGE_DELIVERED].includes(trace.last.state)) return brokerState(trace.last);
  return meta.status;
}

/** True while the broker is delivering the task's newest message. */
export const isRunning = (trace: TaskTrace | undefined): boolean => trace?.last.state === MESSAGE_ACTIVE;

/** Progress out of a custom state's meta (`{ current, total }`), as a fraction in [0, 1]. */
export function progressOf(meta: TaskMeta | null): { current: number; total: number } | undefined {
  if (!meta || isReady(meta.status) || ALL_STATES.has(meta.status)) return undefined;
  const r = meta.result as { current?: unknown; total?: unknown } | null;
  if (r && typeof r.current === "number" && typeof r.total === "number" && r.total > 0) return { current: r.current, total: r.total };
  return undefined;
}
