/**
 * QStash's schedule JSON (`GET /v2/schedules`) as the Broker port's `BrokerSchedule`, shared by
 * both QStash adapters.
 * @module
 */
import type { BrokerSchedule } from "./broker.ts";

/** A schedule as QStash lists it. */
export interface QStashScheduleJson {
  scheduleId: string;
  cron: string;
  destination: string;
  header?: Record<string, string[] | string>;
  body?: string;
  bodyBase64?: string;
  retries?: number;
  isPaused?: boolean;
}

export function toBrokerSchedule(s: QStashScheduleJson): BrokerSchedule {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.header ?? {})) headers[k] = Array.isArray(v) ? v.join(", ") : String(v);
  const out: BrokerSchedule = { scheduleId: s.scheduleId, cron: s.cron, url: s.destination, headers, retries: s.retries, isPaused: s.isPaused };
  const body = s.body ?? (s.bodyBase64 ? new TextDecoder().decode(Uint8Array.from(atob(s.bodyBase64), (c) => c.charCodeAt(0))) : undefined);
  if (body !== undefined) out.body = body;
  return out;
}
