/**
 * One delivery attempt: sign, send, classify. Never throws: every outcome is a value.
 * @module
 */

import type { TokenSigner } from "../../verify/qstash-jwt.ts";
import type { ResponseRecord, StoredMessage } from "./message.ts";
import { retryTimeFromHeaders } from "./retry-delay.ts";
import { responseHeaderMap } from "./canonical.ts";

/** Sends one request: `fetch`, or a node:http keep-alive implementation. */
export type Deliver = (request: Request) => Promise<Response>;

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
    const detail = cause?.code ?? cause?.message;
    return detail ? `${err.message}: ${detail}` : err.message;
  }
  return String(err);
}

/** Build the request QStash would send: body bytes unchanged, signed with the current key. */
export async function buildDeliveryRequest(msg: StoredMessage, signer: TokenSigner, nowMs: number, signal?: AbortSignal): Promise<Request> {
  msg.bodyHash ??= await signer.bodyHash(msg.body);
  const signature = await signer.sign({ url: msg.url, bodyHash: msg.bodyHash, nowSec: nowMs / 1000 });
  const headers: [string, string][] = [];
  for (const k in msg.headers) headers.push([k, msg.headers[k]]);
  if (msg.passHeaders) for (const k in msg.passHeaders) headers.push([k, msg.passHeaders[k]]);
  headers.push(
    ["Upstash-Signature", signature],
    ["Upstash-Message-Id", msg.id],
    ["Upstash-Retried", String(msg.retried)],
    ["User-Agent", "Upstash-QStash"],
  );
  if (msg.scheduleId) headers.push(["Upstash-Schedule-Id", msg.scheduleId]);
  if (msg.topicName) headers.push(["Upstash-Topic-Name", msg.topicName]);
  if (msg.callerIp) headers.push(["Upstash-Caller-Ip", msg.callerIp]);
  return new Request(msg.url, {
    method: msg.method,
    headers,
    body: NO_BODY.has(msg.method) ? null : (msg.body as Uint8Array<ArrayBuffer>),
    signal,
    redirect: "follow",
  });
}

/** Attempt one delivery of `msg`. */
export async function attemptDelivery(
  msg: StoredMessage,
  context: { deliver: Deliver; signer: TokenSigner; nowMs: number; timeoutMs: number },
): Promise<AttemptOutcome> {
  let response: Response;
  try {
    const signal = AbortSignal.timeout(Math.max(1, msg.timeoutMs ?? context.timeoutMs));
    const request = await buildDeliveryRequest(msg, context.signer, context.nowMs, signal);
    response = await context.deliver(request);
  } catch (err) {
    return { ok: false, nonRetryable: false, response: { error: describe(err) } };
  }
  let body: Uint8Array | undefined;
  try {
    body = new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    return { ok: false, nonRetryable: false, response: { status: response.status, error: `reading the response failed: ${describe(err)}` } };
  }
  const status = response.status;
  const ok = status >= 200 && status < 300;
  const record: ResponseRecord = { status, body };
  if (!ok || msg.callback) record.headers = responseHeaderMap(response.headers);
  if (ok) return { ok, nonRetryable: false, response: record };
  const nonRetryable = status === 489 && (response.headers.get("upstash-nonretryable-error") ?? "").toLowerCase() === "true";
  return { ok, nonRetryable, retryAfterMs: retryTimeFromHeaders(response.headers, context.nowMs), response: record };
}
