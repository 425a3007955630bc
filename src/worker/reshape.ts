/**
 * Messages sent without their task's broker options. A client that sends by name without the
 * tasks or the manifest cannot set the task's rate limit (flow control), delivery timeout,
 * default expiry or queue; the worker, which knows the task, republishes such a message once
 * with them (same id, `shaped: true`, a deduplication id so a redelivery does not double it) and
 * acknowledges the bare one without running it. So those options hold however a task is sent, at
 * the cost of one more broker message for such sends, and no Redis command.
 * @module
 */
import type { Outcome } from "../execution/outcome.ts";
import type { WorkerRuntime } from "../execution/runtime.ts";
import { DEFAULT_QUEUE } from "../publish/publisher.ts";
import { PENDING } from "../states.ts";
import type { Envelope } from "../task/envelope.ts";
import type { AnyTask } from "../task/task.ts";

/** True when `env` lacks broker options its task has. */
export function needsShape(task: AnyTask, env: Envelope): boolean {
  const o = task.options;
  return !env.shaped && (o.rateLimit !== undefined || o.timeLimitMs !== undefined || o.expiresMs !== undefined || (env.queue ?? o.queue) !== DEFAULT_QUEUE);
}

/** Republish `env` with its task's broker options and acknowledge this delivery; a failed publish asks for redelivery. */
export async function reshape(rt: WorkerRuntime, task: AnyTask, env: Envelope): Promise<Outcome> {
  const o = task.options;
  const sentMs = env.sentAt ? Date.parse(env.sentAt) : rt.now();
  const shaped: Envelope = {
    ...env,
    shaped: true,
    queue: env.queue ?? o.queue,
    // The default expiry counts from when it was sent, as the task's own client would have set it.
    expires: env.expires ?? (o.expiresMs !== undefined ? new Date(sentMs + o.expiresMs).toISOString() : null),
  };
  try {
    await rt.publisher.republish(shaped, env.eta ? Date.parse(env.eta) : rt.now(), `shape-${env.id}-${env.retries}`);
  } catch (error) {
    return { kind: "redeliver", id: env.id, reason: `Could not republish with the task's options: ${(error as Error).message}` };
  }
  rt.logger.info(`${task.name}[${env.id}]: sent without the task's broker options (rate limit, timeout, expiry, queue); republished with them`);
  return { kind: "ack", id: env.id, state: PENDING, note: "republished with the task's broker options" };
}
