/**
 * A stored message's settings as a publish config: DLQ retries publish a copy with them.
 * @module
 */

import {
  UPSTASH_CALLBACK, UPSTASH_DELAY, UPSTASH_FAILURE_CALLBACK, UPSTASH_FLOW_CONTROL_KEY, UPSTASH_LABEL, UPSTASH_METHOD,
  UPSTASH_NOT_BEFORE, UPSTASH_RETRIES, UPSTASH_RETRY_DELAY, UPSTASH_TIMEOUT,
} from "../../../headers.ts";
import type { StoredMessage } from "./message.ts";
import type { PublishConfig } from "./publish-config.ts";

/** The delivery settings a publish config and a stored message both carry, under the same names. */
export const SHARED_SETTINGS = [
  "passHeaders", "retryDelay", "timeoutMs", "callback", "failureCallback", "callbackHeaders",
  "failureCallbackHeaders", "flowControl", "labels", "redact",
] as const satisfies readonly (keyof PublishConfig & keyof StoredMessage)[];

/** Copy the shared settings that are set (a timeout of 0 counts as set) from one side to the other. */
export function copySharedSettings(from: Partial<Record<(typeof SHARED_SETTINGS)[number], unknown>>, to: object): void {
  const target = to as Record<string, unknown>;
  for (const key of SHARED_SETTINGS) {
    const value = from[key];
    if (key === "timeoutMs" ? value !== undefined : value) target[key] = value;
  }
}

export function configOfMessage(msg: StoredMessage): PublishConfig {
  const c: PublishConfig = { method: msg.method, headers: msg.headers, retries: msg.maxRetries };
  copySharedSettings(msg, c);
  return c;
}

/** Apply `Upstash-*` overrides sent with a DLQ retry (only the headers present). */
export function applyOverrides(base: PublishConfig, headers: Headers, parsed: PublishConfig): PublishConfig {
  const c = { ...base };
  if (headers.has(UPSTASH_RETRIES)) c.retries = parsed.retries;
  if (headers.has(UPSTASH_RETRY_DELAY)) c.retryDelay = parsed.retryDelay;
  if (headers.has(UPSTASH_DELAY)) c.delayMs = parsed.delayMs;
  if (headers.has(UPSTASH_NOT_BEFORE)) c.notBeforeMs = parsed.notBeforeMs;
  if (headers.has(UPSTASH_TIMEOUT)) c.timeoutMs = parsed.timeoutMs;
  if (headers.has(UPSTASH_METHOD)) c.method = parsed.method;
  if (headers.has(UPSTASH_CALLBACK)) c.callback = parsed.callback;
  if (headers.has(UPSTASH_FAILURE_CALLBACK)) c.failureCallback = parsed.failureCallback;
  if (headers.has(UPSTASH_FLOW_CONTROL_KEY)) c.flowControl = parsed.flowControl;
  if (headers.has(UPSTASH_LABEL)) c.labels = parsed.labels;
  return c;
}
