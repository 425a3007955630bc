/**
 * Execute one delivery of a task message: expiry, input validation, cache, claim, handler with
 * time limits, and the outcome (stored state + what to answer the broker). The sequence is in
 * `ARCHITECTURE.md` beside this file.
 * @module
 */
import type { TaskMeta } from "../backend/backend.ts";
import { hasName, InputValidationError, OutputValidationError, Reject, RepublishFailed, TaskRevokedError, WorkerLostError } from "../errors.ts";
import { FAILURE, IGNORED, isReady, RETRY, REVOKED, STARTED, SUCCESS } from "../states.ts";
import type { Envelope } from "../task/envelope.ts";
import { validate } from "../task/standard-schema.ts";
import { type AnyTask, matchesError } from "../task/task.ts";
import { toResultView } from "../backend/result-view.ts";
import { Attempt } from "./attempt.ts";
import { autoretryCountdown } from "./backoff.ts";
import { runInTask } from "../current.ts";
import { baseMeta, errorMeta, storesOf, withTaskDefaults } from "./meta.ts";
import type { Outcome } from "./outcome.ts";
import type { WorkerRuntime } from "./runtime.ts";
import { withTimeLimits } from "./time-limit.ts";
import { afterFailure, afterRevoked, afterSuccess, hasCanvas } from "./advance.ts";
import { toMs } from "../duration.ts";
import { deliveryTimeoutSec } from "../publish/delivery-timeout.ts";

/** Delivery facts from the broker's headers. */
export interface Delivery {
  messageId: string | null;
  retried: number;
}

/** Handle one verified, parsed delivery of `task`. Never throws: infrastructure errors become `redeliver`. */
export async function execute(rt: WorkerRuntime, task: AnyTask, env: Envelope, delivery: Delivery): Promise<Outcome> {
  try {
    return await executeOrThrow(rt, task, env, delivery);
  } catch (error) {
    rt.logger.error(`${task.name}[${env.id}]: could not finish the delivery, asking the broker to redeliver: ${describe(error)}`);
    return { kind: "redeliver", id: env.id, reason: `Infrastructure error: ${describe(error)}` };
  }
}

async function executeOrThrow(rt: WorkerRuntime, task: AnyTask, sent: Envelope, delivery: Delivery): Promise<Outcome> {
  const key = `${sent.id}:${sent.retries}`;
  // A redelivery of an attempt whose body already ran here but whose outcome could not be stored.
  const finishing = rt.unfinished.finish(key);
  if (finishing) {
    const finished = await finishing;
    if (finished) return finished;
  }
  const now = rt.now();
  const env = withTaskDefaults(sent, task);
  const stores = storesOf(env, task);
  if (env.expires && Date.parse(env.expires) <= now) {
    rt.logger.info(`${task.name}[${env.id}]: expired at ${env.expires}, revoked without running`);
    await rt.backend.storeMeta(errorMeta(env, REVOKED, new TaskRevokedError("expired"), now), rt.resultExpiresMs);
    await afterRevoked(rt, env, "expired");
    return { kind: "ack", id: env.id, state: REVOKED, note: "expired" };
  }

  const parsed = await validate(task.input, env.input);
  if (parsed.issues) {
    const error = new InputValidationError(task.name, parsed.issues);
    rt.logger.error(`${task.name}[${env.id}]: ${error.message}`);
    const meta = errorMeta(env, FAILURE, error, now);
    if (stores.errors) await rt.backend.storeMeta(meta, rt.resultExpiresMs);
    return await failed(rt, task, env, meta);
  }
  const input = parsed.value;

  const cacheKey = task.cache ? `${task.name}:${task.cache.key(input)}` : undefined;
  if (cacheKey !== undefined) {
    const cached = await rt.backend.getCached(cacheKey);
    if (cached !== undefined) {
      if (stores.result) await rt.backend.storeMeta(baseMeta(env, SUCCESS, cached, now), rt.resultExpiresMs);
      return { kind: "ack", id: env.id, state: SUCCESS, note: "cached" };
    }
  }

  const o = task.options;
  const token = rt.unfinished.claimToken(key);
  // The claim lives as long as results do: it fences the attempt's writes (and, for ack early, stops
  // any re-run); its lease (the deadline inside, renewed by the heartbeat) says whether the holder lives.
  const claimTtlMs = rt.resultExpiresMs;
  const claim = await rt.backend.claim({
    id: env.id,
    retries: env.retries,
    token,
    mode: o.acksLate ? "late" : "early",
    now,
    leaseMs: rt.leaseMs,
    claimTtlMs,
    metaTtlMs: rt.resultExpiresMs,
    ...(o.trackStarted && stores.result ? { started: baseMeta(env, STARTED, { hostname: rt.hostname }, now, { worker: rt.hostname }) } : {}),
  }).catch((error: unknown) => {
    rt.unfinished.claimLost(key, token); // the claim may be taken: the redelivery claims with the same token
    throw error;
  });
  rt.unfinished.forget(key);
  switch (claim.status) {
    case "revoked":
      await afterRevoked(rt, env, claim.reason);
      return { kind: "ack", id: env.id, state: REVOKED, note: claim.reason };
    case "succeeded":
      // Advance again: the delivery that stored SUCCESS may have died before publishing what follows (deduplicated if not).
      await afterSuccess(rt, env, claim.meta.result, claim.meta);
      return { kind: "ack", id: env.id, state: SUCCESS, note: "duplicate of a successful task" };
    case "held":
      return await onHeld(rt, task, env, input, delivery, claim.leaseRemainingMs, claim.meta, key);
  }
  const run = runAttempt(rt, new Attempt(rt, task, env, input, delivery, token), token, claimTtlMs);
  rt.inflight.set(key, run);
  try {
    return await run;
  } finally {
    rt.inflight.delete(key);
  }
}

