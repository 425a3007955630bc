/**
 * One delivery attempt: sign, send, classify. Never throws: every outcome is a value.
 * @module
 */

import {
  QSTASH_USER_AGENT, UPSTASH_CALLER_IP, UPSTASH_MESSAGE_ID, UPSTASH_NON_RETRYABLE_ERROR, UPSTASH_RETRIED, UPSTASH_SCHEDULE_ID,
  UPSTASH_SIGNATURE, UPSTASH_TOPIC_NAME, USER_AGENT,
} from "../../../headers.ts";
import type { TokenSigner } from "../../../verify/qstash-jwt.ts";
import type { ResponseRecord, StoredMessage } from "../message/message.ts";
import { retryTimeFromHeaders } from "./retry-delay.ts";
import { responseHeaderMap } from "../message/canonical.ts";

/** A delivery request without the Fetch API objects (the fast path). */
export interface RawDeliveryRequest {
  url: string;
  method: string;
  /** Header name → value (names as QStash sends them). */
  headers: Record<string, string>;
  /** Null for GET/HEAD. */
  body: Uint8Array | null;
  /** Abandon the attempt after this many ms without an answer (`Infinity`: never). */
  timeoutMs: number;
  /** The broker's hold on this attempt: the deliver sets `cancel`, which the broker calls when it shuts down. */
  attempt?: AttemptHandle;
}

/** Lets the broker cut an attempt short (on close) without an `AbortSignal` per request. */
export interface AttemptHandle {
  /** Set by the deliver while the request is in flight: abandons it. */
  cancel?: () => void;
}

/** What the fast path answers. */
export interface RawDeliveryResponse {
  status: number;
  headers: ResponseHeaders;
  body: Uint8Array;
}

/** The part of `Headers` the broker reads from a response. */
export interface ResponseHeaders {
  get(name: string): string | null;
  forEach(callback: (value: string, name: string) => void): void;
}

/**
 * Sends one delivery: `fetch`, or a keep-alive implementation (`createNodeDeliver` on Node). An implementation may
 * also offer `raw`, which the broker then uses instead (no Request/Response objects per attempt).
 */
export type Deliver = ((request: Request) => Promise<Response>) & { raw?: (request: RawDeliveryRequest) => Promise<RawDeliveryResponse> };

/** The result of an attempt. */
export interface AttemptOutcome {
  ok: boolean;
  /** 489 + `Upstash-NonRetryable-Error: true`: fail now, no more retries. */
  nonRetryable: boolean;
  /** The delay the destination asked for (`Retry-After` and friends), ms. */
  retryAfterMs?: number;
  response: ResponseRecord;
}

const NO_BODY = new Set(["GET", "HEAD"]);

function describe(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError" || err.name === "AbortError") return `request timed out`;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (err as { code?: string }).code;
    return detail && !err.message.includes(detail) ? `${err.message}: ${detail}` : err.message;
  }
  return String(err);
}

/** The request QStash would send for `msg`: body bytes unchanged, signed with the current key. */
export function deliveryRequest(msg: StoredMessage, signer: TokenSigner, nowMs: number, timeoutMs: number): RawDeliveryRequest | Promise<RawDeliveryRequest> {
  const hash = msg.bodyHash ?? signer.bodyHash(msg.body);
  if (typeof hash !== "string") return hash.then((h) => deliveryRequest(Object.assign(msg, { bodyHash: h }), signer, nowMs, timeoutMs));
  msg.bodyHash = hash;
  const token = signer.sign({ url: msg.url, bodyHash: hash, nowSec: nowMs / 1000 });
  // A synchronous signer (node:crypto) builds the request without a promise per delivery.
  return typeof token === "string" ? signedRequest(msg, token, timeoutMs) : token.then((t) => signedRequest(msg, t, timeoutMs));
}

function signedRequest(msg: StoredMessage, signature: string, timeoutMs: number): RawDeliveryRequest {
  const headers: Record<string, string> = {};
  for (const name in msg.headers) headers[name] = msg.headers[name];
  if (msg.passHeaders) for (const name in msg.passHeaders) headers[name] = msg.passHeaders[name];
  headers[UPSTASH_SIGNATURE] = signature;
  headers[UPSTASH_MESSAGE_ID] = msg.id;
  headers[UPSTASH_RETRIED] = String(msg.retried);
  headers[USER_AGENT] = QSTASH_USER_AGENT;
  if (msg.scheduleId) headers[UPSTASH_SCHEDULE_ID] = msg.scheduleId;
  if (msg.topicName) headers[UPSTASH_TOPIC_NAME] = msg.topicName;
  if (msg.callerIp) headers[UPSTASH_CALLER_IP] = msg.callerIp;
  return { url: msg.url, method: msg.method, headers, body: NO_BODY.has(msg.method) ? null : msg.body, timeoutMs: Math.max(1, msg.timeoutMs ?? timeoutMs) };
}

async function send(deliver: Deliver, req: RawDeliveryRequest): Promise<RawDeliveryResponse> {
  if (deliver.raw) return deliver.raw(req);
  const stop = new AbortController();
  if (req.attempt) req.attempt.cancel = () => stop.abort();
  const response = await deliver(
    new Request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body as Uint8Array<ArrayBuffer> | null,
      signal: AbortSignal.any([AbortSignal.timeout(req.timeoutMs), stop.signal]),
      redirect: "follow",
    }),
  );
  return { status: response.status, headers: response.headers, body: new Uint8Array(await response.arrayBuffer()) };
}

/** Attempt one delivery of `msg`. */
export async function attemptDelivery(
  msg: StoredMessage,
  context: { deliver: Deliver; signer: TokenSigner; nowMs: number; timeoutMs: number; attempt?: AttemptHandle },
): Promise<AttemptOutcome> {
  let response: RawDeliveryResponse;
  try {
    const request = await deliveryRequest(msg, context.signer, context.nowMs, context.timeoutMs);
    if (context.attempt) request.attempt = context.attempt;
    response = await send(context.deliver, request);
  } catch (err) {
    return { ok: false, nonRetryable: false, response: { error: describe(err) } };
  }
  const status = response.status;
  const ok = status >= 200 && status < 300;
  const record: ResponseRecord = { status, body: response.body };
  if (!ok || msg.callback) record.headers = responseHeaderMap(response.headers);
  if (ok) return { ok, nonRetryable: false, response: record };
  const nonRetryable = status === 489 && (response.headers.get(UPSTASH_NON_RETRYABLE_ERROR) ?? "").toLowerCase() === "true";
  return { ok, nonRetryable, retryAfterMs: retryTimeFromHeaders(response.headers, context.nowMs), response: record };
}
