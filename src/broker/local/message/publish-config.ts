/**
 * `Upstash-*` request headers (and their `?upstash-*` query stand-ins) → one publish config.
 * Malformed values throw `BrokerError` with status 400 naming the header.
 * @module
 */

import { toMs } from "../../../duration.ts";
import { BrokerError } from "../../../errors.ts";
import {
  CONTENT_TYPE, lowerCase, UPSTASH_CALLBACK, UPSTASH_CALLBACK_PREFIX, UPSTASH_CONTENT_BASED_DEDUPLICATION, UPSTASH_CRON,
  UPSTASH_DEDUPLICATION_ID, UPSTASH_DELAY, UPSTASH_FAILURE_CALLBACK, UPSTASH_FAILURE_CALLBACK_PREFIX, UPSTASH_FLOW_CONTROL_KEY,
  UPSTASH_FLOW_CONTROL_VALUE, UPSTASH_FORWARD_PREFIX, UPSTASH_HEADER_FORWARD, UPSTASH_LABEL, UPSTASH_METHOD, UPSTASH_NOT_BEFORE,
  UPSTASH_PREFIX, UPSTASH_QUEUE_NAME, UPSTASH_REDACT_FIELDS, UPSTASH_RETRIES, UPSTASH_RETRY_DELAY, UPSTASH_SCHEDULE_ID,
  UPSTASH_TIMEOUT, UPSTASH_WORKFLOW_PREFIX,
} from "../../../headers.ts";
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

