/**
 * QStash's log, DLQ and queue JSON (`GET /v2/events`, `GET /v2/dlq`, `GET /v2/queues`) as the
 * Broker port's records, and the port's filters as QStash query parameters. Shared by both QStash
 * adapters and the local broker's direct port, so all three answer alike. Kept small: it is in
 * the Workers bundle (QStashFetchBroker).
 * @module
 */
import type { BrokerDlqQuery, BrokerLogQuery } from "./broker.ts";

type Json = Record<string, unknown>;

/** UTF-8 text of base64 `b64` (undefined when it is not base64). */
export function base64Text(b64: string): string | undefined {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/** Fields every record keeps as they are, when present. */
const KEPT = ["time", "messageId", "state", "url", "dlqId", "createdAt", "error", "nextDeliveryTime", "responseStatus", "queueName", "scheduleId", "labels"];

/**
 * A LogEntry (`body` in base64) or a DlqMessage (`body` as text, or `bodyBase64`) as a
 * `BrokerLogEntry` / `BrokerDlqEntry`: bodies as text, `labels` even where QStash sends only `label`.
 */
export function toBrokerRecord<T>(j: Json, base64Body: boolean): T {
  const out: Json = {};
  for (const k of KEPT) if (j[k] !== undefined && j[k] !== null) out[k] = j[k];
  for (const k of ["body", "responseBody"]) {
    const v = j[k];
    const b64 = j[`${k}Base64`];
    const text = typeof v === "string" ? (base64Body && k === "body" ? base64Text(v) : v) : typeof b64 === "string" ? base64Text(b64) : undefined;
    if (text !== undefined) out[k] = text;
  }
  if (!out.labels && typeof j.label === "string") out.labels = [j.label];
  return out as T;
}

/** Query parameters of a log or DLQ listing, as the official client sends them (arrays as repeated keys). */
export function listingParams(q: BrokerLogQuery & BrokerDlqQuery, max: number): URLSearchParams {
  const p = new URLSearchParams({ count: String(Math.min(max, q.count ?? 100)) });
  for (const [k, v] of Object.entries(q)) {
    if (Array.isArray(v)) for (const x of v) p.append(k, x);
    else if (v !== undefined && k !== "count") p.set(k, String(v));
  }
  return p;
}
