/**
 * JSON shapes the official clients parse: Message, DlqMessage, LogEntry. Zero-valued optional
 * fields are omitted (the real server is Go with `omitempty`); times are epoch ms; headers are
 * `{Name: [values]}`; redacted fields read `REDACTED:<sha256 hex>`.
 * @module
 */

import { base64 } from "../../../util/base64url.ts";
import { headerMap } from "../message/canonical.ts";
import type { DlqEntry, EventRecord, ResponseRecord, StoredMessage } from "../message/message.ts";

type Json = Record<string, unknown>;
const strict = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let hex = "";
  for (const b of d) hex += b.toString(16).padStart(2, "0");
  return hex;
}

const redacted = async (bytes: Uint8Array): Promise<string> => `REDACTED:${await sha256Hex(bytes)}`;

/** Put `bytes` in `out` as `<key>` (UTF-8) or `<key>Base64`; nothing when empty. */
export function putBody(out: Json, key: string, bytes: Uint8Array | undefined): void {
  if (!bytes || bytes.length === 0) return;
  try {
    out[key] = strict.decode(bytes);
  } catch {
    out[`${key}Base64`] = base64(bytes);
  }
}

/** The `header` map, with redaction applied. */
async function headersJson(msg: StoredMessage): Promise<Record<string, string[]> | undefined> {
  const names = Object.keys(msg.headers);
  if (names.length === 0) return undefined;
  const r = msg.redact;
  if (!r || (!r.allHeaders && !r.headers?.length)) return headerMap(msg.headers);
  const out: Record<string, string[]> = {};
  for (const n of names) {
    const hide = r.allHeaders || r.headers!.includes(n);
    out[n] = [hide ? await redacted(encoder.encode(msg.headers[n])) : msg.headers[n]];
  }
  return out;
}

/** Fields shared by Message, DlqMessage and schedules' flow control. */
function flowControlJson(out: Json, msg: { flowControl?: StoredMessage["flowControl"] }): void {
  const fc = msg.flowControl;
  if (!fc) return;
  out.flowControlKey = fc.key;
  if (fc.parallelism !== undefined) out.parallelism = fc.parallelism;
  if (fc.rate !== undefined) out.rate = fc.rate;
  out.period = fc.periodSec ?? 1;
}

function labelsJson(out: Json, labels: string[] | undefined): void {
  if (!labels?.length) return;
  out.label = labels[0];
  out.labels = labels;
}

/** The Message object of `GET /v2/messages/{id}`. */
export async function messageJson(msg: StoredMessage): Promise<Json> {
  const out: Json = { messageId: msg.id, url: msg.url };
  if (msg.topicName) out.topicName = msg.topicName;
  if (msg.endpointName) out.endpointName = msg.endpointName;
  out.method = msg.method;
  const header = await headersJson(msg);
  if (header) out.header = header;
  if (msg.redact?.body && msg.body.length) out.body = await redacted(msg.body);
  else putBody(out, "body", msg.body);
  out.maxRetries = msg.maxRetries;
  if (msg.retryDelay) out.retryDelayExpression = msg.retryDelay;
  out.notBefore = msg.notBefore;
  out.createdAt = msg.createdAt;
  if (msg.callback) out.callback = msg.callback;
  if (msg.failureCallback) out.failureCallback = msg.failureCallback;
  if (msg.queueName) out.queueName = msg.queueName;
  if (msg.scheduleId) out.scheduleId = msg.scheduleId;
  if (msg.callerIp) out.callerIP = out.callerIp = msg.callerIp;
  if (msg.timeoutMs !== undefined) out.timeout = msg.timeoutMs;
  flowControlJson(out, msg);
  labelsJson(out, msg.labels);
  return out;
}

function responseJson(out: Json, response: ResponseRecord | undefined): void {
  if (!response) return;
  if (response.status !== undefined) out.responseStatus = response.status;
  if (response.headers && Object.keys(response.headers).length) out.responseHeader = out.responseHeaders = response.headers;
  putBody(out, "responseBody", response.body);
}

/** A DlqMessage: the Message plus `dlqId` and the last response. */
export async function dlqJson(entry: DlqEntry): Promise<Json> {
  const out = await messageJson(entry.message);
  out.dlqId = entry.dlqId;
  responseJson(out, entry.message.lastResponse);
  if (entry.message.lastResponse?.error) out.error = entry.message.lastResponse.error;
  return out;
}

/** A LogEntry of `GET /v2/events`: `body` is base64. */
export async function eventJson(e: EventRecord): Promise<Json> {
  const msg = e.message;
  const out: Json = { time: e.time, messageId: msg.id, state: e.state };
  if (e.error) out.error = e.error;
  if (e.nextDeliveryTime !== undefined) out.nextDeliveryTime = e.nextDeliveryTime;
  out.url = msg.url;
  if (msg.topicName) out.topicName = msg.topicName;
  if (msg.endpointName) out.endpointName = msg.endpointName;
  if (msg.scheduleId) out.scheduleId = msg.scheduleId;
  if (msg.queueName) out.queueName = msg.queueName;
  const header = await headersJson(msg);
  if (header) out.header = header;
  if (msg.body.length) out.body = msg.redact?.body ? await redacted(msg.body) : base64(msg.body);
  responseJson(out, e.response);
  if (msg.timeoutMs !== undefined) out.timeout = msg.timeoutMs;
  out.method = msg.method;
  if (msg.callback) out.callback = msg.callback;
  if (msg.callbackHeaders) out.callbackHeaders = headerMap(msg.callbackHeaders);
  if (msg.failureCallback) out.failureCallback = msg.failureCallback;
  if (msg.failureCallbackHeaders) out.failureCallbackHeaders = headerMap(msg.failureCallbackHeaders);
  out.maxRetries = msg.maxRetries;
  if (msg.retryDelay) out.retryDelayExpression = out.retryDelayExpr = msg.retryDelay;
  flowControlJson(out, msg);
  labelsJson(out, msg.labels);
  return out;
}
