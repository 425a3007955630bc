/**
 * Signatures: a serializable description of one call (Celery's `signature`, `task.s()`,
 * `task.si()`), and the canvas nodes built from them. Everything here is plain JSON, so a canvas
 * travels inside task envelopes and over the HTTP API; the types only exist at compile time
 * (`Needs`: what the node takes from the previous step, `Out`: what it produces).
 * @module
 */

/** Calling options a signature carries (JSON: times as ISO strings or epoch ms). */
export interface SignatureOptions {
  /** The task id (assigned when the canvas is sent, if not given). */
  id?: string | undefined;
  /** Run no earlier than this many seconds after the step is published. */
  countdown?: number | undefined;
  /** Run no earlier than this time (ISO string or epoch ms). */
  eta?: string | number | undefined;
  /** After this time (ISO string or epoch ms), or this many seconds after publishing, the step is REVOKED. */
  expires?: string | number | undefined;
  /** Queue name (kept on the result). */
  queue?: string | undefined;
  /** Store no result for this step (its result still flows to the next step). */
  ignoreResult?: boolean | undefined;
  /** What logs and results show instead of the input. */
  argsrepr?: string | undefined;
  /** Custom headers carried in the envelope. */
  headers?: Record<string, string> | undefined;
}

/** One call, as JSON. */
export interface Signature<Needs = unknown, Out = unknown> {
  /** The task name. */
  task: string;
  /**
   * The input, or the part of it given now (a mutable signature merges the previous step's
   * result into it: objects are merged, the result's fields first; an array input gets the
   * result prepended; no input takes the result as the input).
   */
  input?: unknown;
  options?: SignatureOptions | undefined;
  /** Ignore the previous step's result (Celery's `si()`). */
  immutable?: boolean | undefined;
  /** Sent with this call's result when it succeeds. */
  link?: Canvas[] | undefined;
  /** Sent with `{ id, error }` (a {@link FailedTask}) when this call fails. */
  linkError?: Canvas[] | undefined;
  /** Set by `ctx.replace`: the ids of the tasks this call replaces, which get its result too. */
  replaces?: string[] | undefined;
  /** Compile-time only: what the signature takes and returns (never set). */
  readonly "~types"?: { needs: Needs; out: Out } | undefined;
}

/** Steps run one after another, each result the next step's input. */
export interface Chain<Needs = unknown, Out = unknown> {
  kind: "chain";
  steps: Canvas[];
  readonly "~types"?: { needs: Needs; out: Out } | undefined;
}

/** Calls run in parallel; the result is their results in call order. */
export interface Group<Needs = unknown, Out extends unknown[] = unknown[]> {
  kind: "group";
  /** The group id (assigned when sent, if not given). */
  id?: string | undefined;
  tasks: Canvas[];
  readonly "~types"?: { needs: Needs; out: Out } | undefined;
}

/** A group whose `body` runs once with every header result, in order. */
export interface Chord<Needs = unknown, Out = unknown> {
  kind: "chord";
  /** The chord (and header group) id (assigned when sent, if not given). */
  id?: string | undefined;
  header: Canvas[];
  body: Canvas;
  readonly "~types"?: { needs: Needs; out: Out } | undefined;
}

/** Any canvas node. */
// deno-lint-ignore no-explicit-any
export type Canvas<Needs = any, Out = any> = Signature<Needs, Out> | Chain<Needs, Out> | Group<Needs, any> | Chord<Needs, Out>;

/** On the wire: a chord header message's place in its chord. */
export interface ChordMember {
  /** The chord id (also its header's group id). */
  id: string;
  /** This member's position: its result goes to slot `index` of the body's input. */
  index: number;
  /** How many header members there are. */
  size: number;
  /** What runs once with every result (a chain when the chord sat in a chain: the rest follows it). */
  body: Canvas;
  /** The body's own membership of an outer chord, if any. */
  outer?: ChordMember | undefined;
  /** The body's group id, if the chord sat in a group. */
  groupId?: string | null | undefined;
  /**
   * Every member's final call has the id `<chord id>.<index>`: members store their result and are
   * counted in one script, and the last reads all results by id. Otherwise each member's result
   * goes into its slot of the chord's HASH (`joinChord`).
   */
  derived?: boolean | undefined;
}

/** What an error callback (`linkError`) receives as its input, unless it is immutable. */
export interface FailedTask {
  /** The id of the task that failed. */
  id: string;
  /** Its task name. */
  task: string;
  error: { type: string; message: string };
}

/** What a node takes from the previous step. */
export type NeedsOf<C> = C extends { readonly "~types"?: { needs: infer N; out: unknown } | undefined } ? N : unknown;
/** What a node produces. */
export type OutOf<C> = C extends { readonly "~types"?: { needs: unknown; out: infer O } | undefined } ? O : unknown;

/**
 * A signature by task name, untyped (Celery's `signature("name", …)`); `task.s()` is the typed form.
 * @example
 * signature("crawl_parse_page") // takes the previous step's result
 */
export function signature(task: string, input?: unknown, options?: SignatureOptions & { immutable?: boolean; link?: Canvas[]; linkError?: Canvas[] }): Signature {
  const { immutable, link, linkError, ...rest } = options ?? {};
  return compact({ task, input, options: Object.keys(rest).length ? rest : undefined, immutable, link, linkError });
}

/** True for a canvas node (a signature or a chain/group/chord), false for a task or a name. */
export function isCanvas(value: unknown): value is Canvas {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { kind?: unknown; task?: unknown; handler?: unknown };
  return v.kind === "chain" || v.kind === "group" || v.kind === "chord" || (typeof v.task === "string" && v.handler === undefined);
}

/** What is wrong with a canvas received as JSON (undefined when it is well-formed). */
export function canvasProblem(node: unknown, path = "canvas", depth = 0): string | undefined {
  if (depth > 32) return `${path} nests deeper than 32 levels`;
  if (typeof node !== "object" || node === null || Array.isArray(node)) return `${path} is not an object`;
  const n = node as Record<string, unknown>;
  const list = (key: string, min: number): string | undefined => {
    const items = n[key];
    if (!Array.isArray(items) || items.length < min) return `${path}.${key} must be an array of at least ${min} node(s)`;
    for (let i = 0; i < items.length; i++) {
      const p = canvasProblem(items[i], `${path}.${key}[${i}]`, depth + 1);
      if (p) return p;
    }
  };
  if (n.kind === "chain") return list("steps", 1);
  if (n.kind === "group") return list("tasks", 0);
  if (n.kind === "chord") return list("header", 0) ?? canvasProblem(n.body, `${path}.body`, depth + 1);
  if (typeof n.task !== "string" || !n.task) return `${path} has neither a task name nor a kind (chain, group, chord)`;
  for (const key of ["link", "linkError"]) if (n[key] !== undefined) {
    const p = list(key, 0);
    if (p) return p;
  }
}

/** Drop undefined fields (the JSON stays small). */
export function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
