/**
 * A task's timeline from its log entries: one attempt per message (the first send, then each
 * retry the worker published), each with its deliveries (the broker's own redeliveries after a
 * 5xx, a timeout or a 429) and how it ended: retried, succeeded, failed into the DLQ, revoked.
 * @module
 */
import type { TaskMeta } from "../../backend/backend.ts";
import type { BrokerLogEntry } from "../../broker/broker.ts";
import type { TaskTrace } from "./tasks.ts";
import { MESSAGE_ACTIVE, MESSAGE_CANCELED, MESSAGE_CANCEL_REQUESTED, MESSAGE_CREATED, MESSAGE_DELIVERED, MESSAGE_ERROR, MESSAGE_FAILED, MESSAGE_RETRY } from "../../broker/local/message/message.ts";

/** One step of the timeline. */
export interface TimelineStep {
  time: number;
  /** `sent`, `queued`, `delivered`, `error`, `redelivery`, `acked`, `retried`, `failed`, `revoked`, `cancel`. */
  kind: string;
  text: string;
  /** Detail shown under the step: the worker's answer, an error. */
  detail?: string;
}

/** One attempt: a message with the task's `retries` count. */
export interface TaskAttempt {
  retries: number;
  messageId: string;
  steps: TimelineStep[];
  /** How the attempt ended, when it has. */
  outcome?: "retried" | "acked" | "failed" | "revoked";
}

/** The worker's JSON answer, summarised (`{error: {type, message}}`, `{error: "…"}`, `{state, note}`). */
function answerText(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const j = JSON.parse(body) as { error?: { type?: string; message?: string } | string; state?: string; note?: string };
    if (typeof j.error === "string") return j.error;
    if (j.error && typeof j.error === "object") return `${j.error.type ?? "Error"}: ${j.error.message ?? ""}`;
    if (j.state) return j.note ? `${j.state}: ${j.note}` : j.state;
  } catch {
    // not JSON: show it as it is
  }
  return body;
}

function step(e: BrokerLogEntry, isRetry: boolean, deliveries: number): TimelineStep | undefined {
  switch (e.state) {
    case MESSAGE_CREATED:
      return { time: e.time, kind: isRetry ? "queued" : "sent", text: isRetry ? "Retry published" : "Sent" };
    case MESSAGE_ACTIVE:
      return { time: e.time, kind: "delivered", text: deliveries > 1 ? `Delivered again (delivery ${deliveries})` : "Delivered to the worker" };
    case MESSAGE_ERROR:
      return { time: e.time, kind: "error", text: `Worker answered ${e.responseStatus ?? "no response"}`, detail: answerText(e.responseBody) ?? e.error };
    case MESSAGE_RETRY:
      return { time: e.time, kind: "redelivery", text: "Broker will deliver again", detail: e.nextDeliveryTime ? new Date(e.nextDeliveryTime).toISOString() : undefined };
    case MESSAGE_DELIVERED:
      return { time: e.time, kind: "acked", text: "Acknowledged by the worker" };
    case MESSAGE_FAILED:
      return { time: e.time, kind: "failed", text: "Failed: moved to the dead-letter queue" };
    case MESSAGE_CANCEL_REQUESTED:
      return { time: e.time, kind: "cancel", text: "Cancel requested" };
    case MESSAGE_CANCELED:
      return { time: e.time, kind: "revoked", text: "Cancelled at the broker" };
  }
  return undefined;
}

/** The attempts of a task, oldest first. */
export function attemptsOf(trace: TaskTrace, meta: TaskMeta | null): TaskAttempt[] {
  return trace.messages.map((m, i) => {
    const isRetry = m.envelope.retries > 0;
    const steps: TimelineStep[] = [];
    let deliveries = 0;
    for (const e of m.entries) {
      if (e.state === MESSAGE_ACTIVE) deliveries++;
      const s = step(e, isRetry, deliveries);
      if (s) steps.push(s);
    }
    const attempt: TaskAttempt = { retries: m.envelope.retries, messageId: m.messageId, steps };
    const states = new Set(m.entries.map((e) => e.state));
    if (states.has(MESSAGE_FAILED)) attempt.outcome = "failed";
    else if (states.has(MESSAGE_CANCELED)) attempt.outcome = "revoked";
    else if (i < trace.messages.length - 1 && states.has(MESSAGE_DELIVERED)) {
      attempt.outcome = "retried";
      const acked = steps.find((s) => s.kind === "acked");
      if (acked) Object.assign(acked, { kind: "retried", text: "Retried: the worker published the next attempt" });
    } else if (states.has(MESSAGE_DELIVERED)) {
      attempt.outcome = "acked";
      const acked = steps.find((s) => s.kind === "acked");
      if (acked && meta && meta.retries === m.envelope.retries) acked.text = `Acknowledged: ${meta.status}`;
    }
    return attempt;
  });
}
