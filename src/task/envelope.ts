/**
 * The wire envelope (format v1): the JSON body of every task message, validated at the worker.
 * Built on `zod/mini` to keep the worker bundle small.
 * @module
 */
import * as z from "zod/mini";
import { EnvelopeError } from "../errors.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../util/json-depth.ts";
import { type Canvas, type ChordMember, canvasProblem } from "../canvas/signature.ts";

/** The envelope version this code writes and reads. */
export const ENVELOPE_VERSION = 1;

const nullableString = z.optional(z.nullable(z.string()));

const schema = z.object({
  v: z.number(),
  id: z.string().check(z.minLength(1), z.maxLength(200)),
  task: z.string().check(z.minLength(1)),
  input: z.optional(z.unknown()),
  retries: z.optional(z.number().check(z.int(), z.gte(0))),
  eta: nullableString,
  expires: nullableString,
  parentId: nullableString,
  rootId: nullableString,
  groupId: nullableString,
  chord: z.optional(z.unknown()),
  replaces: z.optional(z.array(z.string())),
  chain: z.optional(z.nullable(z.array(z.unknown()))),
  link: z.optional(z.nullable(z.array(z.unknown()))),
  linkError: z.optional(z.nullable(z.array(z.unknown()))),
  ignoreResult: z.optional(z.nullable(z.boolean())),
  queue: nullableString,
  shaped: z.optional(z.boolean()),
  argsrepr: nullableString,
  idempotencyKey: nullableString,
  sentAt: nullableString,
  schedule: z.optional(z.nullable(z.object({ name: z.string(), tick: z.string() }))),
  headers: z.optional(z.nullable(z.record(z.string(), z.string()))),
});

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
  if (nestsDeeperThan(raw, MAX_JSON_DEPTH + 1)) {
    throw new EnvelopeError(`Task envelope nests more than ${MAX_JSON_DEPTH} levels deep (in its input or options); send flatter data.`);
  }
  const parsed = z.safeParse(schema, raw);
  if (!parsed.success) {
    const detail = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new EnvelopeError(`Invalid task envelope: ${detail}.`);
  }
  const e = parsed.data;
  const canvas = canvasFieldsProblem(e);
  if (canvas) throw new EnvelopeError(`Invalid task envelope: ${canvas}.`);
  return {
    ...(e as Omit<typeof e, "chord" | "chain" | "link" | "linkError">),
    ...(e.chord ? { chord: e.chord as ChordMember } : {}),
    ...(e.chain ? { chain: e.chain as Canvas[] } : {}),
    ...(e.link ? { link: e.link as Canvas[] } : {}),
    ...(e.linkError ? { linkError: e.linkError as Canvas[] } : {}),
    v: 1,
    input: e.input,
    retries: e.retries ?? 0,
    eta: e.eta ?? null,
    expires: e.expires ?? null,
    parentId: e.parentId ?? null,
    rootId: e.rootId ?? null,
    groupId: e.groupId ?? null,
    ignoreResult: e.ignoreResult ?? null,
    argsrepr: e.argsrepr ?? null,
    idempotencyKey: e.idempotencyKey ?? null,
    sentAt: e.sentAt ?? null,
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