/** Another delivery holds this attempt's claim. */
async function onHeld(
  rt: WorkerRuntime, task: AnyTask, env: Envelope, input: unknown, delivery: Delivery,
  leaseRemainingMs: number, meta: TaskMeta | null, key: string,
): Promise<Outcome> {
  if (meta && isReady(meta.status)) return { kind: "ack", id: env.id, state: meta.status, note: "duplicate delivery" };
  if (leaseRemainingMs > 0) return await waitOrBusy(rt, task, env, key, leaseRemainingMs);
  // The lease is over (or the claim closed): the attempt was lost. Ack early records WorkerLostError
  // (Celery's); an acksLate claim that is only expired was taken over by the claim script instead.
  const error = new WorkerLostError();
  const now = rt.now();
  const attempt = new Attempt(rt, task, env, input, delivery);
  const failure = errorMeta(env, FAILURE, error, now);
  const lost = await rt.backend.markLost({ id: env.id, retries: env.retries, now, lost: attempt.storesErrors ? failure : null, unclaimed: null, ttlMs: rt.resultExpiresMs });
  if (lost.status === "settled") return { kind: "ack", id: env.id, state: lost.meta.status, note: "duplicate delivery" };
  if (lost.status === "live") return await waitOrBusy(rt, task, env, key, lost.leaseRemainingMs);
  rt.logger.error(`${task.name}[${env.id}]: ${error.message}`);
  await hook(attempt, "onFailure", () => task.hooks.onFailure?.(error, attempt));
  await hook(attempt, "afterReturn", () => task.hooks.afterReturn?.(FAILURE, error, attempt));
  return await failed(rt, task, env, failure);
}

/**
 * The holder's lease is live: wait for it to finish (in this process, or by polling the result),
 * at most `duplicateWait` and half the delivery timeout the broker was given, so this answer
 * always reaches the broker in time; then 429 + Retry-After (the lease left).
 */
async function waitOrBusy(rt: WorkerRuntime, task: AnyTask, env: Envelope, key: string, leaseRemainingMs: number): Promise<Outcome> {
  const waitFrom = rt.now();
  const timeoutSec = deliveryTimeoutSec(task.options);
  const budgetMs = Math.min(leaseRemainingMs, rt.duplicateWaitMs, timeoutSec === undefined ? Infinity : (timeoutSec * 1000) / 2);
  const settled = await waitForHolder(rt, env.id, key, budgetMs);
  if (settled) return { kind: "ack", id: env.id, state: settled, note: "duplicate delivery" };
  const retryAfterSec = Math.max(1, Math.ceil((leaseRemainingMs - (rt.now() - waitFrom)) / 1000)); // the lease left now, after the wait
  return { kind: "redeliver", id: env.id, reason: "Another delivery of this attempt is running", retryAfterSec, busy: true };
}

/** Wait for the holder to reach a ready or retried state, in this process or through the backend. */
async function waitForHolder(rt: WorkerRuntime, id: string, key: string, waitMs: number): Promise<string | undefined> {
  const local = rt.inflight.get(key);
  const deadline = rt.now() + waitMs;
  if (local) {
    let timer: unknown;
    const outcome = await Promise.race([local, new Promise<undefined>((r) => (timer = rt.timers.setTimeout(() => r(undefined), waitMs)))]);
    rt.timers.clearTimeout(timer);
    if (outcome && outcome.kind !== "redeliver") return "state" in outcome ? outcome.state : undefined;
    return undefined;
  }
  let interval = 20;
  while (rt.now() < deadline) {
    await new Promise((r) => rt.timers.setTimeout(() => r(undefined), Math.min(interval, Math.max(0, deadline - rt.now())))); // never past the budget
    interval = Math.min(interval * 2, 500);
    const meta = await rt.backend.getMeta(id);
    if (meta && (isReady(meta.status) || meta.status === RETRY)) return meta.status;
  }
  return undefined;
}

