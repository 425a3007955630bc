/**
 * Find the schedules among a module's exports. Apart from `schedule.ts` so a worker without
 * schedules does not import the cron engine and the schedule definitions (about 3 KB gzip of the
 * Workers bundle: `npx tsx bench/bundle.ts`, the runtime with and without one schedule).
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { Schedule } from "./schedule.ts";

/** True for a value made by {@link schedule}. */
export function isSchedule(value: unknown): value is Schedule {
  return typeof value === "object" && value !== null && (value as Schedule).kind === "celeriac.schedule";
}

/**
 * The schedules among `source`: an array, or a module namespace (`import * as functions`) whose
 * exports are schedules (or arrays of them) among tasks. Duplicate names are refused.
 */
export function collectSchedules(source: Iterable<unknown> | Record<string, unknown> | undefined): Schedule[] {
  if (!source) return [];
  const values = Symbol.iterator in (source as object) ? [...(source as Iterable<unknown>)] : Object.values(source as Record<string, unknown>);
  const found = values.flatMap((v) => (Array.isArray(v) ? v.filter(isSchedule) : isSchedule(v) ? [v] : []));
  const byName = new Map<string, Schedule>();
  for (const s of found) {
    const existing = byName.get(s.name);
    if (existing && existing !== s) throw new ConfigError(`Two different schedules are named "${s.name}"; schedule names must be unique.`);
    byName.set(s.name, s);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