/** The names read, lower-cased once: `Headers`, `HeaderMap` and the query stand-ins hold lower-case names. */
const H = {
  upstash: lowerCase(UPSTASH_PREFIX),
  forward: lowerCase(UPSTASH_FORWARD_PREFIX),
  callbackPrefix: lowerCase(UPSTASH_CALLBACK_PREFIX),
  failureCallbackPrefix: lowerCase(UPSTASH_FAILURE_CALLBACK_PREFIX),
  workflow: lowerCase(UPSTASH_WORKFLOW_PREFIX),
  headerForward: lowerCase(UPSTASH_HEADER_FORWARD),
  contentType: lowerCase(CONTENT_TYPE),
  method: lowerCase(UPSTASH_METHOD),
  delay: lowerCase(UPSTASH_DELAY),
  notBefore: lowerCase(UPSTASH_NOT_BEFORE),
  retries: lowerCase(UPSTASH_RETRIES),
  retryDelay: lowerCase(UPSTASH_RETRY_DELAY),
  timeout: lowerCase(UPSTASH_TIMEOUT),
  callback: lowerCase(UPSTASH_CALLBACK),
  failureCallback: lowerCase(UPSTASH_FAILURE_CALLBACK),
  deduplicationId: lowerCase(UPSTASH_DEDUPLICATION_ID),
  contentBasedDeduplication: lowerCase(UPSTASH_CONTENT_BASED_DEDUPLICATION),
  flowControlKey: lowerCase(UPSTASH_FLOW_CONTROL_KEY),
  flowControlValue: lowerCase(UPSTASH_FLOW_CONTROL_VALUE),
  label: lowerCase(UPSTASH_LABEL),
  redactFields: lowerCase(UPSTASH_REDACT_FIELDS),
  cron: lowerCase(UPSTASH_CRON),
  scheduleId: lowerCase(UPSTASH_SCHEDULE_ID),
  queueName: lowerCase(UPSTASH_QUEUE_NAME),
};

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
    if (name === "parallelism") fc.parallelism = int(UPSTASH_FLOW_CONTROL_VALUE, v, 1);
    else if (name === "rate" || name === "ratepersecond") fc.rate = int(UPSTASH_FLOW_CONTROL_VALUE, v, 1);
    else if (name === "period") fc.periodSec = Math.max(1, duration(UPSTASH_FLOW_CONTROL_VALUE, v) / 1000);
    else bad(UPSTASH_FLOW_CONTROL_VALUE, value, "use parallelism=<n>, rate=<n>, period=<duration>");
  }
  if (fc.parallelism === undefined && fc.rate === undefined) bad(UPSTASH_FLOW_CONTROL_VALUE, value, "set parallelism and/or rate");
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
    else bad(UPSTASH_REDACT_FIELDS, value, "use body, header or header[Name]");
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
  const forwardAll = (get(H.headerForward) ?? "").toLowerCase() === "true";
  let forwardedContentType: string | undefined;
  const scan = (name: string, value: string): void => {
    if (name.startsWith(H.forward)) {
      const target = canonicalHeaderName(name.slice(H.forward.length));
      if (target === CONTENT_TYPE) forwardedContentType = value;
      else config.headers[target] = value;
    } else if (name.startsWith(H.callbackPrefix)) {
      (config.callbackHeaders ??= {})[H.upstash + name.slice(H.callbackPrefix.length)] = value;
    } else if (name.startsWith(H.failureCallbackPrefix)) {
      (config.failureCallbackHeaders ??= {})[H.upstash + name.slice(H.failureCallbackPrefix.length)] = value;
    } else if (name.startsWith(H.workflow)) {
      (config.passHeaders ??= {})[canonicalHeaderName(name)] = value;
    } else if (forwardAll && !name.startsWith(H.upstash) && name !== H.contentType && !NOT_FORWARDED.has(name)) {
      config.headers[canonicalHeaderName(name)] = value;
    }
  };
  headers.forEach((value, name) => scan(name, value));
  query?.forEach((value, name) => {
    if (!headers.has(name)) scan(name, value);
  });
  const contentType = headers.get(H.contentType) ?? forwardedContentType;
  if (contentType) config.headers[CONTENT_TYPE] = contentType;

  const method = get(H.method);
  if (method !== null) {
    config.method = method.trim().toUpperCase();
    if (!METHODS.has(config.method)) bad(UPSTASH_METHOD, method, "use GET, POST, PUT, PATCH or DELETE");
  }
  const delay = get(H.delay);
  if (delay !== null && delay.trim() !== "") config.delayMs = duration(UPSTASH_DELAY, delay);
  const notBefore = get(H.notBefore);
  if (notBefore !== null && notBefore.trim() !== "") config.notBeforeMs = int(UPSTASH_NOT_BEFORE, notBefore, 0) * 1000;
  const retries = get(H.retries);
  if (retries !== null && retries.trim() !== "") config.retries = int(UPSTASH_RETRIES, retries, 0);
  const retryDelay = get(H.retryDelay);
  if (retryDelay !== null && retryDelay.trim() !== "") {
    try {
      compileRetryExpression(retryDelay);
    } catch (err) {
      throw new BrokerError((err as Error).message, { status: 400 });
    }
    config.retryDelay = retryDelay.trim();
  }
  const timeout = get(H.timeout);
  if (timeout !== null && timeout.trim() !== "") config.timeoutMs = duration(UPSTASH_TIMEOUT, timeout);
  const callback = get(H.callback);
  if (callback) config.callback = checkUrl(UPSTASH_CALLBACK, callback);
  const failureCallback = get(H.failureCallback);
  if (failureCallback) config.failureCallback = checkUrl(UPSTASH_FAILURE_CALLBACK, failureCallback);
  const dedup = get(H.deduplicationId);
  if (dedup) config.deduplicationId = dedup;
  if ((get(H.contentBasedDeduplication) ?? "").toLowerCase() === "true") config.contentBasedDeduplication = true;
  const fcKey = get(H.flowControlKey);
  if (fcKey) {
    const fcValue = get(H.flowControlValue);
    if (!fcValue) bad(UPSTASH_FLOW_CONTROL_VALUE, "", `set it with ${UPSTASH_FLOW_CONTROL_KEY}, e.g. parallelism=2, rate=10, period=1m`);
    config.flowControl = parseFlowControlValue(fcKey, fcValue!);
  }
  const label = get(H.label);
  if (label) {
    const labels = label.split(",").map((l) => l.trim()).filter(Boolean);
    if (labels.length) config.labels = labels;
  }
  const redact = get(H.redactFields);
  if (redact) config.redact = parseRedact(redact);
  const cron = get(H.cron);
  if (cron !== null) config.cron = cron.trim();
  const scheduleId = get(H.scheduleId);
  if (scheduleId) config.scheduleId = scheduleId;
  const queueName = get(H.queueName);
  if (queueName) config.queueName = queueName;
  return config;
}

function checkUrl(header: string, value: string): string {
  if (!/^https?:\/\/[^/]/i.test(value)) bad(header, value, "use an http:// or https:// URL");
  return value;
}
