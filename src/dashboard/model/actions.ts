/**
 * What the dashboard changes, each through the worker's own code paths: revoke (tombstone +
 * REVOKED + cancel of the pending message), send again with the same input (a new task id), send
 * from the form (validated first, every issue reported), replay of a DLQ entry, and purge of
 * the pending messages (the CLI's `celeriac purge`).
 *
 * Replaying a task message publishes it as the task's next attempt (same id, `retries` + 1) and
 * removes the entry: the worker has already claimed the failed attempt, so a copy of that very
 * message would be answered as a duplicate delivery and not run. Entries that are not task
 * messages go back through the broker's own DLQ retry.
 * @module
 */
import { EnvelopeError } from "../../errors.ts";
import { revokeDirect } from "../../publish/revoke.ts";
import { parseEnvelope } from "../../task/envelope.ts";
import { validate } from "../../task/standard-schema.ts";
import type { DashboardSource } from "./source.ts";
import { type TaskTrace, traceTasks } from "./tasks.ts";
import { MESSAGE_ACTIVE, MESSAGE_CREATED, MESSAGE_ERROR, MESSAGE_RETRY } from "../../broker/local/message/message.ts";

/** An issue of a refused send: where, and what. */
export interface SendIssue {
  path: string;
  message: string;
}

/** The outcome of a send from the form. */
export type SendOutcome = { ok: true; id: string } | { ok: false; status: 400 | 404 | 422; error: string; issues: SendIssue[] };

/** Revoke task `id`: cancel its pending message when the log shows one; resolves that message's id. */
export async function revokeTask(source: DashboardSource, id: string, trace: TaskTrace | undefined): Promise<string | undefined> {
  const { rt } = source.ctx;
  const newest = trace?.messages[trace.messages.length - 1];
  const pending = newest && [MESSAGE_CREATED, MESSAGE_RETRY, MESSAGE_ERROR, MESSAGE_ACTIVE].includes(trace!.last.state) ? newest : undefined;
  const eta = pending?.envelope.expires ?? pending?.envelope.eta;
  const until = eta ? Date.parse(eta) : undefined;
  await revokeDirect(rt.backend, source.broker, id, rt.resultExpiresMs, rt.now, pending?.messageId, until);
  return pending?.messageId;
}

/** A message `purgePending` cancelled. */
export interface PurgedMessage {
  id: string;
  name: string;
  messageId: string;
  retries: number;
}

/**
 * Celery's `purge`: cancel the pending broker messages of this worker's tasks (waiting for their
 * delay, or for a redelivery), optionally only those of one queue (the queue a message was sent
 * to, else its task's). Deliveries under way are left alone, and no state is stored: the tasks
 * simply never run. Reads at most `maxEntries` log entries, newest first, so a message whose
 * whole history is older than that is not seen (`complete` is then false).
 */
export async function purgePending(source: DashboardSource, o: { queue?: string; maxEntries: number }): Promise<{ cancelled: PurgedMessage[]; scanned: number; complete: boolean }> {
  const entries = await source.logWindow({ maxEntries: o.maxEntries });
  const { registry } = source.ctx.rt;
  const cancelled: PurgedMessage[] = [];
  for (const trace of traceTasks(entries.items)) {
    const task = registry.find(trace.name);
    if (!task || ![MESSAGE_CREATED, MESSAGE_RETRY, MESSAGE_ERROR].includes(trace.last.state)) continue;
    const newest = trace.messages[trace.messages.length - 1];
    const queue = newest.envelope.queue ?? newest.entries.find((e) => e.queueName)?.queueName ?? task.options.queue;
    if (o.queue !== undefined && queue !== o.queue) continue;
    if (await source.broker.cancel(newest.messageId)) cancelled.push({ id: trace.id, name: trace.name, messageId: newest.messageId, retries: newest.envelope.retries });
  }
  return { cancelled, scanned: entries.items.length, complete: entries.complete };
}

/** Send `name` again with the input of `trace`'s message: a new task. */
export async function resendTask(source: DashboardSource, trace: TaskTrace): Promise<string> {
  const e = trace.envelope;
  const sent = await source.ctx.rt.publisher.send(e.task, e.input, e.argsrepr ? { argsrepr: e.argsrepr } : {});
  return sent.id;
}

/** Validate and send task `name` with `inputText` (JSON); the task's id, or every problem found. */
export async function sendFromForm(source: DashboardSource, name: string, inputText: string, countdown?: number): Promise<SendOutcome> {
  const task = source.ctx.rt.registry.find(name);
  if (!task) return { ok: false, status: 404, error: `Task "${name}" is not registered with this worker.`, issues: [] };
  let input: unknown;
  try {
    input = inputText.trim() === "" ? {} : JSON.parse(inputText);
  } catch (e) {
    return { ok: false, status: 400, error: "The input is not valid JSON; nothing was sent.", issues: [{ path: "(input)", message: (e as Error).message }] };
  }
  const checked = await validate(task.input, input);
  if (checked.issues) {
    const issues = checked.issues.map((i) => ({
      path: i.path?.map((p) => String(typeof p === "object" ? p.key : p)).join(".") || "(input)",
      message: i.message,
    }));
    return { ok: false, status: 422, error: `The input does not match task "${name}"'s schema; nothing was sent.`, issues };
  }
  const sent = await source.ctx.rt.publisher.send(name, input, countdown ? { countdown } : {});
  return { ok: true, id: sent.id };
}

/**
 * Replay DLQ entry `dlqId`: a task message as the task's next attempt, anything else through the
 * broker's DLQ retry. Resolves the task id (or message id) it became, undefined when the entry is gone.
 */
export async function replayDlq(source: DashboardSource, dlqId: string): Promise<{ taskId?: string; messageId?: string } | undefined> {
  const broker = source.broker;
  const [entry] = (await broker.listDlq!({ dlqIds: [dlqId] })).items;
  if (!entry) return undefined;
  let envelope;
  try {
    envelope = entry.body ? parseEnvelope(entry.body) : undefined;
  } catch (e) {
    if (!(e instanceof EnvelopeError)) throw e;
  }
  if (!envelope) {
    const messageId = await broker.retryDlq!(dlqId);
    return messageId ? { messageId } : undefined;
  }
  const { rt } = source.ctx;
  // The dedup id makes a double click publish once; the entry goes after the publish succeeded.
  const next = { ...envelope, retries: envelope.retries + 1, eta: null };
  const sent = await rt.publisher.republish(next, rt.now(), `celeriac-replay-${dlqId}`);
  await broker.deleteDlq!(dlqId);
  return { taskId: envelope.id, messageId: sent.messageId };
}
