/**
 * `Upstash-*` request headers (and their `?upstash-*` query stand-ins) → one publish config.
 * Malformed values throw `BrokerError` with status 400 naming the header.
 * @module
 */

import { toMs } from "../../../duration.ts";
import { BrokerError } from "../../../errors.ts";
import { canonicalHeaderName } from "./canonical.ts";
import type { FlowControlConfig, StoredMessage } from "./message.ts";
import { compileRetryExpression } from "./retry-expression.ts";

/** Everything a publish (or a schedule trigger) asks for. */
export interface PublishConfig {
  method: string;
  /** Headers to deliver (forwarded ones, prefix removed, and Content-Type), canonical names. */
  headers: Record<string, string>;
  /** Upstash-Workflow-* headers passed through on delivery. */
  passHeaders?: Record<string, string>;
  delayMs?: number;
  /** Absolute first delivery time (ms); wins over `delayMs`. */
  notBeforeMs?: number;
  /** Retries after the first attempt; undefined means the broker default (3). */
  retries?: number;
  retryDelay?: string;
  timeoutMs?: number;
  callback?: string;
  failureCallback?: string;
  callbackHeaders?: Record<string, string>;
  failureCallbackHeaders?: Record<string, string>;
  deduplicationId?: string;
  contentBasedDeduplication?: boolean;
  flowControl?: FlowControlConfig;
  labels?: string[];
  redact?: StoredMessage["redact"];
  /** Schedules: `Upstash-Cron`, `Upstash-Schedule-Id`, `Upstash-Queue-Name`. */
  cron?: string;
  scheduleId?: string;
  queueName?: string;
}

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);
/** Never forwarded by `Upstash-Header-Forward: true`. */
const NOT_FORWARDED = new Set(["authorization", "host", "content-length", "connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer", "expect", "proxy-authorization", "proxy-connection"]);

const bad = (header: string, value: string, hint: string): never => {
  throw new BrokerError(`invalid ${header} header "${value}": ${hint}`, { status: 400 });
};

function duration(header: string, value: string): number {
  try {
    return toMs(value);
  } catch {
    return bad(header, value, 'use a duration like "10s", "5m", "1h30m" or "2d"');
  }
}

function int(header: string, value: string, min: number): number {
  const n = Number(value.trim());
  if (!Number.isInteger(n) || n < min) bad(header, value, `use an integer ≥ ${min}`);
  return n;
}

/** Parse `parallelism=2, rate=5, period=1m` (comma-separated, trimmed; `ratePerSecond` is `rate`). */
export function parseFlowControlValue(key: string, value: string): FlowControlConfig {
  const fc: FlowControlConfig = { key };
  for (const part of value.split(",")) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf("=");
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? "" : p.slice(eq + 1).trim();
    if (name === "parallelism") fc.parallelism = int("Upstash-Flow-Control-Value", v, 1);
    else if (name === "rate" || name === "ratepersecond") fc.rate = int("Upstash-Flow-Control-Value", v, 1);
    else if (name === "period") fc.periodSec = Math.max(1, duration("Upstash-Flow-Control-Value", v) / 1000);
    else bad("Upstash-Flow-Control-Value", value, "use parallelism=<n>, rate=<n>, period=<duration>");
  }
  if (fc.parallelism === undefined && fc.rate === undefined) bad("Upstash-Flow-Control-Value", value, "set parallelism and/or rate");
  return fc;
}

/** Parse `Upstash-Redact-Fields`: `body`, `header`/`headers`, `header[Name]`/`headers[Name]`. */
export function parseRedact(value: string): NonNullable<StoredMessage["redact"]> {
  const out: NonNullable<StoredMessage["redact"]> = {};
  for (const part of value.split(",")) {
    const p = part.trim();
    if (!p) continue;
    const m = /^headers?(?:\[(.+)\])?$/i.exec(p);
    if (p.toLowerCase() === "body") out.body = true;
    else if (m && m[1] === undefined) out.allHeaders = true;
    else if (m) (out.headers ??= []).push(canonicalHeaderName(m[1].trim()));
    else bad("Upstash-Redact-Fields", value, "use body, header or header[Name]");
  }
  return out;
}

/** The part of `Headers` the config is read from (lower-case names); a batch item's plain map serves too. */
export interface HeaderSource {
  get(name: string): string | null;
  has(name: string): boolean;
  forEach(callback: (value: string, name: string) => void): void;
}