async function runAttempt(rt: WorkerRuntime, attempt: Attempt, token: string, claimTtlMs: number): Promise<Outcome> {
  const { task, env } = attempt;
  const o = task.options;
  attempt.startHeartbeat(claimTtlMs);
  try {
    await hook(attempt, "beforeStart", () => task.hooks.beforeStart?.(attempt));
    let result: unknown;
    try {
      const limited = runInTask(
        { id: env.id, rootId: env.rootId ?? env.id, name: task.name, disableSyncSubtasks: o.disableSyncSubtasks, sender: rt.sender, children: attempt.children },
        () => withTimeLimits(async () => await task.handler(attempt.input, attempt), { softMs: o.softTimeLimitMs, hardMs: o.timeLimitMs }, attempt.controller, rt.timers),
      );
      result = await Promise.race([limited, attempt.abandoned]);
      if (task.output) {
        const checked = await validate(task.output, result);
        if (checked.issues) throw new OutputValidationError(task.name, checked.issues);
        result = checked.value;
      }
    } catch (error) {
      // The hard limit abandons the body where it is: fence its writes before anything else.
      if (hasName(error, "TimeLimitExceeded")) attempt.close(error as Error);
      return await onError(rt, attempt, error, token);
    }
    return await finishing(rt, attempt, () => onSuccess(rt, attempt, result));
  } finally {
    attempt.end();
    await attempt.releaseLocks();
  }
}

/** The attempt was abandoned by someone else (revoked, or lost its claim): nothing more to write (a revoked chord member fails its chord). */
async function abandonedOutcome(attempt: Attempt, reason: Error): Promise<Outcome> {
  const id = attempt.env.id;
  if (hasName(reason, "TaskRevokedError")) {
    await afterRevoked(attempt.rt, attempt.env, "revoked while running");
    return { kind: "ack", id, state: REVOKED, note: "revoked while running" };
  }
  attempt.log.warn(`abandoned: ${reason.message}`);
  return { kind: "ack", id, state: FAILURE, note: `abandoned: ${reason.message}` };
}

async function onSuccess(rt: WorkerRuntime, attempt: Attempt, result: unknown): Promise<Outcome> {
  const { task, env } = attempt;
  const now = rt.now();
  if (attempt.closed) return abandonedOutcome(attempt, attempt.closed);
  if (task.cache) await rt.backend.setCached(`${task.name}:${task.cache.key(attempt.input as never)}`, result ?? null, toMs(task.cache.ttl));
  const member = env.chord?.derived && !env.chain?.length ? env.chord : undefined;
  // Built only when something reads it (stored, or handed on to what follows).
  const meta = attempt.storesResult || member || hasCanvas(env) ? baseMeta(env, SUCCESS, result, now, { children: attempt.childTuples() }) : undefined;
  // A chord member whose id the chord derived stores its result (always: the chord reads it) and is
  // counted in the same script; other chord members store theirs without PUBLISH (nobody waits on one).
  if (meta && (attempt.storesResult || member)) {
    const written = await attempt.write(meta, SUCCESS, { final: true, quiet: !!env.chord, chordId: member?.id });
    if (written === "fenced" || written === "revoked") return abandonedOutcome(attempt, attempt.closed!);
  }
  await afterSuccess(rt, env, result, meta, attempt.chordCount);
  attempt.log.info(`succeeded in ${now - Date.parse(env.sentAt ?? new Date(now).toISOString())} ms since sent`);
  await hook(attempt, "onSuccess", () => task.hooks.onSuccess?.(result, attempt));
  await hook(attempt, "afterReturn", () => task.hooks.afterReturn?.(SUCCESS, result, attempt));
  return { kind: "ack", id: env.id, state: SUCCESS };
}

