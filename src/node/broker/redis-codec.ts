/**
 * How the Redis broker store writes records: metadata as JSON, message bodies as raw bytes in
 * their own hash field (never re-encoded); the few nested byte arrays (last response bodies,
 * schedule bodies in events) as base64.
 * @module
 */

import type { DlqEntry, EventRecord, ResponseRecord, StoredMessage } from "../../broker/local/message/message.ts";
import type { ScheduleRecord } from "../../broker/local/message/records.ts";

const EMPTY = new Uint8Array(0);

function encodeResponse(r: ResponseRecord | undefined): unknown {
  if (!r) return undefined;
  return { ...r, body: r.body ? Buffer.from(r.body).toString("base64") : undefined };
}

function decodeResponse(r: unknown): ResponseRecord | undefined {
  if (!r || typeof r !== "object") return undefined;
  const x = r as ResponseRecord & { body?: unknown };
  return { ...x, body: typeof x.body === "string" ? new Uint8Array(Buffer.from(x.body, "base64")) : undefined };
}

/** A message's metadata (everything but the body). */
export function encodeMessage(msg: StoredMessage): string {
  const { body: _body, heapIndex: _h, lastResponse, ...rest } = msg;
  return JSON.stringify({ ...rest, lastResponse: encodeResponse(lastResponse) });
}

export function decodeMessage(meta: Buffer | string, body: Buffer | string | null | undefined): StoredMessage {
  const m = JSON.parse(meta.toString()) as StoredMessage;
  m.body = body ? new Uint8Array(typeof body === "string" ? Buffer.from(body) : body) : EMPTY;
  m.lastResponse = decodeResponse(m.lastResponse);
  if (m.lastResponse === undefined) delete m.lastResponse;
  m.seq ??= 0;
  return m;
}

export function encodeDlq(entry: DlqEntry): string {
  return `{"dlqId":${JSON.stringify(entry.dlqId)},"failedAt":${JSON.stringify(entry.failedAt)},"message":${encodeMessage(entry.message)}}`;
}

export function decodeDlq(meta: Buffer | string, body: Buffer | null | undefined): DlqEntry {
  const e = JSON.parse(meta.toString()) as { dlqId: string; failedAt: number; message: unknown };
  return { dlqId: e.dlqId, failedAt: e.failedAt, message: decodeMessage(JSON.stringify(e.message), body) };
}

/**
 * Log entries carry the message snapshot and its body (base64) so they outlive the message. The
 * message's JSON is spliced in as text (three entries per delivery: no parse and re-stringify).
 */
export function encodeEvent(e: EventRecord): string {
  let json = `{"time":${JSON.stringify(e.time)},"state":${JSON.stringify(e.state)}`;
  if (e.error !== undefined) json += `,"error":${JSON.stringify(e.error)}`;
  if (e.nextDeliveryTime !== undefined) json += `,"nextDeliveryTime":${JSON.stringify(e.nextDeliveryTime)}`;
  if (e.response) json += `,"response":${JSON.stringify(encodeResponse(e.response))}`;
  const body = e.message.body;
  return `${json},"message":${encodeMessage(e.message)},"body":"${Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("base64")}"}`;
}

export function decodeEvent(item: string): EventRecord {
  const space = item.indexOf(" ");
  const seq = Number(item.slice(0, space));
  const e = JSON.parse(item.slice(space + 1)) as EventRecord & { body: string; response?: unknown };
  const message = decodeMessage(JSON.stringify(e.message), Buffer.from(e.body, "base64"));
  const out: EventRecord = { seq, time: e.time, state: e.state, message };
  if (e.error) out.error = e.error;
  if (e.nextDeliveryTime !== undefined) out.nextDeliveryTime = e.nextDeliveryTime;
  const response = decodeResponse(e.response);
  if (response) out.response = response;
  return out;
}

export function encodeSchedule(s: ScheduleRecord): string {
  const { body: _b, lastScheduleStates: _s, ...rest } = s;
  return JSON.stringify(rest);
}

export function decodeSchedule(meta: Buffer | string, body: Buffer | null | undefined, states: Record<string, string>): ScheduleRecord {
  const s = JSON.parse(meta.toString()) as ScheduleRecord;
  s.body = body ? new Uint8Array(body) : EMPTY;
  s.lastScheduleStates = states;
  return s;
}