/** Read the config from request headers; `query` holds lower-case `upstash-*` query stand-ins (headers win). */
export function parsePublishConfig(headers: HeaderSource, query?: Map<string, string>): PublishConfig {
  const get = (name: string): string | null => headers.get(name) ?? query?.get(name) ?? null;
  const config: PublishConfig = { method: "POST", headers: {} };
  const forwardAll = (get("upstash-header-forward") ?? "").toLowerCase() === "true";
  let forwardedContentType: string | undefined;
  const scan = (name: string, value: string): void => {
    if (name.startsWith("upstash-forward-")) {
      const target = canonicalHeaderName(name.slice(16));
      if (target === "Content-Type") forwardedContentType = value;
      else config.headers[target] = value;
    } else if (name.startsWith("upstash-callback-")) {
      (config.callbackHeaders ??= {})[`upstash-${name.slice(17)}`] = value;
    } else if (name.startsWith("upstash-failure-callback-")) {
      (config.failureCallbackHeaders ??= {})[`upstash-${name.slice(25)}`] = value;
    } else if (name.startsWith("upstash-workflow-")) {
      (config.passHeaders ??= {})[canonicalHeaderName(name)] = value;
    } else if (forwardAll && !name.startsWith("upstash-") && name !== "content-type" && !NOT_FORWARDED.has(name)) {
      config.headers[canonicalHeaderName(name)] = value;
    }
  };
  headers.forEach((value, name) => scan(name, value));
  query?.forEach((value, name) => {
    if (!headers.has(name)) scan(name, value);
  });
  const contentType = headers.get("content-type") ?? forwardedContentType;
  if (contentType) config.headers["Content-Type"] = contentType;

  const method = get("upstash-method");
  if (method !== null) {
    config.method = method.trim().toUpperCase();
    if (!METHODS.has(config.method)) bad("Upstash-Method", method, "use GET, POST, PUT, PATCH or DELETE");
  }
  const delay = get("upstash-delay");
  if (delay !== null && delay.trim() !== "") config.delayMs = duration("Upstash-Delay", delay);
  const notBefore = get("upstash-not-before");
  if (notBefore !== null && notBefore.trim() !== "") config.notBeforeMs = int("Upstash-Not-Before", notBefore, 0) * 1000;
  const retries = get("upstash-retries");
  if (retries !== null && retries.trim() !== "") config.retries = int("Upstash-Retries", retries, 0);
  const retryDelay = get("upstash-retry-delay");
  if (retryDelay !== null && retryDelay.trim() !== "") {
    try {
      compileRetryExpression(retryDelay);
    } catch (err) {
      throw new BrokerError((err as Error).message, { status: 400 });
    }
    config.retryDelay = retryDelay.trim();
  }
  const timeout = get("upstash-timeout");
  if (timeout !== null && timeout.trim() !== "") config.timeoutMs = duration("Upstash-Timeout", timeout);
  const callback = get("upstash-callback");
  if (callback) config.callback = checkUrl("Upstash-Callback", callback);
  const failureCallback = get("upstash-failure-callback");
  if (failureCallback) config.failureCallback = checkUrl("Upstash-Failure-Callback", failureCallback);
  const dedup = get("upstash-deduplication-id");
  if (dedup) config.deduplicationId = dedup;
  if ((get("upstash-content-based-deduplication") ?? "").toLowerCase() === "true") config.contentBasedDeduplication = true;
  const fcKey = get("upstash-flow-control-key");
  if (fcKey) {
    const fcValue = get("upstash-flow-control-value");
    if (!fcValue) bad("Upstash-Flow-Control-Value", "", "set it with Upstash-Flow-Control-Key, e.g. parallelism=2, rate=10, period=1m");
    config.flowControl = parseFlowControlValue(fcKey, fcValue!);
  }
  const label = get("upstash-label");
  if (label) {
    const labels = label.split(",").map((l) => l.trim()).filter(Boolean);
    if (labels.length) config.labels = labels;
  }
  const redact = get("upstash-redact-fields");
  if (redact) config.redact = parseRedact(redact);
  const cron = get("upstash-cron");
  if (cron !== null) config.cron = cron.trim();
  const scheduleId = get("upstash-schedule-id");
  if (scheduleId) config.scheduleId = scheduleId;
  const queueName = get("upstash-queue-name");
  if (queueName) config.queueName = queueName;
  return config;
}

function checkUrl(header: string, value: string): string {
  if (!/^https?:\/\/[^/]/i.test(value)) bad(header, value, "use an http:// or https:// URL");
  return value;
}
