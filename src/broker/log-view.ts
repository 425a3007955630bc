/**
 * QStash's log, DLQ and queue JSON (`GET /v2/events`, `GET /v2/dlq`, `GET /v2/queues`) as the
 * Broker port's records, and the port's filters as QStash query parameters. Shared by both QStash
 * adapters and the local broker's direct port, so all three answer alike.
 * @module
 */
import type { BrokerDlqEntry, BrokerDlqQuery, BrokerLogEntry, BrokerLogQuery, BrokerQueue } from "./broker.ts";

type Json = Record<string, unknown>;

/** UTF-8 text of base64 `b64` (undefined when it is not base64). */
export function base64Text(b64: string): string | undefined {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/** `{Name: [v1, v2]}` (or `{Name: v}`) → `{Name: "v1, v2"}`. */
function headersOf(map: unknown): Record<string, string> | undefined {
  if (!map || typeof map !== "object") return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map as Json)) out[k] = Array.isArray(v) ? v.join(", ") : String(v);
  return out;
}

/** Copy the fields both records share, when present. */
function common(j: Json, out: BrokerLogEntry | BrokerDlqEntry): void {
  const headers = headersOf(j.header);
  if (headers) out.headers = headers;
  const labels = Array.isArray(j.labels) ? (j.labels as string[]) : typeof j.label === "string" ? [j.label] : undefined;
  if (labels) out.labels = labels;
  if (typeof j.responseStatus === "number") out.responseStatus = j.responseStatus;
  const response = typeof j.responseBody === "string" ? j.responseBody : typeof j.responseBodyBase64 === "string" ? base64Text(j.responseBodyBase64) : undefined;
  if (response !== undefined) out.responseBody = response;
  if (typeof j.queueName === "string") out.queueName = j.queueName;
  if (typeof j.scheduleId === "string") out.scheduleId = j.scheduleId;
}

/** A LogEntry of `GET /v2/events` (its `body` is base64). */
export function toLogEntry(j: Json): BrokerLogEntry {
  const out: BrokerLogEntry = { time: Number(j.time), messageId: String(j.messageId), state: String(j.state), url: String(j.url ?? "") };
  const body = typeof j.body === "string" ? base64Text(j.body) : undefined;
  if (body !== undefined) out.body = body;
  common(j, out);
  if (typeof j.error === "string") out.error = j.error;
  if (typeof j.nextDeliveryTime === "number") out.nextDeliveryTime = j.nextDeliveryTime;
  return out;
}

/** A DlqMessage of `GET /v2/dlq` (`body` as text, or `bodyBase64`). */
export function toDlqEntry(j: Json): BrokerDlqEntry {
  const out: BrokerDlqEntry = { dlqId: String(j.dlqId), messageId: String(j.messageId), url: String(j.url ?? "") };
  const body = typeof j.body === "string" ? j.body : typeof j.bodyBase64 === "string" ? base64Text(j.bodyBase64) : undefined;
  if (body !== undefined) out.body = body;
  if (typeof j.createdAt === "number") out.createdAt = j.createdAt;
  common(j, out);
  return out;
}

/** A queue of `GET /v2/queues`. */
export function toBrokerQueue(j: Json): BrokerQueue {
  return { name: String(j.name), parallelism: Number(j.parallelism ?? 1), lag: Number(j.lag ?? 0), paused: j.paused === true };
}

/** Query parameters of a log or DLQ listing, as the official client sends them (arrays as repeated keys). */
export function listingParams(q: BrokerLogQuery & BrokerDlqQuery, max: number): URLSearchParams {
  const p = new URLSearchParams();
  p.set("count", String(Math.min(max, q.count ?? 100)));
  for (const key of ["cursor", "state", "url", "label", "fromDate", "toDate"] as const) if (q[key] !== undefined) p.set(key, String(q[key]));
  for (const id of q.messageIds ?? []) p.append("messageIds", id);
  for (const id of q.dlqIds ?? []) p.append("dlqIds", id);
  return p;
}
