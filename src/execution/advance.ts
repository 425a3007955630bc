/**
 * Advancing a canvas when a task finishes (the worker side of `canvas/`): on success, publish the
 * next step of its chain (or join its chord) and its `link` callbacks; on final failure, its
 * `linkError` callbacks, and fail its chord once. Everything published here carries its frozen id
 * as the broker's deduplication id, so a duplicate delivery of the finishing task, which runs this
 * again, publishes nothing new. The sequence is drawn in `canvas/ARCHITECTURE.md`.
 * @module
 */
import type { TaskMeta } from "../backend/backend.ts";
import { type ErrorView, toExceptionInfo } from "../backend/result-view.ts";
import { memberId, signaturesOf } from "../canvas/freeze.ts";
import type { Canvas, ChordMember, FailedTask, Signature } from "../canvas/signature.ts";
import { ChordError, NotRegistered } from "../errors.ts";
import { type CanvasTail, publishCanvas } from "../publish/publish-canvas.ts";
import { FAILURE, SUCCESS } from "../states.ts";
import type { Envelope } from "../task/envelope.ts";
import type { WorkerRuntime } from "./runtime.ts";

/** True when a finished task has something to advance. */
export function hasCanvas(env: Envelope): boolean {
  return !!(env.chain?.length || env.chord || env.link?.length || env.linkError?.length || env.replaces?.length);
}

/** `env` succeeded with `result` (stored): publish what follows it. */
/**
 * `env` succeeded with `result` (stored): publish what follows it. `counted` is its chord's count
 * when its SUCCESS write counted it (a derived chord member); without it (a duplicate delivery
 * finding SUCCESS stored) the count is read.
 */
export async function afterSuccess(rt: WorkerRuntime, env: Envelope, result: unknown, meta?: TaskMeta, counted?: number): Promise<void> {
  if (!hasCanvas(env)) return;
  const lineage: CanvasTail = { parentId: env.id, rootId: env.rootId ?? env.id, dedup: true };
  await storeReplaced(rt, env, meta);
  const [next, ...rest] = env.chain ?? [];
  if (next) await advance(rt, next, { value: result }, { ...lineage, chain: rest, chord: env.chord ?? undefined, groupId: env.groupId });
  else if (env.chord) {
    const results = await joined(rt, env.chord, result, counted);
    if (results) await advance(rt, env.chord.body, { value: results }, { ...lineage, chord: env.chord.outer, groupId: env.chord.groupId });
  }
  await Promise.all((env.link ?? []).map((l) => advance(rt, l, { value: result }, lineage)));
}

/** The header's results in order when this member completed the chord (or found it complete), else undefined. */
async function joined(rt: WorkerRuntime, chord: ChordMember, result: unknown, counted: number | undefined): Promise<unknown[] | undefined> {
  if (!chord.derived) {
    const join = await rt.backend.joinChord({
      chordId: chord.id, index: chord.index, size: chord.size, value: JSON.stringify({ v: result ?? null }), failed: false, ttlMs: rt.resultExpiresMs,
    });
    return join.status === "complete" ? join.results : undefined;
  }
  if ((counted ?? (await rt.backend.chordCount(chord.id))) !== chord.size) return undefined;
  const ids = Array.from({ length: chord.size }, (_, i) => memberId(chord.id, i));
  const metas = rt.backend.getMetas ? await rt.backend.getMetas(ids) : await Promise.all(ids.map((id) => rt.backend.getMeta(id)));
  const missing = metas.findIndex((m) => m?.status !== SUCCESS);
  if (missing !== -1) throw new Error(`Chord ${chord.id} is complete but member ${ids[missing]} has no stored SUCCESS; delivering again.`);
  return metas.map((m) => m!.result);
}

/** `env` failed for good with `error` (stored): call its error callbacks and fail its chord. */
export async function afterFailure(rt: WorkerRuntime, env: Envelope, error: ErrorView, meta?: TaskMeta): Promise<void> {
  if (!hasCanvas(env)) return;
  await storeReplaced(rt, env, meta);
  const lineage: CanvasTail = { parentId: env.id, rootId: env.rootId ?? env.id, dedup: true };
  const failed: FailedTask = { id: env.id, task: env.task, error: { type: error.type, message: error.message } };
  await Promise.all((env.linkError ?? []).map((e) => advance(rt, e, { value: failed }, lineage)));
  if (env.chord) await failChord(rt, env.chord, failed, lineage);
}

