/**
 * Publish a frozen canvas node: the calls that can start now are published, each carrying what
 * runs after it (the rest of its chain, its chord membership, its callbacks), so that the worker
 * advances the canvas when a call finishes (`execution/advance.ts`). The sequence is drawn in
 * `canvas/ARCHITECTURE.md`.
 * @module
 */
import type { Backend } from "../backend/backend.ts";
import { celeryTuple, derivedMembers, resultIds, stepInput } from "../canvas/freeze.ts";
import type { Canvas, ChordMember, Signature, SignatureOptions } from "../canvas/signature.ts";
import type { SendOptions } from "../task/send-options.ts";
import type { CanvasPlace, Publisher } from "./publisher.ts";

/** Where the node sits: what follows it, its chord, its group, its lineage. */
export interface CanvasTail {
  chain?: Canvas[] | undefined;
  chord?: ChordMember | undefined;
  groupId?: string | null | undefined;
  parentId?: string | undefined;
  rootId?: string | undefined;
  /** Published by a worker advancing a canvas: deduplicate each publish by its task id. */
  dedup?: boolean | undefined;
}

/** What publishing needs. */
export interface CanvasPublishing {
  publisher: Publisher;
  /** Where group results are saved (none: not saved). */
  backend?: Backend | undefined;
  resultExpiresMs: number;
}

/** Publish `node` (frozen) after a step that returned `previous` (none: the canvas's first calls). */
export async function publishCanvas(p: CanvasPublishing, node: Canvas, previous: { value: unknown } | undefined, tail: CanvasTail = {}): Promise<void> {
  if ("task" in node) return void (await publishCall(p, node, previous, tail));
  if (node.kind === "chain") {
    const [first, ...rest] = node.steps;
    return await publishCanvas(p, first!, previous, { ...tail, chain: [...rest, ...(tail.chain ?? [])] });
  }
  if (node.kind === "group") {
    const [next, ...rest] = tail.chain ?? [];
    // A group followed by more steps is a chord whose body is the next step (as in Celery).
    if (next) return await publishCanvas(p, { kind: "chord", id: node.id, header: node.tasks, body: next }, previous, { ...tail, chain: rest });
    await saveGroup(p, node.id!, node.tasks);
    await Promise.all(node.tasks.map((t) => publishCanvas(p, t, previous, { ...tail, groupId: node.id })));
    return;
  }
  const header = node.header.flatMap((h) => ("kind" in h && h.kind === "group" ? h.tasks : [h]));
  const body: Canvas = tail.chain?.length ? { kind: "chain", steps: [node.body, ...tail.chain] } : node.body;
  if (!header.length) return await publishCanvas(p, body, { value: [] }, { ...tail, chain: [] });
  const id = node.id!;
  await saveGroup(p, id, header);
  const derived = derivedMembers(id, header);
  const member = (index: number): ChordMember => ({ id, index, size: header.length, body, ...(derived ? { derived } : {}), ...(tail.chord ? { outer: tail.chord } : {}), ...(tail.groupId ? { groupId: tail.groupId } : {}) });
  await Promise.all(header.map((h, i) => publishCanvas(p, h, previous, { ...tail, chain: [], chord: member(i), groupId: id })));
}

async function publishCall(p: CanvasPublishing, sig: Signature, previous: { value: unknown } | undefined, tail: CanvasTail): Promise<void> {
  const id = sig.options!.id!;
  const place: CanvasPlace = {
    chain: tail.chain, chord: tail.chord, groupId: tail.groupId, link: sig.link, linkError: sig.linkError, replaces: sig.replaces,
    ...(tail.dedup ? { deduplicationId: id } : {}),
  };
  await p.publisher.send(sig.task, stepInput(sig, previous), { ...toSendOptions(sig.options), parentId: tail.parentId, rootId: tail.rootId }, place);
}

/** A signature's JSON options as calling options (an ISO `expires` is a time, a number or `"10s"` a duration, as at any send). */
function toSendOptions(o: SignatureOptions = {}): SendOptions {
  return o as SendOptions;
}

async function saveGroup(p: CanvasPublishing, groupId: string, members: Canvas[]): Promise<void> {
  await p.backend?.saveGroup(groupId, celeryTuple({ groupId, members: members.map(resultIds) }), p.resultExpiresMs);
}
