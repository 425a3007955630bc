/**
 * Preparing a canvas to send: `freeze` gives every call and group an id up front (so the sender
 * gets its result ids at once, and a step published twice publishes the same id, which the
 * broker's deduplication and the worker's claim each stop), callbacks are attached where Celery
 * attaches them, and `stepInput` computes a step's input from the previous result.
 * @module
 */
import { CanvasError } from "../errors.ts";
import { type Canvas, compact, type Signature } from "./signature.ts";

/** The ids a sent canvas answers with: one task's, or a group's with its members'. */
export type ResultIds = { id: string } | { groupId: string; members: ResultIds[] };

/** A deep copy of `node` with an id on every signature, group and chord that has none. */
export function freeze(node: Canvas, newId: () => string = () => crypto.randomUUID()): Canvas {
  if ("task" in node) {
    const callbacks = (list: Canvas[] | undefined) => list?.map((c) => freeze(c, newId));
    return compact({ ...node, options: { ...node.options, id: node.options?.id ?? newId() }, link: callbacks(node.link), linkError: callbacks(node.linkError) });
  }
  if (node.kind === "chain") return { ...node, steps: node.steps.map((s) => freeze(s, newId)) };
  if (node.kind === "group") return { ...node, id: node.id ?? newId(), tasks: node.tasks.map((t) => freeze(t, newId)) };
  const id = node.id ?? newId();
  // A group in a header is flattened (as Celery does); each member's final call gets an id derived
  // from the chord's, so the member completing the chord finds every result by id (one MGET).
  const header = node.header.flatMap((h) => ("kind" in h && h.kind === "group" ? h.tasks : [h])).map((member, i) => {
    const given = finalSignatures(member);
    const frozen = freeze(member, newId);
    const finals = finalSignatures(frozen);
    if (given.length === 1 && !given[0]!.options?.id) finals[0]!.options!.id = memberId(id, i);
    return frozen;
  });
  return { ...node, id, header, body: freeze(node.body, newId) };
}

/** The id of header member `index`'s final call in chord `chordId` (unless the caller gave one). */
export function memberId(chordId: string, index: number): string {
  return `${chordId}.${index}`;
}

/** True when every header member's final call has its derived id (the chord joins by result keys). */
export function derivedMembers(chordId: string, header: Canvas[]): boolean {
  return header.every((h, i) => {
    const finals = finalSignatures(h);
    return finals.length === 1 && finals[0]!.options?.id === memberId(chordId, i);
  });
}

/** The ids of a frozen node's result: a chain's is its last step's, a chord's its body's. */
export function resultIds(node: Canvas): ResultIds {
  if ("task" in node) return { id: node.options!.id! };
  if (node.kind === "chain") return resultIds(node.steps[node.steps.length - 1]!);
  if (node.kind === "group") return { groupId: node.id!, members: node.tasks.map(resultIds) };
  return resultIds(node.body);
}

/** Every signature of a node, in order. */
export function signaturesOf(node: Canvas): Signature[] {
  if ("task" in node) return [node];
  if (node.kind === "chain") return node.steps.flatMap(signaturesOf);
  if (node.kind === "group") return node.tasks.flatMap(signaturesOf);
  return [...node.header.flatMap(signaturesOf), ...signaturesOf(node.body)];
}

/** The signatures whose result is the node's result (a chain's last step, a group's members, a chord's body's). */
export function finalSignatures(node: Canvas): Signature[] {
  if ("task" in node) return [node];
  if (node.kind === "chain") return finalSignatures(node.steps[node.steps.length - 1]!);
  if (node.kind === "group") return node.tasks.flatMap(finalSignatures);
  return finalSignatures(node.body);
}

/**
 * Attach send-time callbacks to a frozen node (in place): `linkError` to every call (Celery's
 * `link_error` on a chain applies to each task), `link` to the calls whose result is the node's.
 */
export function attachCallbacks(node: Canvas, link: Canvas[] | undefined, linkError: Canvas[] | undefined): Canvas {
  // Each attachment is frozen on its own: callbacks fired by two calls are two tasks.
  if (linkError?.length) for (const s of signaturesOf(node)) s.linkError = [...(s.linkError ?? []), ...linkError.map((c) => freeze(c))];
  if (link?.length) for (const s of finalSignatures(node)) s.link = [...(s.link ?? []), ...link.map((c) => freeze(c))];
  return node;
}

/** The input of step `sig` after a step that returned `previous` (none for the first step). */
export function stepInput(sig: Signature, previous?: { value: unknown }): unknown {
  if (!previous || sig.immutable) return sig.input;
  const given = sig.input;
  const result = previous.value;
  if (given === undefined) return result;
  if (Array.isArray(given)) return [result, ...given];
  if (isPlainObject(given) && isPlainObject(result)) return { ...result, ...given };
  if (isPlainObject(given) && result == null) return given;
  throw new CanvasError(
    `Step "${sig.task}" has a partial input, and the previous step returned ${JSON.stringify(result)?.slice(0, 80)}, which cannot be merged into it: return an object, or make the step immutable (task.si()).`,
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Celery's `as_tuple()` of a result: `[[id, parent], null]`, or for a group `[[gid, parent], [members…]]`. */
export function celeryTuple(ids: ResultIds): unknown {
  return "id" in ids ? [[ids.id, null], null] : [[ids.groupId, null], ids.members.map(celeryTuple)];
}

/** Read {@link celeryTuple} back. */
export function fromCeleryTuple(tuple: unknown): ResultIds | undefined {
  if (!Array.isArray(tuple) || !Array.isArray(tuple[0]) || typeof tuple[0][0] !== "string") return undefined;
  const id = tuple[0][0] as string;
  if (!Array.isArray(tuple[1])) return { id };
  const members = (tuple[1] as unknown[]).map(fromCeleryTuple);
  return members.every((m) => m) ? { groupId: id, members: members as ResultIds[] } : undefined;
}
