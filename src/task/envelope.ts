/**
 * The wire envelope (format v1): the JSON body of every task message, validated at the worker.
 * Checked by hand (see `FIELDS`) to keep the worker bundle small.
 * @module
 */
import { EnvelopeError } from "../errors.ts";
import { MAX_JSON_DEPTH, textNestsDeeperThan } from "../util/json-depth.ts";
import { type Canvas, type ChordMember, canvasProblem } from "../canvas/signature.ts";

/** The envelope version this code writes and reads. */
export const ENVELOPE_VERSION = 1;

/** What is wrong with a field's value, or undefined. */
type Check = (value: unknown) => string | undefined;

const string: Check = (v) => (typeof v === "string" ? undefined : "expected a string");
const optional = (check: Check): Check => (v) => (v === undefined ? undefined : check(v));
const nullable = (check: Check): Check => optional((v) => (v === null ? undefined : check(v)));
const nonEmpty = (max: number): Check => (v) => string(v) ?? ((v as string).length < 1 || (v as string).length > max ? `expected 1 to ${max} characters` : undefined);
const array = (item: Check): Check => (v) => (Array.isArray(v) ? v.map(item).find(Boolean) : "expected an array");
const object = (value: Check, keys?: string[]): Check => (v) =>
  typeof v !== "object" || v === null || Array.isArray(v)
    ? "expected an object"
    : (keys ?? Object.keys(v)).map((k) => (k in v ? value((v as Record<string, unknown>)[k]) : "missing name or tick")).find(Boolean);
const any: Check = () => undefined;
const optionalString = nullable(string);

/**
 * The envelope's fields and their checks. Hand-written rather than a zod schema for a measured
 * reason: zod/mini was 6.7 KB of the 45 KB gzip Workers budget (`npx tsx bench/bundle.ts`) for
 * this one check. Fields not listed are dropped.
 */
const FIELDS: Record<string, Check> = {
  v: (v) => (typeof v === "number" ? undefined : "expected a number"),
  id: nonEmpty(200),
  task: nonEmpty(Infinity),
  input: any,
  retries: optional((v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? undefined : "expected a whole number ≥ 0")),
  eta: optionalString,
  expires: optionalString,
  parentId: optionalString,
  rootId: optionalString,
  groupId: optionalString,
  chord: any,
  replaces: optional(array(string)),
  chain: nullable(array(any)),
  link: nullable(array(any)),
  linkError: nullable(array(any)),
  ignoreResult: nullable((v) => (typeof v === "boolean" ? undefined : "expected a boolean")),
  queue: optionalString,
  shaped: optional((v) => (typeof v === "boolean" ? undefined : "expected a boolean")),
  argsrepr: optionalString,
  idempotencyKey: optionalString,
  sentAt: optionalString,
  schedule: nullable(object(string, ["name", "tick"])),
  headers: nullable(object(string)),
};
const FIELD_NAMES = Object.keys(FIELDS);

/** A task message. Times are ISO 8601 strings. */
export interface Envelope {
  v: 1;
  id: string;
  task: string;
  input: unknown;
  /** Retries already done (0 on the first attempt). */
  retries: number;
  /** Earliest run time requested (countdown/eta), ISO. */
  eta: string | null;
  /** After this time the message is REVOKED (expired) without running, ISO. */
  expires: string | null;
  parentId: string | null;
  rootId: string | null;
  groupId: string | null;
  /** This message is header member `index` of chord `id` (and carries its body). */
  chord?: ChordMember | null;
  /** The steps after this one, in order (Celery's `chain`, which Celery keeps reversed). */
  chain?: Canvas[] | null;
  /** Sent with the result on success. */
  link?: Canvas[] | null;
  /** Sent with a `FailedTask` on final failure. */
  linkError?: Canvas[] | null;
  /** Ids of tasks this one replaced (`ctx.replace`): they get its result too. */
  replaces?: string[];
  /** Store no result; null: as the task says (a call's own choice wins over the task's). */
  ignoreResult: boolean | null;
  /** The queue it was sent to (null: the task's own). */
  queue?: string | null;
  /**
   * True when the publisher knew the task and applied its broker options (rate limit, delivery
   * timeout, default expiry, queue). A worker republishes a message without it once, with them.
   */
  shaped?: boolean;
  /** What logs and results show instead of the input. */
  argsrepr: string | null;
  idempotencyKey: string | null;
  sentAt: string | null;
  /** Set on messages fired by a schedule. */
  schedule?: { name: string; tick: string } | null;
  /** Custom headers (Celery's `headers` calling option). */
  headers?: Record<string, string> | null;
}

