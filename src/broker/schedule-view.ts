/**
 * QStash's schedule JSON (`GET /v2/schedules`) as the Broker port's `BrokerSchedule`, shared by
 * both QStash adapters.
 * @module
 */
import type { BrokerSchedule } from "./broker.ts";
import { base64Text } from "./log-view.ts";

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
  nextScheduleTime?: number;
  lastScheduleTime?: number;
  lastScheduleStates?: Record<string, string>;
}

export function toBrokerSchedule(s: QStashScheduleJson): BrokerSchedule {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.header ?? {})) headers[k] = Array.isArray(v) ? v.join(", ") : String(v);
  const out: BrokerSchedule = { scheduleId: s.scheduleId, cron: s.cron, url: s.destination, headers, retries: s.retries, isPaused: s.isPaused };
  const body = s.body ?? (s.bodyBase64 ? base64Text(s.bodyBase64) : undefined);
  if (body !== undefined) out.body = body;
  if (s.nextScheduleTime) out.nextScheduleTime = s.nextScheduleTime;
  if (s.lastScheduleTime) out.lastScheduleTime = s.lastScheduleTime;
  if (s.lastScheduleStates) out.lastScheduleStates = s.lastScheduleStates;
  return out;
}
