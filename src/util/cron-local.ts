/**
 * Schedule cron expressions: standard 5 fields evaluated in UTC, with an optional
 * `CRON_TZ=<IANA zone> ` prefix. Evaluated with `croner` (Vixie semantics: day-of-month OR
 * day-of-week when both are restricted).
 * @module
 */

import { Cron } from "croner";
import { BrokerError } from "../errors.ts";

const cache = new Map<string, Cron>();

/** Parse and validate; throws `BrokerError` 400 with what is wrong. */
export function parseCron(text: string): Cron {
  const cron = text.trim();
  let job = cache.get(cron);
  if (job) return job;
  let timezone = "UTC";
  let pattern = cron;
  const tz = /^CRON_TZ=(\S+)\s+(.*)$/.exec(cron);
  if (tz) {
    timezone = tz[1];
    pattern = tz[2].trim();
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    } catch {
      throw new BrokerError(`invalid Upstash-Cron "${cron}": unknown time zone "${timezone}" (use an IANA name like Europe/Istanbul)`, { status: 400 });
    }
  }
  if (pattern.split(/\s+/).length !== 5) {
    throw new BrokerError(`invalid Upstash-Cron "${cron}": use 5 fields (minute hour day-of-month month day-of-week), optionally prefixed with CRON_TZ=<zone>`, { status: 400 });
  }
  try {
    job = new Cron(pattern, { timezone });
  } catch (err) {
    throw new BrokerError(`invalid Upstash-Cron "${cron}": ${(err as Error).message}`, { status: 400 });
  }
  if (cache.size > 1000) cache.clear();
  cache.set(cron, job);
  return job;
}

/** The first trigger strictly after `afterMs` (ms), or undefined when there is none. */
export function nextCronTime(cron: string, afterMs: number): number | undefined {
  return parseCron(cron).nextRun(new Date(afterMs))?.getTime();
}