/** Parse and validate a raw body; throws `EnvelopeError` saying what is wrong. */
export function parseEnvelope(body: string): Envelope {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (cause) {
    throw new EnvelopeError(`Body is not valid JSON (${(cause as Error).message}); a task message must be a JSON envelope.`, { cause });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new EnvelopeError("Body must be a JSON object (a task envelope with v, id, task, input).");
  }
  const v = (raw as { v?: unknown }).v;
  if (v !== ENVELOPE_VERSION) {
    throw new EnvelopeError(
      `Unknown envelope version ${JSON.stringify(v)}: this worker reads v${ENVELOPE_VERSION}. Upgrade the worker, or send with a matching client.`,
      { readableLater: true },
    );
  }
  if (textNestsDeeperThan(body, raw, MAX_JSON_DEPTH + 1)) {
    throw new EnvelopeError(`Task envelope nests more than ${MAX_JSON_DEPTH} levels deep (in its input or options); send flatter data.`);
  }
  const fields = raw as Record<string, unknown>;
  // Plain loops: this runs on every delivery, and the array helpers' allocations showed in the profile.
  const problems: string[] = [];
  const e: Record<string, unknown> = {};
  for (const key of FIELD_NAMES) {
    const value = fields[key];
    const problem = FIELDS[key]!(value);
    if (problem) problems.push(`${key}: ${problem}`);
    else if (value !== undefined) e[key] = value;
  }
  if (problems.length) throw new EnvelopeError(`Invalid task envelope: ${problems.slice(0, 5).join("; ")}.`);
  const canvas = canvasFieldsProblem(e);
  if (canvas) throw new EnvelopeError(`Invalid task envelope: ${canvas}.`);
  const env = e as Partial<Envelope>;
  return {
    ...env,
    v: 1,
    id: env.id as string,
    task: env.task as string,
    input: env.input,
    retries: env.retries ?? 0,
    eta: env.eta ?? null,
    expires: env.expires ?? null,
    parentId: env.parentId ?? null,
    rootId: env.rootId ?? null,
    groupId: env.groupId ?? null,
    ignoreResult: env.ignoreResult ?? null,
    argsrepr: env.argsrepr ?? null,
    idempotencyKey: env.idempotencyKey ?? null,
    sentAt: env.sentAt ?? null,
  };
}

/** What is wrong with the canvas fields (`chain`, `link`, `linkError`, `chord`), which run after the task: checked before it runs. */
function canvasFieldsProblem(e: { chain?: unknown; link?: unknown; linkError?: unknown; chord?: unknown }): string | undefined {
  for (const key of ["chain", "link", "linkError"] as const) {
    const items = e[key];
    if (!Array.isArray(items)) continue;
    for (let i = 0; i < items.length; i++) {
      const problem = canvasProblem(items[i], `${key}[${i}]`);
      if (problem) return problem;
    }
  }
  return e.chord === undefined || e.chord === null ? undefined : chordProblem(e.chord, "chord");
}

function chordProblem(chord: unknown, path: string): string | undefined {
  if (typeof chord !== "object" || chord === null || Array.isArray(chord)) return `${path} is not an object`;
  const c = chord as Record<string, unknown>;
  if (typeof c.id !== "string" || !c.id) return `${path}.id must be a non-empty string`;
  if (!Number.isSafeInteger(c.size) || (c.size as number) < 1) return `${path}.size must be a whole number ≥ 1`;
  if (!Number.isSafeInteger(c.index) || (c.index as number) < 0 || (c.index as number) >= (c.size as number)) return `${path}.index must be a whole number from 0 to size - 1`;
  if (c.groupId !== undefined && c.groupId !== null && typeof c.groupId !== "string") return `${path}.groupId must be a string or null`;
  return canvasProblem(c.body, `${path}.body`) ?? (c.outer === undefined || c.outer === null ? undefined : chordProblem(c.outer, `${path}.outer`));
}

/** Serialize an envelope (the exact bytes the broker delivers and signs). */
export function serializeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope);
}
