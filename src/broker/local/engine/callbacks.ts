/**
 * Callbacks: after every attempt a message with `Upstash-Callback` gets a new message to the
 * callback URL; when it fails for good, one to `Upstash-Failure-Callback` (with `dlqId`). The
 * payload is QStash's JSON (response and source bodies base64). `Upstash-Callback-<X>` headers
 * configure the callback message as `Upstash-<X>` would a publish; unset settings default to the
 * original message's.
 * @module
 */

import { CONTENT_TYPE, UPSTASH_RETRIES, UPSTASH_RETRY_DELAY, UPSTASH_TIMEOUT } from "../../../headers.ts";
import { base64 } from "../../../util/base64url.ts";
import type { AttemptOutcome } from "../delivery/delivery.ts";
import type { BrokerEngine } from "./engine.ts";
import { headerMap } from "../message/canonical.ts";
import { MESSAGE_CANCELED, MESSAGE_FAILED, type StoredMessage } from "../message/message.ts";
import { parsePublishConfig } from "../message/publish-config.ts";

const encoder = new TextEncoder();

/** The JSON body QStash sends to a callback URL. */
export function callbackPayload(msg: StoredMessage, outcome: AttemptOutcome, retried: number, dlqId?: string): Record<string, unknown> {
  const r = outcome.response;
  const out: Record<string, unknown> = {};
  if (r.status !== undefined) out.status = r.status;
  if (r.error) out.error = r.error;
  out.header = r.headers ?? {};
  out.body = base64(r.body ?? new Uint8Array(0));
  if (retried > 0) out.retried = retried;
  out.maxRetries = msg.maxRetries;
  out.sourceMessageId = msg.id;
  if (msg.topicName) out.topicName = msg.topicName;
  if (msg.endpointName) out.endpointName = msg.endpointName;
  out.url = msg.url;
  out.method = msg.method;
  out.sourceHeader = headerMap(msg.headers);
  out.sourceBody = base64(msg.body);
  out.notBefore = msg.notBefore;
  out.createdAt = msg.createdAt;
  if (msg.scheduleId) out.scheduleId = msg.scheduleId;
  if (msg.callerIp) out.callerIP = msg.callerIp;
  if (dlqId) out.dlqId = dlqId;
  return out;
}

/** Wire callbacks into `engine`. */
export function installCallbacks(engine: BrokerEngine): void {
  engine.afterAttempt.push(async (msg, outcome, final, info) => {
    if (msg.callback && final !== MESSAGE_CANCELED) {
      await send(engine, msg, "callback", msg.callback, msg.callbackHeaders, callbackPayload(msg, outcome, info.retried));
    }
    if (msg.failureCallback && final === MESSAGE_FAILED) {
      await send(engine, msg, "failureCallback", msg.failureCallback, msg.failureCallbackHeaders, callbackPayload(msg, outcome, info.retried, info.dlqId));
    }
  });
}

async function send(
  engine: BrokerEngine,
  source: StoredMessage,
  kind: "callback" | "failureCallback",
  url: string,
  settings: Record<string, string> | undefined,
  payload: Record<string, unknown>,
): Promise<void> {
  const headers = new Headers(settings);
  const config = parsePublishConfig(headers);
  if (!headers.has(UPSTASH_RETRIES)) config.retries = source.maxRetries;
  if (!headers.has(UPSTASH_TIMEOUT) && source.timeoutMs !== undefined) config.timeoutMs = source.timeoutMs;
  if (!headers.has(UPSTASH_RETRY_DELAY) && source.retryDelay) config.retryDelay = source.retryDelay;
  config.headers[CONTENT_TYPE] ??= "application/json";
  const msg = engine.createMessage(url, config, encoder.encode(JSON.stringify(payload)));
  msg.callbackOf = { kind, sourceMessageId: source.id };
  await engine.enqueue(msg);
}