/** `env` was revoked (or expired) without a result: a chord it belongs to fails, naming it (it could never complete). */
export async function afterRevoked(rt: WorkerRuntime, env: Envelope, reason: string): Promise<void> {
  if (!env.chord) return;
  const lineage: CanvasTail = { parentId: env.id, rootId: env.rootId ?? env.id, dedup: true };
  await failChord(rt, env.chord, { id: env.id, task: env.task, error: { type: "TaskRevokedError", message: reason } }, lineage);
}

/** A header member failed: the first report fails the body (and an outer chord) with a ChordError. */
async function failChord(rt: WorkerRuntime, chord: ChordMember, failed: FailedTask, lineage: CanvasTail): Promise<void> {
  const joined = await rt.backend.joinChord({ chordId: chord.id, index: chord.index, size: chord.size, value: JSON.stringify(failed), failed: true, ttlMs: rt.resultExpiresMs });
  if (joined.status !== "failed" || !joined.first) return;
  const error = new ChordError(failed.id, failed.task, failed.error);
  await failCalls(rt, signaturesOf(chord.body), error, lineage);
  if (chord.outer) await failChord(rt, chord.outer, { id: failed.id, task: failed.task, error: { type: error.name, message: error.message } }, lineage);
}

/** Store FAILURE `error` on calls that will not run, and send their error callbacks. */
async function failCalls(rt: WorkerRuntime, calls: Signature[], error: Error, lineage: CanvasTail): Promise<void> {
  const { info, traceback } = toExceptionInfo(error);
  const now = new Date(rt.now()).toISOString();
  await Promise.all(calls.map(async (sig) => {
    const id = sig.options!.id!;
    await rt.backend.storeMeta({
      task_id: id, status: FAILURE, result: info, traceback, children: [], date_done: now, name: sig.task,
      parent_id: lineage.parentId ?? null, root_id: lineage.rootId ?? null,
    }, rt.resultExpiresMs);
    const failed: FailedTask = { id, task: sig.task, error: { type: error.name, message: error.message } };
    // Only the lineage: an error callback does not inherit the failed call's place (the rest of its chain, its chord).
    await Promise.all((sig.linkError ?? []).map((e) => advance(rt, e, { value: failed }, { parentId: id, rootId: lineage.rootId, dedup: true })));
  }));
}

/** Publish `node` unless a call that would start now names a task this worker does not serve: that call fails NotRegistered. */
async function advance(rt: WorkerRuntime, node: Canvas, previous: { value: unknown }, tail: CanvasTail): Promise<void> {
  const unknown = startingCalls(node).filter((s) => !rt.registry.find(s.task));
  if (unknown.length) {
    for (const sig of unknown) await failCalls(rt, [sig], new NotRegistered(sig.task, rt.registry.names()), tail);
    return;
  }
  try {
    await publishCanvas({ publisher: rt.publisher, backend: rt.backend, resultExpiresMs: rt.resultExpiresMs }, node, previous, tail);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error; // a broker or Redis outage: redelivered, and advanced again
    await failCalls(rt, startingCalls(node), error, tail); // a result that cannot become the next input
  }
}

/** The calls of `node` that are published at once. */
function startingCalls(node: Canvas): Signature[] {
  if ("task" in node) return [node];
  if (node.kind === "chain") return startingCalls(node.steps[0]!);
  if (node.kind === "group") return node.tasks.flatMap(startingCalls);
  return node.header.length ? node.header.flatMap(startingCalls) : startingCalls(node.body);
}

/** A replacement finished (`ctx.replace`): the tasks it replaced get its stored state too. */
async function storeReplaced(rt: WorkerRuntime, env: Envelope, meta: TaskMeta | undefined): Promise<void> {
  if (!env.replaces?.length || !meta) return;
  await Promise.all(env.replaces.map((id) => rt.backend.storeMeta({ ...meta, task_id: id, children: [env.id] }, rt.resultExpiresMs)));
}