async function onError(rt: WorkerRuntime, attempt: Attempt, error: unknown, token: string): Promise<Outcome> {
  const { task, env } = attempt;
  const o = task.options;
  const closed = attempt.closed;
  if (closed && hasName(closed, "TimeLimitExceeded")) return await fail(rt, attempt, closed);
  if (closed) return abandonedOutcome(attempt, closed);
  if (error instanceof RepublishFailed) return await redeliver(rt, attempt, token, error.message);
  if (hasName(error, "Retry") && attempt.retried) return await retried(attempt);
  if (hasName(error, "Ignore")) {
    attempt.log.info("ignored");
    return { kind: "ack", id: env.id, state: IGNORED };
  }
  if (hasName(error, "TaskRevokedError")) {
    await afterRevoked(rt, env, "revoked while running");
    return { kind: "ack", id: env.id, state: REVOKED, note: "revoked while running" };
  }
  if (error instanceof Reject || hasName(error, "Reject")) {
    if ((error as Reject).requeue) return await redeliver(rt, attempt, token, `Rejected with requeue: ${(error as Error).message}`);
    return await fail(rt, attempt, error);
  }
  if (o.autoretryFor.length && !(error instanceof OutputValidationError) && !matchesError(error, o.dontAutoretryFor) && matchesError(error, o.autoretryFor)) {
    try {
      const countdown = autoretryCountdown(env.retries, o, rt.random);
      await attempt.retry({ exc: error, countdown, maxRetries: o.retryKwargs.maxRetries });
    } catch (retryError) {
      if (retryError instanceof RepublishFailed) return await redeliver(rt, attempt, token, retryError.message);
      if (hasName(retryError, "Retry") && attempt.retried) return await retried(attempt);
      return await fail(rt, attempt, retryError);
    }
  }
  return await fail(rt, attempt, error);
}

async function retried(attempt: Attempt): Promise<Outcome> {
  const { task, env } = attempt;
  const retry = attempt.retried!;
  attempt.log.info(retry.message);
  await hook(attempt, "onRetry", () => task.hooks.onRetry?.(retry.exc ?? retry, attempt));
  await hook(attempt, "afterReturn", () => task.hooks.afterReturn?.(RETRY, retry.exc ?? retry, attempt));
  return { kind: "ack", id: env.id, state: RETRY, note: retry.message };
}

/**
 * Store the outcome of a body that ran (then its hooks) with `complete`; when the backend does not
 * answer, keep `complete` for the redelivery of this attempt (`unfinished.ts`) and rethrow, so the
 * broker is asked to deliver again and the body does not run twice.
 */
async function finishing(rt: WorkerRuntime, attempt: Attempt, complete: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return await complete();
  } catch (error) {
    rt.unfinished.finishLater(`${attempt.env.id}:${attempt.env.retries}`, complete);
    attempt.log.warn(`the body ran but its outcome could not be stored; kept in this process until the broker delivers it again`);
    throw error;
  }
}

function fail(rt: WorkerRuntime, attempt: Attempt, error: unknown): Promise<Outcome> {
  return finishing(rt, attempt, () => storeFailure(rt, attempt, error));
}

async function storeFailure(rt: WorkerRuntime, attempt: Attempt, error: unknown): Promise<Outcome> {
  const { task, env } = attempt;
  const now = rt.now();
  const meta = errorMeta(env, FAILURE, error, now, { children: attempt.childTuples() });
  // At the hard time limit the body may still run: the FAILURE closes the claim in the same step.
  const close = hasName(error, "TimeLimitExceeded");
  if (attempt.storesErrors || close) {
    const written = await attempt.write(attempt.storesErrors ? meta : null, FAILURE, { final: true, close });
    if (written === "fenced" || written === "revoked") return abandonedOutcome(attempt, attempt.closed!);
  }
  if (matchesError(error, task.options.throws)) attempt.log.info(`failed (expected): ${describe(error)}`);
  else attempt.log.error(`failed: ${(error as Error)?.stack ?? describe(error)}`);
  await hook(attempt, "onFailure", () => task.hooks.onFailure?.(error, attempt));
  await hook(attempt, "afterReturn", () => task.hooks.afterReturn?.(FAILURE, error, attempt));
  return await failed(rt, task, env, meta);
}

async function redeliver(rt: WorkerRuntime, attempt: Attempt, token: string, reason: string): Promise<Outcome> {
  await rt.backend.releaseClaim(attempt.env.id, attempt.env.retries, token).catch(() => {});
  attempt.log.warn(`asking the broker to deliver again: ${reason}`);
  return { kind: "redeliver", id: attempt.env.id, reason };
}

/** A final failure: error callbacks and the chord first, then the answer (a broker outage here redelivers, and they run again, deduplicated). */
async function failed(rt: WorkerRuntime, task: AnyTask, env: Envelope, meta: TaskMeta): Promise<Outcome> {
  const outcome = final(task, meta);
  if (outcome.kind === "final") await afterFailure(rt, env, outcome.error, meta);
  return outcome;
}

function final(task: AnyTask, meta: TaskMeta): Outcome {
  const view = toResultView(meta.task_id, meta);
  return { kind: "final", id: meta.task_id, state: FAILURE, error: view.error!, deadLetter: task.options.deadLetter };
}

/** Run a user hook; its errors are logged, never change the outcome. */
async function hook(attempt: Attempt, name: string, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (error) {
    attempt.log.error(`${name} hook failed: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
