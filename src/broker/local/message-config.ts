/**
 * A stored message's settings as a publish config: DLQ retries publish a copy with them.
 * @module
 */

import type { StoredMessage } from "./message.ts";
import type { PublishConfig } from "./publish-config.ts";

export function configOfMessage(msg: StoredMessage): PublishConfig {
  const c: PublishConfig = { method: msg.method, headers: msg.headers, retries: msg.maxRetries };
  if (msg.passHeaders) c.passHeaders = msg.passHeaders;
  if (msg.retryDelay) c.retryDelay = msg.retryDelay;
  if (msg.timeoutMs !== undefined) c.timeoutMs = msg.timeoutMs;
  if (msg.callback) c.callback = msg.callback;
  if (msg.failureCallback) c.failureCallback = msg.failureCallback;
  if (msg.callbackHeaders) c.callbackHeaders = msg.callbackHeaders;
  if (msg.failureCallbackHeaders) c.failureCallbackHeaders = msg.failureCallbackHeaders;
  if (msg.flowControl) c.flowControl = msg.flowControl;
  if (msg.labels) c.labels = msg.labels;
  if (msg.redact) c.redact = msg.redact;
  return c;
}

/** Apply `Upstash-*` overrides sent with a DLQ retry (only the headers present). */
export function applyOverrides(base: PublishConfig, headers: Headers, parsed: PublishConfig): PublishConfig {
  const c = { ...base };
  if (headers.has("upstash-retries")) c.retries = parsed.retries;
  if (headers.has("upstash-retry-delay")) c.retryDelay = parsed.retryDelay;
  if (headers.has("upstash-delay")) c.delayMs = parsed.delayMs;
  if (headers.has("upstash-not-before")) c.notBeforeMs = parsed.notBeforeMs;
  if (headers.has("upstash-timeout")) c.timeoutMs = parsed.timeoutMs;
  if (headers.has("upstash-method")) c.method = parsed.method;
  if (headers.has("upstash-callback")) c.callback = parsed.callback;
  if (headers.has("upstash-failure-callback")) c.failureCallback = parsed.failureCallback;
  if (headers.has("upstash-flow-control-key")) c.flowControl = parsed.flowControl;
  if (headers.has("upstash-label")) c.labels = parsed.labels;
  return c;
}
