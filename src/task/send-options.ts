/**
 * Calling options of `send` / `applyAsync`, Celery's `apply_async` options camelCased, and their
 * check where they enter (the client, the publish API, the publisher): a bad option is refused
 * with `SendOptionError` naming it and the forms it accepts, before anything is published.
 * @module
 */
import { type Duration, toMs } from "../duration.ts";
import { SendOptionError } from "../errors.ts";
import { type Canvas, canvasProblem } from "../canvas/signature.ts";

export interface SendOptions {
  /** Use this task id instead of a random UUID (1–200 characters). */
  id?: string | undefined;
  /** Run no earlier than this many seconds from now. */
  countdown?: number | undefined;
  /** Run no earlier than this time: a Date, an ISO 8601 string or epoch ms (wins over `countdown`). */
  eta?: Date | string | number | undefined;
  /** After this time the message is REVOKED (expired) without running: a Date, an ISO 8601 string, or a duration from now (`60`, `"10m"`). Default the task's `expires`. */
  expires?: Date | Duration | undefined;
  /** The queue (a broker queue with its own parallelism; `"default"` is a plain publish). Default the task's `queue`. */
  queue?: string | undefined;
  /** Store no result for this call (`false` stores one even when the task ignores results). Default the task's `ignoreResult`. */
  ignoreResult?: boolean | undefined;
  /** The same key returns the same task id within the window and publishes once. */
  idempotencyKey?: string | undefined;
  /** What logs and results show instead of the input (hide secrets). */
  argsrepr?: string | undefined;
  /** Custom headers carried in the envelope. */
  headers?: Record<string, string> | undefined;
  /** Parent task id (set automatically when sending from inside a task). */
  parentId?: string | undefined;
  /** Root task id (set automatically when sending from inside a task). */
  rootId?: string | undefined;
  /** Sent with the result when the task (a canvas: its last call) succeeds. */
  link?: Canvas | Canvas[] | undefined;
  /** Sent with a `FailedTask` (`{ id, task, error }`) when a task fails for good (a canvas: any of its calls). */
  linkError?: Canvas | Canvas[] | undefined;
  /** Set by schedule engines: the schedule that fired this message and its tick (ISO), shown in `ctx.request.schedule`. */
  schedule?: { name: string; tick: string } | undefined;
}

/** Queue names as QStash accepts them. */
export const QUEUE_NAME = /^[\w.-]{1,100}$/;
/** An ISO 8601 date (or date-time); anything else in a string `expires` is read as a duration. */
const ISO_DATE = /^[+-]?\d{4,6}-\d\d-\d\d/;
const TIME = "a Date, an ISO 8601 string (\"2030-01-01T00:00:00Z\")";

/** The instant `value` names (a Date, an ISO string or epoch ms), or NaN. */
const instant = (value: unknown): number =>
  value instanceof Date ? value.getTime() : typeof value === "string" ? (ISO_DATE.test(value) ? Date.parse(value) : NaN) : typeof value === "number" ? value : NaN;

/** The epoch ms before which the message must not run, or undefined. */
export function etaOf(o: SendOptions, now: number): number | undefined {
  return o.eta !== undefined ? instant(o.eta) : o.countdown ? now + o.countdown * 1000 : undefined;
}

/** The epoch ms at which the message expires, from a Date, an ISO string or a duration; undefined when not given. */
export function expiresOf(expires: SendOptions["expires"], now: number): number | undefined {
  if (expires === undefined) return undefined;
  if (expires instanceof Date || (typeof expires === "string" && ISO_DATE.test(expires))) return instant(expires);
  try {
    return now + toMs(expires);
  } catch {
    return NaN;
  }
}

/** From 1970 up to the last instant a JavaScript Date can hold. */
const inRange = (ms: number | undefined) => (ms as number) >= 0 && (ms as number) <= 8.64e15;
/** A string of `min`–`max` characters without lone surrogates (they cannot go into a URL or JSON safely). */
const text = (min: number, max: number) => (v: unknown) => typeof v === "string" && v.length >= min && v.length <= max && !/[\ud800-\udfff]/u.test(v);
type Rule = [(value: unknown, now: number) => boolean, string];
const RULES: Record<string, Rule> = {
  id: [text(1, 200), "a string of 1 to 200 characters"],
  countdown: [(v, now) => typeof v === "number" && v >= 0 && inRange(now + v * 1000), "a number of seconds, 0 or more"],
  eta: [(v) => inRange(instant(v)), `${TIME} or epoch milliseconds`],
  expires: [(v, now) => inRange(expiresOf(v as Duration, now)), `${TIME}, or a duration from now: seconds (60) or a string ("10m", "1h30m")`],
  queue: [(v) => typeof v === "string" && QUEUE_NAME.test(v), "a name of letters, digits, \"-\", \"_\" and \".\""],
  ignoreResult: [(v) => typeof v === "boolean", "true or false"],
  idempotencyKey: [text(1, 500), "a string of 1 to 500 characters"],
  argsrepr: [text(0, 1e5), "a string"],
  headers: [(v) => typeof v === "object" && v !== null && Object.values(v).every(text(0, 1e5)), "an object of string values"],
  parentId: [text(1, 200), "a task id"],
  rootId: [text(1, 200), "a task id"],
  schedule: [(v) => typeof v === "object", "{ name, tick }"],
  link: [isCallbacks, "a signature or canvas (task.s(), chain(…)), or an array of them"],
  linkError: [isCallbacks, "a signature or canvas (task.s(), chain(…)), or an array of them"],
};

function isCallbacks(v: unknown): boolean {
  return [v].flat().every((c) => canvasProblem(c) === undefined);
}

/** Check calling options; returns them typed, or throws `SendOptionError` naming the first bad one and the forms it accepts. */
export function checkSendOptions(options: unknown, now: number): SendOptions {
  if (options == null) return {};
  if (typeof options !== "object" || Array.isArray(options)) throw new SendOptionError("options", "send an object of calling options.");
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    const rule = RULES[key];
    if (!rule) throw new SendOptionError(key, `no such option; the options are ${Object.keys(RULES).join(", ")}.`);
    if (value == null) continue; // null or undefined: not given
    out[key] = value;
    if (!rule[0](value, now)) {
      let shown: string | undefined;
      try {
        shown = JSON.stringify(value);
      } catch { /* shown as undefined */ }
      throw new SendOptionError(key, `got ${shown?.slice(0, 80)}; it accepts ${rule[1]}.`);
    }
  }
  return out as SendOptions;
}
