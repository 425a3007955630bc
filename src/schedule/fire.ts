/**
 * Fire one tick of a schedule: apply the misfire policy, then publish an ordinary task message
 * through `Publisher` (the task's retries, limits and rate limit apply) with
 * `schedule: { name, tick }` in the envelope.
 *
 * Each tick has its own task id, derived from the schedule name and the tick
 * ({@link scheduledTaskId}), so however often a tick is fired (two engines, a broker retry, a
 * retry after a failed publish) it is one task: the idempotency key `schedule:<name>:<tick>`
 * (backend) and the broker's deduplication id drop repeats, and a repeat that still gets
 * through finds the first one's claim at the worker and does not run.
 * @module
 */
import type { Backend } from "../backend/backend.ts";
import type { Broker } from "../broker/broker.ts";
import { Publisher } from "../publish/publisher.ts";
import type { Logger } from "../util/logger.ts";
import type { Registry } from "../task/registry.ts";
import type { Schedule } from "./schedule.ts";

/** What firing needs: the worker's ports, its URL, its clock and randomness. */
export interface FireDeps {
  broker: Broker;
  /** Binds each tick to one task id (idempotency key). */
  backend: Backend;
  /** The worker's public base URL (runs go to `<workerUrl>/tasks/<task>`). */
  workerUrl: string;
  registry?: Registry;
  now: () => number;
  /** In [0, 1), for `jitter`. */
  random: () => number;
  logger: Logger;
}

/** What firing a tick did. */
export type FireResult =
  /** A run was published. */
  | { schedule: string; tick: string; status: "published"; id: string; messageId: string | undefined; delayMs: number }
  /** This tick was already published (another firing of it, an engine retry): nothing new. */
  | { schedule: string; tick: string; status: "duplicate"; id: string }
  /** Fired later than `misfireGrace` with `misfire: "skip"`: dropped. */
  | { schedule: string; tick: string; status: "missed"; lateMs: number };

/** The idempotency key of one tick. */
export function tickKey(s: Schedule, tick: number): string {
  return `schedule:${s.name}:${new Date(tick).toISOString()}`;
}

/** The task id of tick `tick` (epoch ms) of schedule `name`: a UUID (version 8) from SHA-256 of the tick key. */
export async function scheduledTaskId(name: string, tick: number): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`celeriac.schedule:${name}:${new Date(tick).toISOString()}`)));
  const b = digest.slice(0, 16);
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The broker queue (parallelism 1) that `overlap: "queue"` runs go through. */
export function queueName(s: Schedule): string {
  return `celeriac.${s.name}`;
}

/** Fire `tick` (epoch ms) of `s`, observed at `firedAt` (default now). */
export async function fireTick(deps: FireDeps, s: Schedule, tick: number, firedAt = deps.now()): Promise<FireResult> {
  const tickIso = new Date(tick).toISOString();
  const lateMs = firedAt - tick;
  if (lateMs > s.misfireGraceMs && s.misfire === "skip") {
    deps.logger.warn(`schedule ${s.name}: tick ${tickIso} fired ${Math.round(lateMs / 1000)} s late (grace ${s.misfireGraceMs / 1000} s), skipped (misfire: "skip")`);
    return { schedule: s.name, tick: tickIso, status: "missed", lateMs };
  }
  const broker = s.overlap === "queue" ? inQueue(deps.broker, queueName(s)) : deps.broker;
  const publisher = new Publisher({ broker, backend: deps.backend, workerUrl: deps.workerUrl, registry: deps.registry, now: deps.now });
  const delayMs = s.jitterMs > 0 ? Math.floor(deps.random() * s.jitterMs) : 0;
  const sent = await publisher.send(s.taskName, s.input, {
    id: await scheduledTaskId(s.name, tick),
    idempotencyKey: tickKey(s, tick),
    schedule: { name: s.name, tick: tickIso },
    ...(delayMs > 0 ? { countdown: delayMs / 1000 } : {}),
  });
  if (sent.deduplicated) {
    deps.logger.debug(`schedule ${s.name}: tick ${tickIso} already published as ${sent.id}`);
    return { schedule: s.name, tick: tickIso, status: "duplicate", id: sent.id };
  }
  deps.logger.info(`schedule ${s.name}: tick ${tickIso} → ${s.taskName}[${sent.id}]${delayMs ? ` in ${Math.round(delayMs / 1000)} s (jitter)` : ""}`);
  return { schedule: s.name, tick: tickIso, status: "published", id: sent.id, messageId: sent.messageId, delayMs };
}

/** A broker that publishes into queue `queue` (FIFO; a new QStash or local-broker queue has parallelism 1). */
function inQueue(broker: Broker, queue: string): Broker {
  return {
    publish: (request) => broker.publish({ ...request, queue }),
    cancel: (messageId) => broker.cancel(messageId),
  };
}
